"""Skill events Alexa sends outside any conversation."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide import memory

log = logging.getLogger(__name__)

SKILL_DISABLED = "AlexaSkillEvent.SkillDisabled"


class SkillDisabledHandler(AbstractRequestHandler):
    """The listener disabled the skill: delete what was remembered about them, answer nothing.

    The event has no session and nobody hears the response, so it is empty;
    a storage fault is logged by the persistence layer and changes nothing here.
    """

    def can_handle(self, handler_input: HandlerInput) -> bool:
        # By type name: importing ask_sdk_model.events.skillevents costs every cold start 15
        # modules for an event that comes once per listener, and the SDK builds it from this name.
        request = handler_input.request_envelope.request
        return getattr(request, "object_type", None) == SKILL_DISABLED

    def handle(self, handler_input: HandlerInput) -> Response:
        memory.forget(handler_input)
        log.info("skill disabled: listener record deleted if there was one")
        return handler_input.response_builder.response
