"""The persistence seam: which store remembers listeners, chosen by configuration.

Handlers never talk to a database. They read and change the conversation
state; this module decides whether and where the parts worth remembering are
kept between sessions (see docs/persistence.md):

* ``MEMORY=off``: no memory at all.
* ``DYNAMODB_TABLE`` set: DynamoDB, through the project's own small adapter
  on botocore (imported on first use, never by a process that does not use it).
* on AWS Lambda with no table: no memory (Lambda's disk does not outlive the
  instance), logged once.
* anywhere else: an SQLite file, ``SQLITE_PATH`` or ``.data/listeners.sqlite3`` under
  the working directory (the repository root for every make target).

Store modules are imported inside :func:`adapter_from_config`, so the
choice costs only what the chosen store needs. The settings themselves are
read by :class:`massage_guide.config.SkillConfig`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

from massage_guide.config import SkillConfig
from massage_guide.stores.base import DEFAULT_TTL_DAYS

log = logging.getLogger(__name__)

DEFAULT_SQLITE_PATH: Final = Path(".data") / "listeners.sqlite3"
"""Relative to the working directory: the skill never looks outside its own folder for
where it was checked out, and make runs every local tool from the repository root."""
DEVELOPMENT_HASH_KEY: Final = b"back-massage-guide-development-only-hash-key"
"""Used by local runs when USER_ID_HASH_KEY is unset; public, so a real service refuses it."""
MIN_HASH_KEY_BYTES: Final = 32
"""A service that stores real listeners refuses a shorter USER_ID_HASH_KEY (a guessable one)."""
MIN_HASH_KEY_DISTINCT: Final = 8
"""...and one of fewer distinct characters ("a" * 32 is as guessable as "a")."""
MAX_TTL_DAYS: Final = 3650
DEFAULT_REGION: Final = "us-east-1"
"""Only for a local DynamoDB (a loopback DYNAMODB_ENDPOINT) with no region set, and logged."""


def adapter_from_environment(
    environ: Mapping[str, str] | None = None,
) -> AbstractPersistenceAdapter | None:
    """The store configured by ``environ`` (default: this process's environment)."""
    return adapter_from_config(SkillConfig.from_env(environ))


def adapter_from_config(config: SkillConfig) -> AbstractPersistenceAdapter | None:
    """The configured store, or None when the skill runs without memory."""
    if config.memory_off:
        log.info("running without memory: MEMORY=%s", config.memory_raw)
        return None
    if config.in_lambda and not config.dynamodb_table:
        log.warning("running without memory: no DYNAMODB_TABLE configured on Lambda")
        return None
    secret = _hash_key(config)
    if secret is None:
        return None
    ttl_days = _ttl_days(config)
    if config.dynamodb_table:
        return _dynamodb_store(config, secret, ttl_days)
    from massage_guide.stores.sqlite_store import SQLiteStore  # noqa: PLC0415 - lazy

    # Made absolute once: a later change of directory must not move the listeners' file.
    path = Path(config.sqlite_path) if config.sqlite_path else DEFAULT_SQLITE_PATH
    return SQLiteStore(path.absolute(), secret, ttl_days)


def _dynamodb_store(
    config: SkillConfig, secret: bytes, ttl_days: int
) -> AbstractPersistenceAdapter | None:
    """The DynamoDB store, or None (logged) when its region is unknown for a real table.

    Only a loopback ``DYNAMODB_ENDPOINT`` is a local DynamoDB: it accepts any
    credentials, so dummy ones are used unless real ones are set, and a missing
    region (which there only names a namespace) defaults to us-east-1 with a
    warning. Any other endpoint (a VPC or FIPS endpoint) is real AWS: the normal
    credential chain, and a missing region stops memory rather than guessing one,
    since a guessed region could read and write a same-named table of another
    deployment.
    """
    from massage_guide.stores.dynamodb_store import DynamoDBStore  # noqa: PLC0415 - lazy

    endpoint = config.dynamodb_endpoint or None
    local = endpoint is not None and _is_loopback_url(endpoint)
    region = config.aws_region
    if not region and not local:
        log.error(
            "running without memory: DYNAMODB_TABLE is set but neither AWS_REGION nor "
            "AWS_DEFAULT_REGION says which region the table is in"
        )
        return None
    if not region:
        log.warning(
            "AWS_REGION is not set for the local DynamoDB at DYNAMODB_ENDPOINT: using %s",
            DEFAULT_REGION,
        )
        region = DEFAULT_REGION
    return DynamoDBStore(
        config.dynamodb_table,
        secret,
        ttl_days,
        region=region,
        endpoint_url=endpoint,
        create_table=config.dynamodb_create_table,
        dummy_credentials=local and not config.aws_credentials,
        transport=config.dynamodb_transport,
    )


def is_loopback(host: str) -> bool:
    """True for 'localhost', 127.0.0.0/8 and ::1: addresses no other machine can reach."""
    if host.strip().lower() == "localhost":
        return True
    import ipaddress  # noqa: PLC0415 - only a configured endpoint needs it

    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _is_loopback_url(url: str) -> bool:
    from urllib.parse import urlsplit  # noqa: PLC0415 - only a configured endpoint needs it

    try:
        return is_loopback(urlsplit(url).hostname or "")
    except ValueError:
        return False


def uses_development_key(environ: Mapping[str, str] | None = None) -> bool:
    """Whether listeners would be stored under the public development key here.

    True off Lambda with memory on and no USER_ID_HASH_KEY. Fine for a local
    run; a real service (the web service with verification on) refuses to
    start with it, since anyone holding the table and a candidate user id
    could then link the two.
    """
    config = SkillConfig.from_env(environ)
    return not (config.memory_off or config.hash_key or config.in_lambda)


def hash_key_weakness(environ: Mapping[str, str] | None = None) -> str | None:
    """Why the USER_ID_HASH_KEY set here is too weak for real listeners, or None.

    None also when no key is set or memory is off: those cases are
    :func:`uses_development_key`'s. A short or repetitive key can be guessed,
    and the published development key is no secret at all, so a real service
    (the web service with verification on) refuses to start with any of them.
    """
    config = SkillConfig.from_env(environ)
    key = config.hash_key
    if config.memory_off or not key:
        return None
    encoded = key.encode("utf-8")
    if encoded == DEVELOPMENT_HASH_KEY:
        return "is the published development key"
    if len(encoded) < MIN_HASH_KEY_BYTES:
        return f"is shorter than {MIN_HASH_KEY_BYTES} bytes"
    if len(set(key.strip())) < MIN_HASH_KEY_DISTINCT:
        return f"has fewer than {MIN_HASH_KEY_DISTINCT} different characters"
    return None


def _hash_key(config: SkillConfig) -> bytes | None:
    if config.hash_key:
        return config.hash_key.encode("utf-8")
    if config.in_lambda:
        # A published key would make stored ids linkable; better to remember nothing.
        log.error("running without memory: USER_ID_HASH_KEY is not set on Lambda")
        return None
    log.warning("USER_ID_HASH_KEY is not set: using the development key (never in production)")
    return DEVELOPMENT_HASH_KEY


def _ttl_days(config: SkillConfig) -> int:
    raw = config.ttl_days_raw
    if not raw:
        return DEFAULT_TTL_DAYS
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if not 0 < days <= MAX_TTL_DAYS:
        log.warning(
            "MEMORY_TTL_DAYS=%r is not 1..%d days; using %d", raw, MAX_TTL_DAYS, DEFAULT_TTL_DAYS
        )
        return DEFAULT_TTL_DAYS
    return days
