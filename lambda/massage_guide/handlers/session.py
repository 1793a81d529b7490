"""Handlers for the session itself: opening, help, repeat, leaving, and everything unexpected."""

from __future__ import annotations

import logging
from functools import partial

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, LaunchRequest, Response, SessionEndedRequest

from massage_guide import display, log_policy
from massage_guide.conversation import content, state, varied
from massage_guide.handlers.base import IntentHandler, keeps_question, reply
from massage_guide.handlers.benefits import next_in_tour
from massage_guide.handlers.guidance import fallback, where_next
from massage_guide.speech import Speech
from massage_guide.state import Pending

log = logging.getLogger(__name__)


class LaunchHandler(AbstractRequestHandler):
    """'Open back massage guide': a full welcome the first time, a short one after that."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, LaunchRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        conversation = state(handler_input)
        returning = conversation.visits > 1
        if returning and conversation.tour is not None:
            last = words.benefits[conversation.tour]
            upcoming_index = next_in_tour(handler_input)
            if upcoming_index is not None:
                upcoming = words.benefits[upcoming_index]
                prompt = varied(
                    handler_input, "welcome_resume", benefit=last.name, next=upcoming.name
                )
                return welcome(
                    handler_input,
                    Speech(prompt),
                    Speech(words.prompt("tour_next_reprompt")),
                    pending="resume",
                )
            prompt = varied(handler_input, "welcome_resume_done")
            return welcome(
                handler_input, Speech(prompt), Speech(words.prompt("tour_done_reprompt"))
            )
        if returning:
            return welcome(handler_input, Speech(varied(handler_input, "welcome_returning")))
        return welcome(handler_input, Speech(words.prompt("welcome")))


def welcome(
    handler_input: HandlerInput,
    speech: Speech,
    reprompt: Speech | None = None,
    pending: Pending | None = None,
) -> Response:
    """A welcome, with the home screen on a display: the seven benefits to touch.

    The card (which the screen mirrors) names what to say and the seven benefits.
    """
    words = content(handler_input)
    titles = "\n".join(benefit.title for benefit in words.benefits)
    card_text = f"{words.prompt('general_reprompt')}\n\n{titles}\n\n{words.disclaimer}"
    return reply(
        handler_input,
        speech,
        reprompt,
        card=(words.skill_name, card_text),
        pending=pending,
        screen=partial(display.home_screen, words),
    )


class HelpHandler(IntentHandler):
    """Help that keeps the listener's place in the tour."""

    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        words = content(handler_input)
        return where_next(
            handler_input, Speech(words.prompt("help")), words.prompt("help_question")
        )


class RepeatHandler(IntentHandler):
    intents = ("AMAZON.RepeatIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        conversation = state(handler_input)
        words = content(handler_input)
        if conversation.last_speech is None:
            speech = Speech(words.prompt("nothing_to_repeat"))
            return where_next(handler_input, speech, words.prompt("fallback_question"))
        # Both were validated as this skill's own escaped SSML when the state was read.
        speech = Speech.from_body(conversation.last_speech)
        reprompt = (
            Speech.from_body(conversation.last_reprompt) if conversation.last_reprompt else None
        )
        return reply(handler_input, speech, reprompt, keep_question=True)


def goodbye(handler_input: HandlerInput) -> Response:
    return reply(handler_input, Speech(varied(handler_input, "goodbye")), end_session=True)


class StopHandler(IntentHandler):
    """Stop or cancel: say goodbye and end the session."""

    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return goodbye(handler_input)


class NoWithoutQuestionHandler(IntentHandler):
    """'No' when nothing was asked: the listener is done."""

    intents = ("AMAZON.NoIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return goodbye(handler_input)


class YesWithoutQuestionHandler(IntentHandler):
    """'Yes' when nothing was asked: acknowledge, and ask what they would like."""

    intents = ("AMAZON.YesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = Speech(varied(handler_input, "ack"), varied(handler_input, "what_next"))
        return reply(handler_input, speech)


class FallbackHandler(IntentHandler):
    """Anything the model could not place; keeps the listener's place in a tour."""

    intents = ("AMAZON.FallbackIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return fallback(handler_input)


class SessionEndedHandler(AbstractRequestHandler):
    """The session closed (user left, silence, or an error): log why, say nothing."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, SessionEndedRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        reason = getattr(getattr(request, "reason", None), "value", None)
        error = getattr(request, "error", None)
        error_type = getattr(getattr(error, "object_type", None), "value", None)
        log.info("session ended: reason=%s error=%s", reason, error_type)
        return handler_input.response_builder.response


class UnhandledRequestHandler(AbstractRequestHandler):
    """Last in line: an unknown intent gets the fallback; other request types get an empty reply."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        log.info("unhandled request type=%s", getattr(request, "object_type", None))
        if isinstance(request, IntentRequest) and handler_input.request_envelope.session:
            return fallback(handler_input)
        return handler_input.response_builder.response


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Anything that raised: apologise and keep listening, so no request fails outright."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log_policy.log_failure(log, "handler failed", exception)
        request = handler_input.request_envelope.request
        if handler_input.request_envelope.session is None or isinstance(
            request, SessionEndedRequest
        ):
            return handler_input.response_builder.response
        words = content(handler_input)
        return reply(
            handler_input,
            Speech(words.prompt("error")),
            Speech(words.prompt("error_reprompt")),
            keep_question=keeps_question(handler_input),
        )
