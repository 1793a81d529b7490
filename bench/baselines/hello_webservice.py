"""The web-service benchmark's baseline: a minimal hello-world skill, served exactly like ours.

Same factory, gunicorn config and verifier, so the difference measured is the
skill itself; the web-service tests use it too, to test the hosting without
depending on the massage guide's content. A benchmark part, so it is not in
the production ``webservice`` package.
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import Response
from flask import Flask

from webservice.app import create_app

HELLO = "Hello from the web service."
SORRY = "Sorry, I can't help with that."


class _Hello(AbstractRequestHandler):
    """Answers every request with one sentence, ending the session."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.speak(HELLO).set_should_end_session(True).response


class _Sorry(AbstractExceptionHandler):
    """Turns any handler failure into a spoken apology, as a real skill would."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        return handler_input.response_builder.speak(SORRY).response


def hello_skill() -> CustomSkill:
    """A fresh hello-world CustomSkill."""
    builder = SkillBuilder()
    builder.add_request_handler(_Hello())
    builder.add_exception_handler(_Sorry())
    return builder.create()


def create_hello_app() -> Flask:
    """gunicorn factory (``bench.baselines.hello_webservice:create_hello_app()``), env settings."""
    return create_app(skill=hello_skill())
