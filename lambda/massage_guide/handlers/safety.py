"""Handlers for a listener whose back may need a doctor, or who asks what the skill cannot answer.

A warning sign is health data: the answer never repeats it, it is not kept in
the conversation state, the card carries only the safety text, and nothing
here logs it. The answer leads with the doctor and says nothing about massage
helping, because for these listeners massage may be the wrong first step.
"""

from __future__ import annotations

from functools import partial

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide import display
from massage_guide.conversation import content, intent_name, slot_id
from massage_guide.handlers.base import IntentHandler, reply
from massage_guide.speech import Speech
from massage_guide.triage import LIMIT_TOPICS, URGENT_SIGNS


class WarningSignHandler(IntentHandler):
    """'I'm pregnant and my back hurts': a doctor first, calmly, and no massage pitch.

    An empty or unrecognised sign gets the check-with-a-doctor answer: the
    listener said something about their health that the skill cannot place.
    """

    intents = ("WarningSignIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        urgent = slot_id(handler_input, "sign") in URGENT_SIGNS
        advice = text.prompt("safety_urgent" if urgent else "safety_doctor")
        speech = Speech(advice).say(text.prompt("safety_question"))
        title = text.prompt("safety_title")
        return reply(
            handler_input,
            speech,
            Speech(text.prompt("safety_reprompt")),
            card=(title, advice),
            # Not the usual footer: it recommends a massage therapist, which is no advice here.
            screen=partial(display.card_screen, title, advice, text.prompt("safety_footer")),
        )


class HonestLimitHandler(IntentHandler):
    """Questions the article does not answer: say so, name who can, offer what the skill can do."""

    intents = tuple(LIMIT_TOPICS)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        answer = text.limits[LIMIT_TOPICS[intent_name(handler_input) or ""]]
        speech = Speech(answer).say(text.prompt("limit_offer"))
        return reply(
            handler_input, speech, Speech(text.prompt("limit_reprompt")), pending="overview"
        )
