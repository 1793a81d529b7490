"""A throwaway PKI that signs requests the way Alexa does, for tests and the benchmark.

It makes a root CA, an intermediate and an ``echo-api.amazon.com`` leaf with
``cryptography``, and signs bodies with RSA/SHA-256 (PKCS#1 v1.5) into the
``Signature-256`` header. Nothing here is used by the service itself: the
service only ever trusts what its trust store says, and this CA is in no store
but the PEM file a test hands it.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CHAIN_URL_PREFIX = "https://s3.amazonaws.com/echo.api/"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Back Massage Guide Test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass
class Authority:
    """A CA certificate and its key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @classmethod
    def root(cls, name: str = "Test Root CA") -> Authority:
        key = _key()
        cert = _ca_builder(
            subject=_name(name),
            issuer=_name(name),
            key=key,
            issuer_key=key,
            now=datetime.now(UTC),
            path_length=None,
        )
        return cls(cert=cert, key=key)

    def issue_ca(self, name: str = "Test Intermediate CA") -> Authority:
        key = _key()
        cert = _ca_builder(
            subject=_name(name),
            issuer=self.cert.subject,
            key=key,
            issuer_key=self.key,
            now=datetime.now(UTC),
            path_length=0,
        )
        return Authority(cert=cert, key=key)

    def issue_leaf(
        self,
        key: rsa.RSAPrivateKey,
        *,
        dns_names: Sequence[str] = ("echo-api.amazon.com",),
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> x509.Certificate:
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(dns_names[0] if dns_names else "no-san"))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - timedelta(days=1))
            .not_valid_after(not_after or now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=True,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        if dns_names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]),
                critical=False,
            )
        return builder.sign(self.key, hashes.SHA256())


def _ca_builder(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer_key: rsa.RSAPrivateKey,
    now: datetime,
    path_length: int | None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=2))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_key is not key:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)


@dataclass
class AlexaSigner:
    """Signs request bodies with a leaf key, naming the chain URL Alexa would send."""

    key: rsa.RSAPrivateKey
    chain_pem: bytes
    chain_url: str = CHAIN_URL_PREFIX + "echo-api-cert-test.pem"
    extra_headers: dict[str, str] = field(default_factory=dict)

    def signature(self, body: bytes) -> str:
        raw = self.key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode("ascii")

    def headers(self, body: bytes) -> dict[str, str]:
        return {
            "Content-Type": "application/json; charset=utf-8",
            "Signature-256": self.signature(body),
            "SignatureCertChainUrl": self.chain_url,
            **self.extra_headers,
        }

    def sign(self, envelope: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The exact bytes to POST and the headers that go with them."""
        body = json.dumps(envelope, separators=(",", ":")).encode("utf-8")
        return body, self.headers(body)


@dataclass
class TestPKI:
    """Root → intermediate → echo-api.amazon.com leaf, plus files a server process can use."""

    root: Authority
    intermediate: Authority
    leaf_key: rsa.RSAPrivateKey
    leaf: x509.Certificate

    __test__ = False  # not a pytest test class

    @classmethod
    def create(cls) -> TestPKI:
        root = Authority.root()
        intermediate = root.issue_ca()
        leaf_key = _key()
        return cls(root, intermediate, leaf_key, intermediate.issue_leaf(leaf_key))

    @property
    def chain_pem(self) -> bytes:
        """What Alexa serves at the chain URL: leaf first, then the intermediate."""
        return pem(self.leaf, self.intermediate.cert)

    @property
    def root_pem(self) -> bytes:
        return pem(self.root.cert)

    def signer(self, name: str = "echo-api-cert-test.pem") -> AlexaSigner:
        return AlexaSigner(self.leaf_key, self.chain_pem, CHAIN_URL_PREFIX + name)

    def write(self, directory: Path, name: str = "echo-api-cert-test.pem") -> tuple[Path, Path]:
        """Write files for TRUST_STORE and CERT_CHAIN_DIR; return both paths."""
        directory.mkdir(parents=True, exist_ok=True)
        trust = directory / "trust-store.pem"
        trust.write_bytes(self.root_pem)
        chains = directory / "chains"
        chains.mkdir(exist_ok=True)
        (chains / name).write_bytes(self.chain_pem)
        return trust, chains

    def service_env(
        self, directory: Path, skill_id: str, *, chain_origin: str | None = None, **extra: str
    ) -> dict[str, str]:
        """The environment for a web-service process that trusts this PKI, on loopback only.

        Inherits this process's environment except the settings that would
        contradict it, writes the trust store and chain files into ``directory``,
        and turns on a loopback-only test hook: chains read from those files, or,
        with ``chain_origin``, downloaded from that loopback server (a ChainServer).
        """
        trust, chains = self.write(directory)
        overridden = {
            "VERIFY_SIGNATURE", "CERT_CHAIN_DIR", "CERT_CHAIN_ORIGIN", "WEBSERVICE_TEST_HOOKS",
            "HOST",
        }  # fmt: skip
        env = {key: value for key, value in os.environ.items() if key not in overridden}
        env.update(
            HOST="127.0.0.1",
            SKILL_ID=skill_id,
            TRUST_STORE=str(trust),
            WEBSERVICE_TEST_HOOKS="1",
        )
        if chain_origin is None:
            env["CERT_CHAIN_DIR"] = str(chains)
        else:
            env["CERT_CHAIN_ORIGIN"] = chain_origin
        env.update(extra)
        return env


class _ChainHandler(BaseHTTPRequestHandler):
    """GET /echo.api/NAME: the file NAME from the server's folder, after the server's delay."""

    server: ChainServer

    def do_GET(self) -> None:
        server = self.server
        with server.lock:
            server.downloads += 1
        time.sleep(server.delay)
        name = self.path.removeprefix("/echo.api/")
        path = server.directory / name
        found = self.path.startswith("/echo.api/") and "/" not in name and path.is_file()
        body = path.read_bytes() if found else b"not found"
        self.send_response(200 if found else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


class ChainServer(ThreadingHTTPServer):
    """A slow stand-in for s3.amazonaws.com/echo.api/ on loopback (CERT_CHAIN_ORIGIN).

    Every download takes ``delay`` seconds, as a real one over the internet
    does, and is counted, so tests and the benchmark can see how many chain
    downloads a flood of new chain URLs really caused.
    """

    daemon_threads = True

    def __init__(self, directory: Path, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _ChainHandler)
        self.directory = directory
        self.delay = delay
        self.downloads = 0
        self.lock = threading.Lock()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @classmethod
    @contextmanager
    def running(cls, directory: Path, delay: float) -> Iterator[ChainServer]:
        """Serve in a background thread until the block ends."""
        server = cls(directory, delay)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)
