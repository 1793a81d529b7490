"""The checks Alexa requires of a web service, run on the raw request before the SDK parses it.

Order matters for cost, not for safety (every check must pass): the cheap ones
(JSON shape, application id, timestamp) run first so junk is refused before any
certificate work; then the ``SignatureCertChainUrl`` is validated, its chain
fetched once and verified with ``cryptography``'s X.509 path validation, and
the ``Signature-256`` RSA/SHA-256 signature checked against the raw body bytes.

Refusal reasons are fixed strings: nothing from the request (ids, body) is ever
put into an exception, a response or a log line.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import posixpath
import re
import threading
import time
import urllib.parse
import warnings
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import certifi
from ask_sdk_model.request import Request
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Signature-256"
CERT_URL_HEADER = "SignatureCertChainUrl"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
ECHO_API_NAME = "echo-api.amazon.com"
REQUEST_TOLERANCE = timedelta(seconds=150)
SKILL_EVENT_TOLERANCE = timedelta(hours=1)
MAX_CHAIN_PEM = 64 * 1024
MAX_CHAIN_CERTS = 8
MIN_RSA_BITS = 2048
DOWNLOADS_PER_MINUTE = 10
KNOWN_REQUEST_TYPES = frozenset(Request.discriminator_value_class_map)

Fetcher = Callable[[str], bytes]
Clock = Callable[[], datetime]


class RefusedError(Exception):
    """A request the service will not serve; ``reason`` is safe to log and to send back."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def utc_now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- certificate URL


def normalise_cert_url(raw: str) -> str:
    """The canonical form of an acceptable chain URL, or RefusedError.

    The service fetches the URL it rebuilt from the validated parts, never the
    raw header, so what was checked is exactly what is downloaded and cached.
    Anything Alexa never sends (userinfo, query, fragment, percent-escapes,
    backslashes, control characters) is refused outright rather than interpreted.
    """
    if (
        not raw
        or len(raw) > 512
        or not raw.isascii()
        or any(ch <= " " or ch in "\\%\x7f" for ch in raw)
    ):
        raise RefusedError("certificate chain URL not accepted")
    try:
        parts = urllib.parse.urlsplit(raw)
        port = parts.port
    except ValueError:
        raise RefusedError("certificate chain URL not accepted") from None
    if parts.scheme.lower() != "https":
        raise RefusedError("certificate chain URL must be https")
    if "@" in parts.netloc or (parts.hostname or "").lower() != CERT_HOST:
        raise RefusedError("certificate chain URL host not accepted")
    if port is not None and port != 443:
        raise RefusedError("certificate chain URL port not accepted")
    if parts.query or parts.fragment or "?" in raw or "#" in raw:
        raise RefusedError("certificate chain URL not accepted")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if path.startswith("//") or not path.startswith(CERT_PATH_PREFIX):
        raise RefusedError("certificate chain URL path not accepted")
    return f"https://{CERT_HOST}{path}"


# ---------------------------------------------------------------- trust and chains


def load_trust_store(path: Path | None = None) -> Store:
    """Trust anchors from a PEM bundle: TRUST_STORE if given, else certifi's Mozilla bundle.

    Certificates are parsed one by one so a single malformed or deprecated entry
    in a system bundle (certifi still ships one with a non-positive serial)
    cannot take the whole store down.
    """
    data = (path or Path(certifi.where())).read_bytes()
    blocks = re.findall(
        rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", data, flags=re.DOTALL
    )
    anchors: list[x509.Certificate] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in blocks:
            try:
                anchors.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    if not anchors:
        raise ValueError(f"no usable certificates in trust store {path or certifi.where()}")
    return Store(anchors)


@dataclass(frozen=True)
class VerifiedChain:
    """What a verified chain leaves behind: the signing key and when it stays usable."""

    public_key: rsa.RSAPublicKey
    not_before: datetime
    not_after: datetime
    verified_at: float


def verify_chain(pem: bytes, store: Store, now: datetime) -> VerifiedChain:
    """Verify a PEM chain (leaf first) for echo-api.amazon.com at ``now``, or RefusedError.

    Path building, signatures, validity periods, basic constraints, key usage
    and the serverAuth purpose are checked by ``cryptography``'s WebPKI policy
    (a ServerVerifier for the DNS name). The SAN must also list the name itself,
    not merely a wildcard that happens to cover it.
    """
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise RefusedError("certificate chain could not be parsed") from None
    if not 1 <= len(certs) <= MAX_CHAIN_CERTS:
        raise RefusedError("certificate chain could not be parsed")
    leaf, intermediates = certs[0], certs[1:]
    verifier = (
        PolicyBuilder().store(store).time(now).build_server_verifier(x509.DNSName(ECHO_API_NAME))
    )
    try:
        chain = verifier.verify(leaf, intermediates)
    except VerificationError:
        raise RefusedError("certificate chain not trusted") from None
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise RefusedError("certificate chain not trusted") from None
    if ECHO_API_NAME not in {name.lower() for name in san.get_values_for_type(x509.DNSName)}:
        raise RefusedError("certificate chain not trusted")
    key = leaf.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise RefusedError("certificate key not accepted")
    return VerifiedChain(
        public_key=key,
        not_before=max(cert.not_valid_before_utc for cert in chain),
        not_after=min(cert.not_valid_after_utc for cert in chain),
        verified_at=time.monotonic(),
    )


