"""Handlers for a listener changing how the skill talks to them, or asking it to forget them."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide import memory, slots
from massage_guide.conversation import content, slot_id, state, varied
from massage_guide.handlers.base import IntentHandler, reply
from massage_guide.speech import Speech
from massage_guide.state import LENGTHS, PACES


class PreferenceHandler(IntentHandler):
    """Set a listening preference from a slot whose value ids are the allowed choices.

    The slot name is also the state field and the prompt prefix: ``length``
    answers with ``length_brief``, ``length_detailed`` or ``length_which``.
    """

    preference: str = ""
    choices: tuple[str, ...] = ()

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        choice = slot_id(handler_input, self.preference)
        if choice not in self.choices:
            prompt = words.prompt(f"{self.preference}_which")
            return reply(handler_input, Speech(prompt), Speech(prompt))
        state(handler_input).prefer(self.preference, choice)
        return acknowledged(handler_input, words.prompt(f"{self.preference}_{choice}"))


def acknowledged(handler_input: HandlerInput, done: str) -> Response:
    """'Okay. I'll speak more slowly. What else would you like?', worded anew each time."""
    speech = Speech(varied(handler_input, "ack"), done, varied(handler_input, "what_next"))
    return reply(handler_input, speech)


class AnswerLengthHandler(PreferenceHandler):
    """'Keep it short' / 'give me longer answers': the default length of answers from now on
    ("more detail" about the answer just heard is TellMeMoreIntent, once)."""

    intents = ("AnswerLengthIntent",)
    preference = slots.LENGTH
    choices = LENGTHS


class SpeechPaceHandler(PreferenceHandler):
    """'Speak slower' for a listener who is stretching; 'normal speed' to go back."""

    intents = ("SpeechPaceIntent",)
    preference = slots.PACE
    choices = PACES


class ForgetMeHandler(IntentHandler):
    """'Forget me': ask first, because deleting cannot be undone."""

    intents = ("ForgetMeIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        return reply(
            handler_input,
            Speech(words.prompt("forget_confirm")),
            Speech(words.prompt("forget_reprompt")),
            pending="forget",
        )


class ForgetConfirmedHandler(IntentHandler):
    intents = ("AMAZON.YesIntent",)
    only_while_asked = ("forget",)

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        memory.forget(handler_input)
        state(handler_input).reset()
        return acknowledged(handler_input, words.prompt("forget_done"))


class ForgetDeclinedHandler(IntentHandler):
    """'No' to the forget question: nothing is deleted."""

    intents = ("AMAZON.NoIntent",)
    only_while_asked = ("forget",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return acknowledged(handler_input, content(handler_input).prompt("forget_kept"))
