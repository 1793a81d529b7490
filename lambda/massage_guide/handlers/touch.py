"""Touches on a screen: a benefit tile on the home screen answers as if it had been asked for.

A touch arrives as an ``Alexa.Presentation.APL.UserEvent`` whose arguments the
document's SendEvent chose: ``["benefit", "<benefit id>"]``. It takes the very
path a spoken "tell me about <benefit>" takes; anything else a touch could
carry gets the fallback, as an utterance the skill cannot place would.
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide import display
from massage_guide.handlers.benefits import ask_about_benefit
from massage_guide.handlers.guidance import fallback


class TouchHandler(AbstractRequestHandler):
    """Alexa.Presentation.APL.UserEvent, recognised by its type name (no model import)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return getattr(request, "object_type", None) == display.USER_EVENT

    def handle(self, handler_input: HandlerInput) -> Response:
        arguments = getattr(handler_input.request_envelope.request, "arguments", None)
        if isinstance(arguments, list) and len(arguments) == 2:
            kind, benefit_id = arguments
            if kind == display.BENEFIT_EVENT and isinstance(benefit_id, str):
                return ask_about_benefit(handler_input, benefit_id, named=True)
        return fallback(handler_input)
