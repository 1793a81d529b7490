"""Which signing chains are trusted: the chain URL's rules and the chain's verification.

The ``SignatureCertChainUrl`` is validated and rebuilt before anything is
fetched; the chain fetched from it is verified with ``cryptography``'s X.509
path validation for echo-api.amazon.com against the trust store.
"""

from __future__ import annotations

import posixpath
import re
import time
import urllib.parse
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from webservice.refusal import RefusedError

CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
ECHO_API_NAME = "echo-api.amazon.com"
MAX_CHAIN_PEM = 64 * 1024
MAX_CHAIN_CERTS = 8
MIN_RSA_BITS = 2048


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
