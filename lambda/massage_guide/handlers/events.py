"""Skill events Alexa sends outside any conversation."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.events.skillevents import SkillDisabledRequest

from massage_guide import persistence

log = logging.getLogger(__name__)


class SkillDisabledHandler(AbstractRequestHandler):
    """The listener disabled the skill: delete what was remembered about them, answer nothing.

    The event has no session and nobody hears the response, so it is empty;
    a storage fault is logged by the persistence layer and changes nothing here.
    """

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, SkillDisabledRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        persistence.forget(handler_input)
        log.info("skill disabled: listener record deleted if there was one")
        return handler_input.response_builder.response
