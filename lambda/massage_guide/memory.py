"""Remembering a listener between sessions: one read when a session starts, a write only on change.

Two interceptors wrap every request. The loader reads the listener's record
once per session (the first request whose session attributes carry no
``memory`` marker), folds it into the conversation state and counts the
visit. The saver, after the handler, compares the remembered fields with a
_fingerprint of what the store holds and writes only when they differ.

Storage is a nice-to-have, never a reason to fail a turn: any error makes
the skill answer without memory, logs one warning with no identifier, and
stops further storage calls for that request. A save that failed is owed:
the _fingerprint still names what the store holds, so the next turn of the
session writes again. After "forget me" nothing is read or written for the
rest of the session, and a delete that failed is retried on the next turn.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Final

from ask_sdk_core.dispatch_components import (
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from massage_guide.conversation import content, is_can_fulfill_query, save_state, state
from massage_guide.state import STATE_KEY, ConversationState
from massage_guide.stores.base import NoListenerError, StorageError

log = logging.getLogger(__name__)

MARKER_KEY: Final = "memory"
"""Session attribute holding this module's bookkeeping for the session."""
_FAILED: Final = "massage_guide.memory.failed"
"""Request attribute: a storage call already failed during this request."""
_STORE: Final = "massage_guide.memory.store"
"""Request attribute: the skill was built with a store (set by :class:`LoadMemoryInterceptor`)."""


@dataclass
class _SessionMemory:
    """What the session knows about its stored record (kept in session attributes).

    ``saved`` is a _fingerprint of the remembered fields as the store holds
    them; ``owed_delete`` means a "forget me" delete failed and is retried;
    ``off`` means the session neither reads nor writes again (the load failed,
    there is no user id, or the listener asked to be forgotten).
    """

    loaded: bool = False
    saved: str | None = None
    off: bool = False
    owed_delete: bool = False

    @classmethod
    def read(cls, handler_input: HandlerInput) -> _SessionMemory:
        attributes = handler_input.attributes_manager.session_attributes
        raw = attributes.get(MARKER_KEY) if isinstance(attributes, dict) else None
        if not isinstance(raw, dict):
            return cls()
        saved = raw.get("saved")
        return cls(
            loaded=raw.get("loaded") is True,
            saved=saved if isinstance(saved, str) else None,
            off=raw.get("off") is True,
            owed_delete=raw.get("owed_delete") is True,
        )

    def write(self, handler_input: HandlerInput) -> None:
        manager = handler_input.attributes_manager
        attributes = manager.session_attributes
        if not isinstance(attributes, dict):
            attributes = {}
            manager.session_attributes = attributes
        marker: dict[str, Any] = {"loaded": self.loaded}
        if self.saved is not None:
            marker["saved"] = self.saved
        if self.off:
            marker["off"] = True
        if self.owed_delete:
            marker["owed_delete"] = True
        attributes[MARKER_KEY] = marker


def _fingerprint(fields: dict[str, Any]) -> str:
    """A short digest of remembered fields, so a session can tell whether anything changed."""
    encoded = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    import hashlib  # noqa: PLC0415 - loads OpenSSL; only needed once there is a store

    return hashlib.sha256(encoded).hexdigest()[:16]


def _has_store(handler_input: HandlerInput) -> bool:
    """Whether this skill remembers listeners at all, as the loader was told when it was built."""
    return handler_input.attributes_manager.request_attributes.get(_STORE) is True


def _storage_failed(handler_input: HandlerInput, error: Exception) -> None:
    """Note the failure for this request and log it once, naming only the kind of fault."""
    handler_input.attributes_manager.request_attributes[_FAILED] = True
    kind = error.kind if isinstance(error, StorageError) else type(error).__name__
    log.warning("listener memory unavailable (%s); answering without it", kind)


def _failed_this_request(handler_input: HandlerInput) -> bool:
    return handler_input.attributes_manager.request_attributes.get(_FAILED) is True


