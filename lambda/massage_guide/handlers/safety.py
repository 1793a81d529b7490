"""Handlers for a listener whose back may need a doctor, or who asks what the skill cannot answer.

A warning sign is health data: the answer never repeats it, it is not kept in
the conversation state, the card carries only the safety text, and nothing
here logs it. The answer is the tier's alone (triage.py): an emergency gets the
country's emergency number and the session ends; any other sign gets the doctor
and one open question. Nothing here mentions massage helping, and right after a
warning sign no "yes", "next" or "tell me more" leads back into the benefits.
"""

from __future__ import annotations

from functools import partial

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide import display, slots
from massage_guide.conversation import content, intent_name, slot_id, slot_said
from massage_guide.handlers.base import IntentHandler, reply
from massage_guide.speech import Speech
from massage_guide.triage import LIMIT_TOPICS, Tier, most_urgent, tier_of


class WarningSignHandler(IntentHandler):
    """'I keep wetting myself since my back went out': the tier's answer, calmly, and nothing else.

    A sign Alexa could not resolve, or none at all, gets the safe default: the
    emergency signs first, then the doctor. Two signs in one breath get the answer
    of the more urgent one.
    """

    intents = ("WarningSignIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        tier = _tier_said(handler_input)
        advice = words.prompt(f"safety_{tier}")
        speech = Speech().say_with_number(advice, words.prompt("emergency_number"))
        title = words.prompt("safety_title_emergency" if tier == "emergency" else "safety_title")
        # Not the usual footer: it recommends a massage therapist, which is no advice here.
        screen = partial(display.card_screen, title, advice, words.prompt("safety_footer"))
        if tier == "emergency":
            card = (title, advice)
            return reply(handler_input, speech, card=card, screen=screen, end_session=True)
        speech.say(words.prompt("safety_question"))
        return reply(
            handler_input,
            speech,
            Speech(words.prompt("safety_reprompt")),
            card=(title, advice),
            screen=screen,
            pending="after_warning",
        )


def _tier_said(handler_input: HandlerInput) -> Tier:
    """The tier of the sign, or of the more urgent of two; a second slot left empty is ignored."""
    tiers = [tier_of(slot_id(handler_input, slots.SIGN))]
    if slot_said(handler_input, slots.SECOND_SIGN):
        tiers.append(tier_of(slot_id(handler_input, slots.SECOND_SIGN)))
    return most_urgent(tiers)


class AfterWarningHandler(IntentHandler):
    """'Yes', 'next', 'go back', 'start over' or a bare 'tell me more' right after a warning sign.

    Each of these would otherwise lead into a benefit: a massage pitch to someone
    just sent to a doctor. A benefit asked for by name is still answered.
    """

    intents = (
        "AMAZON.YesIntent",
        "AMAZON.NextIntent",
        "AMAZON.PreviousIntent",
        "AMAZON.StartOverIntent",
        "TellMeMoreIntent",
    )
    only_while_asked = ("after_warning",)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not super().can_handle(handler_input):
            return False
        return intent_name(handler_input) != "TellMeMoreIntent" or not slot_said(
            handler_input, slots.BENEFIT
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        return reply(
            handler_input,
            Speech(words.prompt("safety_follow_up")),
            Speech(words.prompt("safety_reprompt")),
            pending="after_warning",
        )


class HonestLimitHandler(IntentHandler):
    """Questions the article does not answer: say so, name who can, offer what the skill can do."""

    intents = tuple(LIMIT_TOPICS)

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        answer = words.limits[LIMIT_TOPICS[intent_name(handler_input) or ""]]
        speech = Speech(answer).say(words.prompt("limit_offer"))
        return reply(
            handler_input, speech, Speech(words.prompt("limit_reprompt")), pending="overview"
        )