class SigningCertificates:
    """Verified signing keys by chain URL: bounded, expiring, and downloads that never queue.

    A hit costs a dict lookup and a validity-window check. Entries leave when the
    chain's validity ends, after ``max_age`` (so chains are re-verified now and
    then) or when the cache is full (least recently used first). Failed URLs are
    remembered briefly so a flood of bad URLs cannot turn into a flood of
    downloads.

    Anyone who knows the skill id can name a new chain URL in every request, so
    a miss must never hold a request thread for long: one download runs at a
    time per worker, requests naming that same URL share it, and a request
    naming any other uncached URL meanwhile is refused at once (503) instead of
    queueing behind it. At most ``downloads_per_minute`` downloads start per
    worker in any minute; past that, uncached URLs are refused at once too.
    Cached chains are never affected: Alexa's own URL stays cached.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        store: Store,
        *,
        max_entries: int = 32,
        max_age: float = 6 * 3600.0,
        failure_ttl: float = 10.0,
        downloads_per_minute: int = DOWNLOADS_PER_MINUTE,
        wait_limit: float = 8.0,  # Alexa gives up after 8 s: no point waiting longer
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetcher = fetcher
        self.store = store
        self.max_entries = max_entries
        self.max_age = max_age
        self.failure_ttl = failure_ttl
        self.downloads_per_minute = downloads_per_minute
        self.wait_limit = wait_limit
        self.fetches = 0
        self._monotonic = monotonic
        self._good: OrderedDict[str, VerifiedChain] = OrderedDict()
        self._bad: OrderedDict[str, tuple[float, RefusedError]] = OrderedDict()
        self._started: deque[float] = deque()
        self._running: _Download | None = None
        self._lock = threading.Lock()

    def _cached(self, url: str, now: datetime) -> VerifiedChain | None:
        """A usable cached chain, None, or the remembered failure raised again (lock held)."""
        chain = self._good.get(url)
        if chain is not None:
            fresh = self._monotonic() - chain.verified_at < self.max_age
            if fresh and chain.not_before <= now <= chain.not_after:
                self._good.move_to_end(url)
                return chain
            del self._good[url]
        failure = self._bad.get(url)
        if failure is not None:
            if self._monotonic() < failure[0]:
                raise RefusedError(failure[1].reason, failure[1].status)
            del self._bad[url]
        return None

    def _start_download(self, url: str) -> _Download:
        """Claim the one download slot for ``url``, within the per-minute budget (lock held)."""
        moment = self._monotonic()
        while self._started and moment - self._started[0] >= 60.0:
            self._started.popleft()
        if len(self._started) >= self.downloads_per_minute:
            raise RefusedError("certificate download limit reached", 503)
        self._started.append(moment)
        self._running = _Download(url)
        return self._running

    def public_key(self, url: str, now: datetime) -> rsa.RSAPublicKey:
        """The verified signing key for a normalised chain URL; never waits for another URL."""
        with self._lock:
            chain = self._cached(url, now)
            if chain is not None:
                return chain.public_key
            running = self._running
            if running is not None and running.url != url:
                raise RefusedError("certificate download busy", 503)
            mine = running is None
            if running is None:
                running = self._start_download(url)
        if mine:
            return self._download(running, now).public_key
        running.done.wait(self.wait_limit)
        with self._lock:
            chain = self._cached(url, now)  # the shared download's result, or its failure
        if chain is None:
            raise RefusedError("certificate chain could not be fetched")
        return chain.public_key

    def _download(self, download: _Download, now: datetime) -> VerifiedChain:
        """Fetch and verify (no lock held); remember the outcome; wake those sharing it."""
        try:
            self.fetches += 1
            chain = verify_chain(self.fetcher(download.url), self.store, now)
        except RefusedError as refused:
            with self._lock:
                self._bad[download.url] = (self._monotonic() + self.failure_ttl, refused)
                while len(self._bad) > self.max_entries:
                    self._bad.popitem(last=False)
            raise
        else:
            chain = replace(chain, verified_at=self._monotonic())
            with self._lock:
                self._good[download.url] = chain
                while len(self._good) > self.max_entries:
                    self._good.popitem(last=False)
            return chain
        finally:
            with self._lock:
                self._running = None
            download.done.set()


@dataclass
class _Download:
    """The chain download in progress in this worker, for requests naming the same URL."""

    url: str
    done: threading.Event = field(default_factory=threading.Event)


# ---------------------------------------------------------------- the gate


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
