"""Handlers for a listener asking questions: why massage helps, benefits, causes, who to see."""

from __future__ import annotations

from functools import partial

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide import display, slots
from massage_guide.conversation import content, slot_id, slot_said, state, varied
from massage_guide.handlers.base import IntentHandler, reply
from massage_guide.handlers.benefits import (
    all_names,
    answer_benefit,
    ask_about_benefit,
    ask_which_benefit,
)
from massage_guide.speech import Speech


def overview(handler_input: HandlerInput, lead_in: str | None = None) -> Response:
    """All seven benefits in one breath, then which one the listener would like.

    A "yes" to "which one shall I explain?" means "go on": it starts with the first.
    """
    words = content(handler_input)
    speech = Speech(lead_in) if lead_in else Speech()
    speech.say(words.overview).pause().say(words.prompt("overview_follow_up"))
    return reply(
        handler_input,
        speech,
        Speech(words.prompt("overview_reprompt")),
        card=(words.skill_name, words.overview),
        pending="offer",
        offered=words.benefits[0].id,
    )


class WhyMassageHelpsHandler(IntentHandler):
    """The overview: all seven benefits in one breath."""

    intents = ("WhyMassageHelpsIntent",)
    served_name_free = True

    def handle(self, handler_input: HandlerInput) -> Response:
        return overview(handler_input)


class CureQuestionHandler(IntentHandler):
    """'Can massage cure my back pain?': no, honestly, and then what it may do."""

    intents = ("CureQuestionIntent",)
    served_name_free = True

    def handle(self, handler_input: HandlerInput) -> Response:
        return overview(handler_input, lead_in=content(handler_input).not_a_cure)


class OverviewAcceptedHandler(IntentHandler):
    """'Yes' to 'shall I tell you how massage may help your back?'."""

    intents = ("AMAZON.YesIntent",)
    only_while_asked = ("overview",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return overview(handler_input)


class WhatIsMassageHandler(IntentHandler):
    """'What is massage therapy?': the article's definition, in our words."""

    intents = ("WhatIsMassageIntent",)
    served_name_free = True

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        return offer_overview(handler_input, words.definition, "definition_follow_up")


class SourceHandler(IntentHandler):
    """'Where does this come from?', 'is this medical advice?': one article, general information."""

    intents = ("SourceIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        return offer_overview(handler_input, words.source, "source_follow_up")


def offer_overview(handler_input: HandlerInput, answer: str, question: str) -> Response:
    """An answer about massage or the skill itself, then 'shall I tell you how it may help?'."""
    words = content(handler_input)
    speech = Speech(answer).say(words.prompt(question))
    return reply(
        handler_input,
        speech,
        Speech(words.prompt(question)),
        card=(words.skill_name, answer),
        pending="overview",
    )


class ListBenefitsHandler(IntentHandler):
    intents = ("ListBenefitsIntent",)
    served_name_free = True

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        speech = Speech(words.prompt("list_intro", names=all_names(words))).pause()
        speech.say(words.prompt("list_follow_up"))
        card_text = "\n".join(benefit.title for benefit in words.benefits)
        return reply(
            handler_input,
            speech,
            Speech(words.prompt("list_reprompt")),
            card=(words.skill_name, card_text),
            screen=partial(display.home_screen, words),
            pending="offer",  # "yes" to "which one interests you?" starts with the first
            offered=words.benefits[0].id,
        )


class BenefitHandler(IntentHandler):
    """One benefit by name: "how does massage help my posture"."""

    intents = ("BenefitIntent",)
    name_free_slot = slots.BENEFIT

    def handle(self, handler_input: HandlerInput) -> Response:
        named = slot_said(handler_input, slots.BENEFIT)
        return ask_about_benefit(handler_input, slot_id(handler_input, slots.BENEFIT), named=named)


class TellMeMoreHandler(IntentHandler):
    """Go deeper into the named benefit, or the one just discussed."""

    intents = ("TellMeMoreIntent",)
    name_free_slot = slots.BENEFIT

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        benefit = words.benefit(slot_id(handler_input, slots.BENEFIT))
        if benefit is None and not slot_said(handler_input, slots.BENEFIT):
            benefit = words.benefit(state(handler_input).benefit)
        if benefit is None:
            return ask_which_benefit(handler_input, unknown=slot_said(handler_input, slots.BENEFIT))
        return answer_benefit(handler_input, benefit, detail=True)


class CauseHandler(IntentHandler):
    """'My back hurts from sitting at a desk': name the benefits that speak to it, offer the first.

    The benefit itself comes on "yes", so the answer stays one breath long.
    """

    intents = ("CauseIntent",)
    name_free_slot = slots.CAUSE

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        cause = words.causes.get(slot_id(handler_input, slots.CAUSE) or "")
        if cause is None:
            prompt = words.prompt("cause_unknown")
            return reply(handler_input, Speech(prompt), Speech(words.prompt("general_reprompt")))
        benefits = [b for b in (words.benefit(i) for i in cause.benefit_ids) if b is not None]
        first = benefits[0]
        link = words.prompt("cause_link", names=words.spoken_list([b.name for b in benefits]))
        speech = Speech(cause.intro, link, words.doctor_reminder)
        speech.say(words.prompt("cause_offer", benefit=first.name))
        return reply(
            handler_input,
            speech,
            Speech(words.prompt("offer_reprompt", benefit=first.name)),
            card=(words.skill_name, f"{cause.intro} {link}\n\n{words.disclaimer}"),
            pending="offer",
            offered=first.id,
        )


class WhoShouldMassageHandler(IntentHandler):
    """The advice to see a qualified, experienced massage therapist."""

    intents = ("WhoShouldMassageIntent",)
    served_name_free = True

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        speech = Speech(words.therapist_advice).say(varied(handler_input, "what_next"))
        return reply(
            handler_input,
            speech,
            card=(words.skill_name, f"{words.therapist_advice}\n\n{words.disclaimer}"),
        )


class OfferDeclinedHandler(IntentHandler):
    """'No' to an offer ('shall I start with posture?', 'want more detail?', 'shall I tell you
    how massage may help?'): let the listener lead."""

    intents = ("AMAZON.NoIntent",)
    only_while_asked = ("offer", "detail", "overview")

    def handle(self, handler_input: HandlerInput) -> Response:
        return reply(handler_input, Speech(varied(handler_input, "what_next")))


class OfferAcceptedHandler(IntentHandler):
    """'Yes' to 'shall I start with posture?' (the summary) or 'want more detail?' (the detail)."""

    intents = ("AMAZON.YesIntent",)
    only_while_asked = ("offer", "detail")

    def handle(self, handler_input: HandlerInput) -> Response:
        conversation = state(handler_input)
        benefit = content(handler_input).benefit(conversation.offered)
        if benefit is None:  # state validation guarantees an offer names a benefit
            return ask_which_benefit(handler_input, unknown=False)
        return answer_benefit(handler_input, benefit, detail=conversation.pending == "detail")
