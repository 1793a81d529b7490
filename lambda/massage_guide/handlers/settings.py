"""Handlers for a listener changing how the skill talks to them, or asking it to forget them."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide import persistence
from massage_guide.handlers.common import IntentHandler, content, reply, slot_id, state
from massage_guide.speech import Speech
from massage_guide.state import LENGTHS, PACES, ConversationState


class AnswerLengthHandler(IntentHandler):
    """'Keep it short' / 'give me more detail': the default length of answers."""

    intents = ("AnswerLengthIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        choice = slot_id(handler_input, "length")
        if choice not in LENGTHS:
            prompt = text.prompt("length_which")
            return reply(handler_input, Speech(prompt), Speech(prompt))
        state(handler_input).length = choice
        speech = Speech(text.prompt(f"length_{choice}")).say(text.prompt("what_next"))
        return reply(handler_input, speech)


class SpeechPaceHandler(IntentHandler):
    """'Speak slower' for a listener who is stretching; 'normal speed' to go back."""

    intents = ("SpeechPaceIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        choice = slot_id(handler_input, "pace")
        if choice not in PACES:
            prompt = text.prompt("pace_which")
            return reply(handler_input, Speech(prompt), Speech(prompt))
        state(handler_input).pace = choice
        speech = Speech(text.prompt(f"pace_{choice}")).say(text.prompt("what_next"))
        return reply(handler_input, speech)


class ForgetMeHandler(IntentHandler):
    """'Forget me': ask first, because deleting cannot be undone."""

    intents = ("ForgetMeIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        return reply(
            handler_input,
            Speech(text.prompt("forget_confirm")),
            Speech(text.prompt("forget_reprompt")),
            pending="forget",
        )


class ForgetConfirmedHandler(IntentHandler):
    intents = ("AMAZON.YesIntent",)

    def applies(self, handler_input: HandlerInput) -> bool:
        return state(handler_input).pending == "forget"

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        persistence.forget(handler_input)
        conversation = state(handler_input)
        fresh = ConversationState()
        for field_name in fresh.__dataclass_fields__:
            setattr(conversation, field_name, getattr(fresh, field_name))
        speech = Speech(text.prompt("forget_done")).say(text.prompt("what_next"))
        return reply(handler_input, speech)


class ForgetDeclinedHandler(IntentHandler):
    """'No' to the forget question: nothing is deleted."""

    intents = ("AMAZON.NoIntent",)

    def applies(self, handler_input: HandlerInput) -> bool:
        return state(handler_input).pending == "forget"

    def handle(self, handler_input: HandlerInput) -> Response:
        text = content(handler_input)
        speech = Speech(text.prompt("forget_kept")).say(text.prompt("what_next"))
        return reply(handler_input, speech)
