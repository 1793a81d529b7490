"""Wires handlers, interceptors and persistence into one skill, built once per process."""

from __future__ import annotations

import logging
from typing import Any, Final, cast

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_runtime.dispatch_components.request_components import (
    GenericRequestHandlerChain,
    GenericRequestMapper,
)

from massage_guide import log_policy, memory, persistence
from massage_guide.config import SkillConfig
from massage_guide.content import content_for
from massage_guide.conversation import intent_name
from massage_guide.fast_serializer import FastSerializer
from massage_guide.handlers import (
    can_fulfill,
    events,
    learning,
    safety,
    session,
    settings,
    touch,
    tour,
)
from massage_guide.handlers.base import IntentHandler
from massage_guide.speech import Speech

log = logging.getLogger(__name__)

RESPONSE_VERSION: Final = "1.0"


def request_handlers() -> list[AbstractRequestHandler]:
    """Handlers in dispatch order: context-specific yes/no first, the catch-all last."""
    handlers = conversation_handlers()
    # A name-free query only asks whether the skill could answer: nothing else may see it.
    return [can_fulfill.CanFulfillHandler(can_fulfill.NameFree.of(handlers)), *handlers]


def conversation_handlers() -> list[AbstractRequestHandler]:
    """The handlers of a conversation, in dispatch order (after the name-free query's)."""
    return [
        session.LaunchHandler(),
        # Yes/no mean different things depending on the question pending.
        settings.ForgetConfirmedHandler(),
        settings.ForgetDeclinedHandler(),
        safety.AfterWarningHandler(),
        learning.OfferAcceptedHandler(),
        learning.OverviewAcceptedHandler(),
        learning.OfferDeclinedHandler(),
        tour.CarryOnHandler(),
        tour.PauseTourHandler(),
        session.YesWithoutQuestionHandler(),
        session.NoWithoutQuestionHandler(),
        # A listener's safety comes before anything the skill would rather talk about.
        safety.WarningSignHandler(),
        safety.HonestLimitHandler(),
        learning.WhyMassageHelpsHandler(),
        learning.CureQuestionHandler(),
        learning.WhatIsMassageHandler(),
        learning.SourceHandler(),
        learning.ListBenefitsHandler(),
        learning.BenefitHandler(),
        learning.TellMeMoreHandler(),
        learning.CauseHandler(),
        learning.WhoShouldMassageHandler(),
        touch.TouchHandler(),
        tour.StartTourHandler(),
        tour.NextHandler(),
        tour.PreviousHandler(),
        tour.StartOverHandler(),
        tour.ReadThroughHandler(),
        settings.AnswerLengthHandler(),
        settings.SpeechPaceHandler(),
        settings.ForgetMeHandler(),
        session.HelpHandler(),
        session.RepeatHandler(),
        session.StopHandler(),
        session.FallbackHandler(),
        session.SessionEndedHandler(),
        events.SkillDisabledHandler(),
        session.UnhandledRequestHandler(),
    ]


class IntentIndexedMapper(GenericRequestMapper):
    """The SDK's request mapper, asking only the handlers that could take the request's intent.

    The SDK asks every handler's ``can_handle`` in turn, some thirty a request. An
    :class:`IntentHandler` only ever takes the intents it names (its ``can_handle``
    checks that first, and subclasses call it), so for each intent the candidates are
    its own handlers and the ones not tied to intents, kept in the registered order:
    the first that can handle the request still wins, exactly as with the SDK's mapper.
    """

    def __init__(self, chains: list[GenericRequestHandlerChain]) -> None:
        super().__init__(chains)
        self._unbound = [chain for chain in chains if not _intents_of(chain)]
        named = {name for chain in chains for name in _intents_of(chain)}
        self._by_intent = {
            name: [c for c in chains if not _intents_of(c) or name in _intents_of(c)]
            for name in named
        }

    def get_request_handler_chain(  # type: ignore[override] # the SDK's generic Input
        self, handler_input: HandlerInput
    ) -> GenericRequestHandlerChain | None:
        name = intent_name(handler_input)
        candidates = self._by_intent.get(name, self._unbound) if name else self._unbound
        for chain in candidates:
            if chain.request_handler.can_handle(handler_input=handler_input):
                return chain
        return None


