"""The web service's settings, read from the environment and checked before anything binds.

Every rule that keeps a misconfigured service from going live lives here, so the
development server (``python -m webservice``), the gunicorn config and the app
factory all refuse the same things with the same message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from massage_guide.config import setting, yes_no
from massage_guide.persistence import hash_key_weakness, is_loopback, uses_development_key

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_MAX_BODY = 128 * 1024
DEFAULT_CERT_FETCH_TIMEOUT = 3.0


class ConfigError(ValueError):
    """The environment asks for something the service must not do; the message says what."""


def _is_loopback_origin(origin: str) -> bool:
    """http(s)://HOST[:PORT] with a loopback HOST and nothing after it."""
    try:
        parts = urlsplit(origin)
        port = parts.port  # raises ValueError when it is not a number in range
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and is_loopback(parts.hostname or "")
        and (port is None or port > 0)
        and parts.path in ("", "/")
        and not (parts.query or parts.fragment or parts.username)
    )


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    """A yes/no setting, in the words the skill's own settings use (massage_guide.config)."""
    try:
        value = yes_no(environ, name)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return default if value is None else value


def _integer(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = setting(environ, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} is outside {low}..{high}")
    return value


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = setting(environ, name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds") from None
    if not 0.1 <= value <= 30:
        raise ConfigError(f"{name}={value} is outside 0.1..30 seconds")
    return value


@dataclass(frozen=True)
class Settings:
    """What the service runs with. Build it with ``from_env``, which also validates it."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    skill_id: str | None = None
    verify_signature: bool = True
    trust_store: Path | None = None
    max_body: int = DEFAULT_MAX_BODY
    cert_fetch_timeout: float = DEFAULT_CERT_FETCH_TIMEOUT
    test_hooks: bool = False
    cert_chain_dir: Path | None = None
    cert_chain_origin: str | None = None
    development_hash_key: bool = False
    weak_hash_key: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the variables documented in docs/webservice.md; raise ConfigError on any bad one."""
        env = os.environ if environ is None else environ
        trust_store = setting(env, "TRUST_STORE")
        chain_dir = setting(env, "CERT_CHAIN_DIR")
        chain_origin = setting(env, "CERT_CHAIN_ORIGIN")
        settings = cls(
            host=setting(env, "HOST") or DEFAULT_HOST,
            port=_integer(env, "PORT", DEFAULT_PORT, 1, 65535),
            skill_id=setting(env, "SKILL_ID") or None,
            verify_signature=_flag(env, "VERIFY_SIGNATURE", default=True),
            trust_store=Path(trust_store) if trust_store else None,
            max_body=_integer(env, "MAX_BODY", DEFAULT_MAX_BODY, 4096, 1024 * 1024),
            cert_fetch_timeout=_seconds(env, "CERT_FETCH_TIMEOUT", DEFAULT_CERT_FETCH_TIMEOUT),
            test_hooks=_flag(env, "WEBSERVICE_TEST_HOOKS", default=False),
            cert_chain_dir=Path(chain_dir) if chain_dir else None,
            cert_chain_origin=chain_origin or None,
            development_hash_key=uses_development_key(env),
            weak_hash_key=hash_key_weakness(env),
        )
        settings.validate()
        return settings

    @property
    def loopback_only(self) -> bool:
        """Whether this configuration may only ever serve this machine (local tools and tests)."""
        return not self.verify_signature or self.test_hooks

    @property
    def bind(self) -> str:
        """host:port as gunicorn spells it (IPv6 literals in brackets)."""
        host = self.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{host}:{self.port}"

    def check_bind_host(self, host: str) -> None:
        """Refuse a listening address this configuration must not use."""
        if self.loopback_only and not is_loopback(host):
            why = (
                "signature verification is off (VERIFY_SIGNATURE=0)"
                if not self.verify_signature
                else "test hooks are on (WEBSERVICE_TEST_HOOKS=1)"
            )
            raise ConfigError(
                f"refusing to listen on {host!r}: {why}, so only a loopback address "
                "(127.0.0.1, ::1, localhost) is allowed"
            )

    def _check_chain_origin(self, origin: str) -> None:
        if not self.test_hooks:
            raise ConfigError(
                "CERT_CHAIN_ORIGIN is a test hook: it is honoured only with "
                "WEBSERVICE_TEST_HOOKS=1 on a loopback HOST, never in production"
            )
        if self.cert_chain_dir is not None:
            raise ConfigError("set CERT_CHAIN_DIR or CERT_CHAIN_ORIGIN, not both")
        if not _is_loopback_origin(origin):
            raise ConfigError(
                f"CERT_CHAIN_ORIGIN={origin!r} must be http://127.0.0.1:PORT (a loopback "
                "server, no path)"
            )

    def validate(self) -> None:
        """Raise ConfigError for any combination that would serve unverified or spoofed traffic."""
        if self.verify_signature and not self.skill_id:
            raise ConfigError(
                "SKILL_ID is not set. With signature verification on, the service only answers "
                "requests for its own skill: set SKILL_ID to the skill id from the developer "
                "console (amzn1.ask.skill.…). For local tools only, VERIFY_SIGNATURE=0 on a "
                "loopback HOST runs without it."
            )
        if self.verify_signature and self.development_hash_key:
            raise ConfigError(
                "USER_ID_HASH_KEY is not set. A verified service stores real listeners, and "
                "without this secret their ids would be hashed with the published development "
                "key, so anyone with the table and a candidate user id could link them. Set "
                "USER_ID_HASH_KEY to a long random secret (python3 -c 'import secrets; "
                "print(secrets.token_hex(32))') and keep it, or set MEMORY=off to run without "
                "memory. The development key is for local runs only (VERIFY_SIGNATURE=0)."
            )
        if self.verify_signature and self.weak_hash_key:
            raise ConfigError(
                f"USER_ID_HASH_KEY {self.weak_hash_key}. A verified service stores real "
                "listeners; a guessable key lets anyone with the table and a candidate user id "
                "link them. Use a long random secret (python3 -c 'import secrets; "
                "print(secrets.token_hex(32))'), or MEMORY=off to run without memory."
            )
        if self.skill_id is not None and any(ch.isspace() for ch in self.skill_id):
            raise ConfigError("SKILL_ID contains whitespace")
        if self.cert_chain_dir is not None and not self.test_hooks:
            raise ConfigError(
                "CERT_CHAIN_DIR is a test hook: it is honoured only with WEBSERVICE_TEST_HOOKS=1 "
                "on a loopback HOST, never in production"
            )
        if self.cert_chain_origin is not None:
            self._check_chain_origin(self.cert_chain_origin)
        if self.test_hooks and self.cert_chain_dir is not None and not self.cert_chain_dir.is_dir():
            raise ConfigError(f"CERT_CHAIN_DIR={self.cert_chain_dir} is not a directory")
        if self.trust_store is not None and not self.trust_store.is_file():
            raise ConfigError(f"TRUST_STORE={self.trust_store} is not a readable PEM file")
        self.check_bind_host(self.host)
