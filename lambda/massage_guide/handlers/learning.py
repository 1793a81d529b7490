"""Handlers for a listener asking questions: why massage helps, benefits, causes, who to see."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide import display
from massage_guide.conversation import content, slot_id, slot_said, state
from massage_guide.handlers.base import IntentHandler, reply
from massage_guide.handlers.benefits import (
    all_names,
    answer_benefit,
    ask_which_benefit,
    benefit_text,
)
from massage_guide.speech import Speech


class WhyMassageHelpsHandler(IntentHandler):
    """The overview: all seven benefits in one breath."""

    intents = ("WhyMassageHelpsIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        speech = Speech(text.overview).pause().say(text.prompt("overview_follow_up"))
        return reply(
            handler_input,
            speech,
            Speech(text.prompt("overview_follow_up")),
            card=(text.skill_name, text.overview),
        )


class ListBenefitsHandler(IntentHandler):
    intents = ("ListBenefitsIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        names = all_names(text)
        speech = Speech(text.prompt("list_intro", names=names)).pause()
        speech.say(text.prompt("list_follow_up"))
        card_text = "\n".join(benefit.title for benefit in text.benefits)
        return reply(
            handler_input,
            speech,
            Speech(text.prompt("list_follow_up")),
            card=(text.skill_name, card_text),
            screen=display.home_screen(text),
        )


class BenefitHandler(IntentHandler):
    """One benefit by name: "how does massage help my posture"."""

    intents = ("BenefitIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        said = slot_said(handler_input, "benefit")
        return ask_about_benefit(handler_input, slot_id(handler_input, "benefit"), said=said)


def ask_about_benefit(
    handler_input: HandlerInput, benefit_id: str | None, *, said: bool
) -> Response:
    """A benefit asked for by id, by voice or by touch; which one, when it matched none."""
    benefit = content(handler_input).benefit(benefit_id)
    if benefit is None:
        return ask_which_benefit(handler_input, unknown=said)
    return answer_benefit(handler_input, benefit, detail=False)


class TellMeMoreHandler(IntentHandler):
    """Go deeper into the named benefit, or the one just discussed."""

    intents = ("TellMeMoreIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        benefit = text.benefit(slot_id(handler_input, "benefit"))
        if benefit is None and not slot_said(handler_input, "benefit"):
            benefit = text.benefit(state(handler_input).benefit)
        if benefit is None:
            return ask_which_benefit(handler_input, unknown=slot_said(handler_input, "benefit"))
        return answer_benefit(handler_input, benefit, detail=True)


class CauseHandler(IntentHandler):
    """'My back hurts from sitting at a desk': point to the benefits that speak to it."""

    intents = ("CauseIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        conversation = state(handler_input)
        cause = text.causes.get(slot_id(handler_input, "cause") or "")
        if cause is None:
            prompt = text.prompt("cause_unknown")
            return reply(handler_input, Speech(prompt), Speech(prompt))
        benefits = [b for b in (text.benefit(i) for i in cause.benefit_ids) if b is not None]
        first = benefits[0]
        conversation.benefit = first.id
        speech = Speech(cause.intro)
        speech.say(text.prompt("cause_link", names=text.spoken_list([b.name for b in benefits])))
        speech.pause().say(benefit_text(first, conversation.length)).pause()
        speech.say(text.disclaimer)
        card = (first.title, f"{cause.intro}\n\n{first.summary}\n\n{text.disclaimer}")
        if len(benefits) > 1:
            second = benefits[1]
            speech.pause().say(text.prompt("cause_offer", benefit=second.name))
            return reply(
                handler_input,
                speech,
                Speech(text.prompt("offer_reprompt", benefit=second.name)),
                card=card,
                pending="offer",
                offered=second.id,
            )
        speech.pause().say(text.prompt("what_next"))
        return reply(handler_input, speech, card=card)


class WhoShouldMassageHandler(IntentHandler):
    """The advice to see a qualified, experienced massage therapist."""

    intents = ("WhoShouldMassageIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        speech = Speech(text.therapist_advice).pause().say(text.disclaimer)
        speech.pause().say(text.prompt("what_next"))
        return reply(
            handler_input,
            speech,
            card=(text.skill_name, f"{text.therapist_advice}\n\n{text.disclaimer}"),
        )


class OfferDeclinedHandler(IntentHandler):
    """'No' to 'want to hear about circulation too?': let the listener lead."""

    intents = ("AMAZON.NoIntent",)
    answers = ("offer",)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        return reply(handler_input, Speech(text.prompt("what_next")))


class OfferAcceptedHandler(IntentHandler):
    """'Yes' to 'want to hear about circulation too?'."""

    intents = ("AMAZON.YesIntent",)
    answers = ("offer",)

    def handle(self, handler_input: HandlerInput) -> Response:
        benefit = content(handler_input).benefit(state(handler_input).offered)
        if benefit is None:  # state validation guarantees an offer names a benefit
            return ask_which_benefit(handler_input, unknown=False)
        return answer_benefit(handler_input, benefit, detail=False)