def _intents_of(chain: GenericRequestHandlerChain) -> tuple[str, ...]:
    handler = chain.request_handler
    return handler.intents if isinstance(handler, IntentHandler) else ()


def build_skill(
    persistence_adapter: AbstractPersistenceAdapter | None = None, skill_id: str | None = None
) -> CustomSkill:
    """A fully wired skill; tests build their own, production uses :func:`get_skill`.

    With ``skill_id`` the SDK refuses requests for any other skill.
    """
    # The SDK accepts None (no memory) though its type comment does not say so.
    builder = CustomSkillBuilder(persistence_adapter=persistence_adapter)  # type: ignore[arg-type]
    for handler in request_handlers():
        builder.add_request_handler(handler)
    # Memory: one read when a session starts, a write only when something remembered changed.
    builder.add_global_request_interceptor(
        memory.LoadMemoryInterceptor(store=persistence_adapter is not None)
    )
    builder.add_global_response_interceptor(memory.SaveMemoryInterceptor())
    builder.add_exception_handler(session.CatchAllExceptionHandler())
    skill = builder.create()
    dispatcher = skill.request_dispatcher
    dispatcher.request_mappers = [
        IntentIndexedMapper(mapper.request_handler_chains) for mapper in dispatcher.request_mappers
    ]
    # Same objects and output as the SDK's serializer, without its per-request overhead.
    skill.serializer = FastSerializer()
    if skill_id:
        skill.skill_id = skill_id
    return skill


_skill: CustomSkill | None = None


def get_skill() -> CustomSkill:
    """The process-wide skill, built on first use and reused by every request after."""
    global _skill  # noqa: PLW0603 - one skill per process is the point
    if _skill is None:
        config = SkillConfig.from_env()  # read once: the skill is built once per process
        log_policy.configure(config.log_level)
        _skill = build_skill(persistence.adapter_from_config(config), config.skill_id)
    return _skill


def handle_event(event: Any, context: Any = None) -> dict[str, Any]:
    """Answer one Alexa request envelope; never raises, whatever arrives."""
    skill = get_skill()
    try:
        # build_skill always installs the FastSerializer: no JSON round trip here.
        envelope = cast(FastSerializer, skill.serializer).read_request_envelope(event)
        # Alexa always sends a context; the SDK reads the skill id from it unguarded.
        if envelope is None or envelope.request is None or envelope.context is None:
            raise ValueError("no request or no context in envelope")
    except Exception as error:
        log.warning("unreadable request envelope: %s", type(error).__name__)
        return unreadable_request_response(event)
    try:
        response_envelope = skill.invoke(request_envelope=envelope, context=context)
        result = skill.serializer.serialize(response_envelope)
    except AskSdkException as error:
        log.warning("request refused: %s", type(error).__name__)
        return {"version": RESPONSE_VERSION, "response": {"shouldEndSession": True}}
    except Exception as error:
        log_policy.log_failure(log, "request failed", error)
        return unreadable_request_response(event)
    return result if isinstance(result, dict) else unreadable_request_response(event)


def unreadable_request_response(event: Any) -> dict[str, Any]:
    """A safe reply to a request the SDK cannot read: silent for session end, else an apology."""
    try:
        return _apology(event)
    except Exception as error:  # the last line of defence must not fall over itself
        log.error("could not even apologise: %s", type(error).__name__)
        return {"version": RESPONSE_VERSION, "response": {}}


def _apology(event: Any) -> dict[str, Any]:
    request = event.get("request") if isinstance(event, dict) else None
    kind = request.get("type") if isinstance(request, dict) else None
    if kind == "SessionEndedRequest" or not isinstance(kind, str):
        return {"version": RESPONSE_VERSION, "response": {}}
    locale = request.get("locale") if isinstance(request, dict) else None
    words = content_for(locale if isinstance(locale, str) else None)
    return {
        "version": RESPONSE_VERSION,
        "response": {
            "outputSpeech": {"type": "SSML", "ssml": Speech(words.prompt("error")).ssml()},
            "shouldEndSession": True,
        },
    }
