"""What one request knows about its conversation: the listener's language, state and words.

Handlers and the memory interceptors both read the request through these
accessors, so this module sits below both and imports neither. The state is
parsed and validated once per request and shared through the SDK's request
attributes; :func:`save_state` writes it back into the session attributes
Alexa returns with the next turn.
"""

from __future__ import annotations

from typing import Final

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest
from ask_sdk_model.slu.entityresolution import StatusCode

from massage_guide.content import Content, content_for
from massage_guide.state import STATE_KEY, ConversationState

CAN_FULFILL_REQUEST: Final = "CanFulfillIntentRequest"
_STATE: Final = "massage_guide.state"
"""Request attribute holding the parsed :class:`ConversationState`."""


def content(handler_input: HandlerInput) -> Content:
    """The content in the request's language."""
    return content_for(getattr(handler_input.request_envelope.request, "locale", None))


def state(handler_input: HandlerInput) -> ConversationState:
    """The validated conversation state, parsed once per request and shared by all handlers."""
    request_attributes = handler_input.attributes_manager.request_attributes
    cached = request_attributes.get(_STATE)
    if isinstance(cached, ConversationState):
        return cached
    session = handler_input.request_envelope.session
    attributes = session.attributes if session is not None else None
    parsed = ConversationState.from_attributes(attributes, content(handler_input).benefit_ids)
    request_attributes[_STATE] = parsed
    return parsed


def save_state(handler_input: HandlerInput) -> None:
    """Write the conversation state back into the session attributes Alexa will return."""
    if handler_input.request_envelope.session is None:
        return
    current = handler_input.attributes_manager.request_attributes.get(_STATE)
    if isinstance(current, ConversationState):
        attributes = handler_input.attributes_manager.session_attributes
        if not isinstance(attributes, dict):
            attributes = {}
            handler_input.attributes_manager.session_attributes = attributes
        attributes[STATE_KEY] = current.to_attributes()


def varied(handler_input: HandlerInput, key: str, **values: object) -> str:
    """A prompt said a different way from last time in this session.

    The choice comes from the conversation state, not a random generator, so
    a conversation always sounds the same twice (and tests stay exact): the
    first use in a session depends on the visit count, later uses rotate.
    """
    words = content(handler_input)
    chosen = state(handler_input).next_variant(key, words.variants(key))
    return words.prompt(key, chosen, **values)


def intent_name(handler_input: HandlerInput) -> str | None:
    """The intent's name, or None for any other kind of request."""
    request = handler_input.request_envelope.request
    if isinstance(request, IntentRequest) and request.intent is not None:
        name = request.intent.name
        return name if isinstance(name, str) else None
    return None


def is_can_fulfill_query(handler_input: HandlerInput) -> bool:
    """Whether Alexa is only asking if the skill could serve a name-free request.

    Checked by the request's type name, so the cold path imports no model class for it.
    """
    request = handler_input.request_envelope.request
    return getattr(request, "object_type", None) == CAN_FULFILL_REQUEST


def slot_id(handler_input: HandlerInput, slot_name: str) -> str | None:
    """The entity-resolution id of a slot, or None when it is empty or matched nothing."""
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or not request.intent or not request.intent.slots:
        return None
    return resolved_id(request.intent.slots.get(slot_name))


def resolved_id(slot: object) -> str | None:
    """The value id entity resolution matched for a slot, or None."""
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or ():
        status = getattr(getattr(authority, "status", None), "code", None)
        if status == StatusCode.ER_SUCCESS_MATCH and authority.values:
            value = authority.values[0].value
            if value is not None and isinstance(value.id, str):
                return value.id
    return None


def slot_said(handler_input: HandlerInput, slot_name: str) -> bool:
    """Whether the listener filled the slot with anything at all, resolved or not."""
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or not request.intent or not request.intent.slots:
        return False
    slot = request.intent.slots.get(slot_name)
    return bool(getattr(slot, "value", None))