class LoadMemoryInterceptor(AbstractRequestInterceptor):
    """Before the first handler of a session: fold the stored record into the conversation.

    It runs before every request, so it is also where a request learns whether
    the skill has a store (``store``, fixed when the skill is built): handlers
    that call :func:`forget` ask :func:`_has_store`, never the SDK's internals.
    """

    def __init__(self, store: bool) -> None:
        self.store = store

    def process(self, handler_input: HandlerInput) -> None:
        if is_can_fulfill_query(handler_input):
            return  # a name-free query must change nothing, so it reads nothing either
        handler_input.attributes_manager.request_attributes[_STORE] = self.store
        if not self.store or handler_input.request_envelope.session is None:
            return
        try:
            self._load(handler_input)
        except Exception as error:  # never let memory cost the listener an answer
            _storage_failed(handler_input, error)

    def _load(self, handler_input: HandlerInput) -> None:
        memory = _SessionMemory.read(handler_input)
        if memory.loaded or memory.off:
            return
        manager = handler_input.attributes_manager
        try:
            stored = dict(manager.persistent_attributes)
        except NoListenerError:
            memory.off = True
            memory.write(handler_input)
            return
        except Exception as error:
            # Saving without having read would overwrite the listener's real
            # record with an empty one, so this session goes without memory.
            _storage_failed(handler_input, error)
            memory.off = True
            memory.write(handler_input)
            return
        benefit_ids = content(handler_input).benefit_ids
        known = ConversationState.from_attributes({STATE_KEY: stored}, benefit_ids)
        conversation = state(handler_input)
        conversation.recall(known, _session_fields(handler_input))
        memory.loaded = True
        memory.saved = _fingerprint(known.remembered())
        memory.write(handler_input)
        save_state(handler_input)


def _session_fields(handler_input: HandlerInput) -> set[str]:
    """Conversation fields the session itself already carries (they win over the stored ones)."""
    session = handler_input.request_envelope.session
    attributes = session.attributes if session is not None else None
    raw = attributes.get(STATE_KEY) if isinstance(attributes, dict) else None
    return set(raw) if isinstance(raw, dict) else set()


class SaveMemoryInterceptor(AbstractResponseInterceptor):
    """After the handler: write the remembered fields if they differ from what is stored."""

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        if is_can_fulfill_query(handler_input):
            return
        if not _has_store(handler_input) or handler_input.request_envelope.session is None:
            return
        try:
            self._save(handler_input)
        except Exception as error:
            _storage_failed(handler_input, error)

    def _save(self, handler_input: HandlerInput) -> None:
        memory = _SessionMemory.read(handler_input)
        if memory.owed_delete:
            if not _failed_this_request(handler_input):
                _delete_record(handler_input, memory)
                memory.write(handler_input)
            return
        if memory.off or not memory.loaded:
            return
        fields = state(handler_input).remembered()
        current = _fingerprint(fields)
        if current == memory.saved or _failed_this_request(handler_input):
            return
        manager = handler_input.attributes_manager
        try:
            manager.persistent_attributes = fields
            manager.save_persistent_attributes()
        except Exception as error:
            _storage_failed(handler_input, error)  # `saved` unchanged: the next turn writes again
            return
        memory.saved = current
        memory.write(handler_input)


def _delete_record(handler_input: HandlerInput, memory: _SessionMemory | None) -> None:
    """Delete the listener's record; on failure, owe the delete to the session's next turn."""
    try:
        handler_input.attributes_manager.delete_persistent_attributes()
    except NoListenerError:
        pass
    except Exception as error:
        _storage_failed(handler_input, error)
        if memory is not None:
            memory.owed_delete = True
        return
    if memory is not None:
        memory.owed_delete = False


def forget(handler_input: HandlerInput) -> None:
    """Delete the listener's record and keep this session from storing anything again."""
    if not _has_store(handler_input):
        return
    if handler_input.request_envelope.session is None:
        if not _failed_this_request(handler_input):
            _delete_record(handler_input, None)
        return
    memory = _SessionMemory.read(handler_input)
    memory.off = True
    memory.saved = None
    if _failed_this_request(handler_input):
        memory.owed_delete = True
    else:
        _delete_record(handler_input, memory)
    memory.write(handler_input)
