"""What every listener store shares: the keyed hash, the expiry and the remembered fields.

A store never sees a raw Alexa user id beyond this module: it is turned into
an HMAC-SHA256 under a configured key at once, so a leaked table cannot be
joined to Alexa accounts and the same listener gets a different key in a
skill deployed with a different secret.
"""

from __future__ import annotations

import time
from abc import ABCMeta, abstractmethod
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

from massage_guide.state import REMEMBERED

DEFAULT_TTL_DAYS: Final = 180
SECONDS_PER_DAY: Final = 86_400


class StorageError(Exception):
    """A store could not answer; ``kind`` is a short, id-free label safe to log."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class NoListenerError(StorageError):
    """The request carries no user id, so there is nobody to remember."""

    def __init__(self) -> None:
        super().__init__("no user id")


def listener_key(user_id: str, secret: bytes) -> str:
    """The store key for a listener: HMAC-SHA256 of the Alexa user id, hex."""
    # Imported here: hashlib loads OpenSSL, which a skill without memory never needs.
    import hashlib  # noqa: PLC0415
    import hmac  # noqa: PLC0415

    return hmac.new(secret, user_id.encode("utf-8"), hashlib.sha256).hexdigest()


def user_id_of(request_envelope: RequestEnvelope) -> str | None:
    """The Alexa user id, from the context (present even without a session) or the session."""
    system = getattr(getattr(request_envelope, "context", None), "system", None)
    user_id = getattr(getattr(system, "user", None), "user_id", None)
    if not user_id:
        session = getattr(request_envelope, "session", None)
        user_id = getattr(getattr(session, "user", None), "user_id", None)
    return user_id if isinstance(user_id, str) and user_id else None


def event_time(request_envelope: RequestEnvelope) -> int | None:
    """When a skill event happened (epoch seconds); None for a request in a conversation.

    Alexa may deliver a skill event (``AlexaSkillEvent.*``) late, and a signed
    one stays valid for an hour, so anyone holding it can send it again. What
    it asks for is judged as of when it was created, not when it arrived.
    """
    request = getattr(request_envelope, "request", None)
    kind = getattr(request, "object_type", None)
    if not isinstance(kind, str) or not kind.startswith("AlexaSkillEvent."):
        return None
    moment = getattr(request, "event_creation_time", None) or getattr(request, "timestamp", None)
    if not isinstance(moment, datetime):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def remembered_subset(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Only the remembered fields with plain str/int values; everything else is dropped."""
    kept: dict[str, Any] = {}
    for name in REMEMBERED:
        value = attributes.get(name)
        if isinstance(value, bool):
            continue
        if isinstance(value, str | int):
            kept[name] = value
    return kept


class ListenerStore(AbstractPersistenceAdapter, metaclass=ABCMeta):
    """The SDK persistence interface, keyed by hashed user id, with an expiry on every record.

    Subclasses implement three primitive operations on an already hashed key;
    this class owns the hashing, the expiry and the field filter, so no store
    can store more than :data:`REMEMBERED` or forget to expire a record.
    """

    def __init__(self, secret: bytes, ttl_days: int = DEFAULT_TTL_DAYS) -> None:
        if not secret:
            raise ValueError("a listener store needs a non-empty hash key")
        if ttl_days <= 0:
            raise ValueError("ttl_days must be positive")
        self._secret = secret
        self.ttl_seconds = ttl_days * SECONDS_PER_DAY

    def key_for(self, request_envelope: RequestEnvelope) -> str:
        user_id = user_id_of(request_envelope)
        if user_id is None:
            raise NoListenerError()
        return listener_key(user_id, self._secret)

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """The listener's remembered fields, or {} for someone new or whose record expired."""
        found = self._get(self.key_for(request_envelope))
        if found is None:
            return {}
        fields, expires_at = found
        # Expired records may linger (DynamoDB deletes them up to days late).
        if expires_at <= int(time.time()):
            return {}
        return remembered_subset(fields)

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: Any) -> None:
        """Replace the listener's record and push its expiry out again."""
        fields = remembered_subset(attributes if isinstance(attributes, Mapping) else {})
        expires_at = int(time.time()) + self.ttl_seconds
        self._put(self.key_for(request_envelope), fields, expires_at)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Delete the listener's record; deleting what is not there is not an error.

        For a skill event (SkillDisabled) only a record last written no later
        than the event was created: a replayed or late event must not delete
        what a listener who enabled the skill again has been remembered by since.
        """
        self._delete(self.key_for(request_envelope), not_written_after=event_time(request_envelope))

    @abstractmethod
    def _get(self, key: str) -> tuple[dict[str, Any], int] | None:
        """The stored fields and expiry (epoch seconds) for a key, or None."""

    @abstractmethod
    def _put(self, key: str, fields: dict[str, Any], expires_at: int) -> None:
        """Store exactly these fields and this expiry under the key, and when it was written."""

    @abstractmethod
    def _delete(self, key: str, not_written_after: int | None = None) -> None:
        """Remove the record for the key, if any; with ``not_written_after`` (epoch seconds)
        only if it was last written then or before (a record from before this rule counts
        as old)."""
