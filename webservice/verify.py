"""The checks Alexa requires of a web service, run on the raw request before the SDK parses it.

Order matters for cost, not for safety (every check must pass): the cheap ones
(JSON shape, application id, timestamp) run first so junk is refused before any
certificate work; then the ``SignatureCertChainUrl`` is validated, its chain
fetched once and verified (``trust``, and ``chain_cache``, which keeps the keys),
and the ``Signature-256`` RSA/SHA-256 signature checked against the raw body bytes.

Refusals (``refusal.RefusedError``) carry fixed strings: nothing from the
request (ids, body) is ever put into an exception, a response or a log line.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ask_sdk_model.request import Request
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.hashes import SHA256

from webservice.chain_cache import SigningCertificates
from webservice.refusal import RefusedError
from webservice.trust import normalise_cert_url

SIGNATURE_HEADER = "Signature-256"
CERT_URL_HEADER = "SignatureCertChainUrl"
REQUEST_TOLERANCE = timedelta(seconds=150)
SKILL_EVENT_TOLERANCE = timedelta(hours=1)
KNOWN_REQUEST_TYPES = frozenset(Request.discriminator_value_class_map)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _parse_json(body: bytes) -> dict[str, Any]:
    """The envelope as a dict; no NaN or Infinity, spelled out or overflowing (``1e999``)."""

    def no_constants(name: str) -> Any:
        raise ValueError(name)

    def finite_float(text: str) -> float:
        number = float(text)
        if number - number != 0.0:  # inf - inf is nan
            raise ValueError("non-finite number")
        return number

    try:
        text = body.decode("utf-8")
        envelope = json.loads(text, parse_constant=no_constants, parse_float=finite_float)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RefusedError("body is not well-formed UTF-8 JSON") from None
    if not isinstance(envelope, dict):
        raise RefusedError("body is not a request envelope")
    return envelope


def _member(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _parse_timestamp(value: Any) -> datetime:
    if not isinstance(value, str) or len(value) > 64:
        raise RefusedError("request timestamp missing or malformed")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RefusedError("request timestamp missing or malformed") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


class RequestGate:
    """Everything a request must pass before the skill sees it.

    ``certificates=None`` means signature verification is off (VERIFY_SIGNATURE=0,
    loopback only); ``skill_id=None`` is only allowed in that mode.
    """

    def __init__(
        self,
        *,
        skill_id: str | None,
        certificates: SigningCertificates | None,
        clock: Clock = utc_now,
    ) -> None:
        if certificates is not None and not skill_id:
            raise ValueError("a skill id is required while signatures are verified")
        self.skill_id = skill_id
        self.certificates = certificates
        self.clock = clock

    def check(self, body: bytes, *, signature: str | None, cert_url: str | None) -> dict[str, Any]:
        """Return the parsed envelope, or raise RefusedError saying which rule it broke.

        ``signature`` and ``cert_url`` are the Signature-256 and SignatureCertChainUrl
        header values (None when absent).
        """
        envelope = _parse_json(body)
        request = envelope.get("request")
        kind = _member(request, "type")
        if not isinstance(kind, str) or not isinstance(_member(request, "requestId"), str):
            raise RefusedError("body is not a request envelope")
        if kind not in KNOWN_REQUEST_TYPES:
            raise RefusedError("request type not supported")
        now = self.clock()
        self._check_application(envelope)
        self._check_timestamp(kind, _parse_timestamp(_member(request, "timestamp")), now)
        if self.certificates is not None:
            self._check_signature(self.certificates, body, signature, cert_url, now)
        return envelope

    def _check_application(self, envelope: dict[str, Any]) -> None:
        # Alexa always sends context.System; the SDK reads the skill id from it unguarded.
        in_context = _member(envelope, "context", "System", "application", "applicationId")
        in_session = _member(envelope, "session", "application", "applicationId")
        if not isinstance(in_context, str):
            raise RefusedError("application id missing from context")
        if in_session is not None and not isinstance(in_session, str):
            raise RefusedError("application id missing")
        present = [in_context] if in_session is None else [in_context, in_session]
        if self.skill_id is not None and any(value != self.skill_id for value in present):
            raise RefusedError("application id not accepted")

    @staticmethod
    def _check_timestamp(kind: str, stamp: datetime, now: datetime) -> None:
        tolerance = (
            SKILL_EVENT_TOLERANCE if kind.startswith("AlexaSkillEvent.") else REQUEST_TOLERANCE
        )
        if abs(now - stamp) > tolerance:
            raise RefusedError("request timestamp outside tolerance")

    @staticmethod
    def _check_signature(
        certificates: SigningCertificates,
        body: bytes,
        signature_b64: str | None,
        url: str | None,
        now: datetime,
    ) -> None:
        if not signature_b64 or not url:
            raise RefusedError("signature headers missing")
        if len(signature_b64) > 2048:
            raise RefusedError("signature malformed")
        try:
            signature = base64.b64decode(signature_b64.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise RefusedError("signature malformed") from None
        key = certificates.public_key(normalise_cert_url(url.strip()), now)
        try:
            key.verify(signature, body, padding.PKCS1v15(), SHA256())
        except InvalidSignature:
            raise RefusedError("signature does not match body") from None
