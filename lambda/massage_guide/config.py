"""The skill's configuration, read from the environment once per process, and the rules every
setting of the project is read by (the web service's settings share them).

One place says which words mean yes and no and that a value is read without the spaces
around it, so ``MEMORY= off`` or ``SKILL_ID="amzn1... "`` mean the same here and in the web
service. The skill tolerates odd values (a nonsense TTL falls back, logged; see
persistence.py), so a deployed function keeps answering; the web service refuses them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

YES_WORDS: Final = frozenset({"1", "true", "yes", "on"})
NO_WORDS: Final = frozenset({"0", "false", "no", "off", "none", "disabled"})


def setting(environ: Mapping[str, str], name: str) -> str:
    """The value of ``name``, without surrounding spaces; "" when unset."""
    return environ.get(name, "").strip()


def yes_no(environ: Mapping[str, str], name: str) -> bool | None:
    """True or False for a yes/no word, None when unset or empty; ValueError for anything else."""
    value = setting(environ, name).lower()
    if not value:
        return None
    if value in YES_WORDS:
        return True
    if value in NO_WORDS:
        return False
    raise ValueError(f"{name}={environ.get(name)!r} is not a yes/no value (use 1 or 0)")


def _transport(environ: Mapping[str, str]) -> str:
    return "botocore" if environ.get("DYNAMODB_TRANSPORT") == "botocore" else "auto"


def _lenient_yes_no(environ: Mapping[str, str], name: str) -> bool | None:
    """:func:`yes_no`, but an unknown word counts as unset (the skill never refuses to start)."""
    try:
        return yes_no(environ, name)
    except ValueError:
        return None


@dataclass(frozen=True)
class SkillConfig:
    """Everything the skill reads from its environment (docs/persistence.md, docs/deploy.md)."""

    memory: bool | None = None
    """MEMORY: False turns memory off; None (unset) or True leaves the choice to the rest."""
    memory_raw: str = ""
    dynamodb_table: str = ""
    dynamodb_endpoint: str = ""
    dynamodb_create_table: bool = False
    dynamodb_transport: str = "auto"
    aws_region: str = ""
    aws_credentials: bool = False
    """Whether AWS_ACCESS_KEY_ID is set (a local DynamoDB then uses it, not dummy ones)."""
    sqlite_path: str = ""
    hash_key: str = ""
    """USER_ID_HASH_KEY, exactly as given: a key's spaces are part of it."""
    ttl_days_raw: str = ""
    in_lambda: bool = False
    skill_id: str | None = None
    log_level: str = "INFO"

    @property
    def memory_off(self) -> bool:
        return self.memory is False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SkillConfig:
        env = os.environ if environ is None else environ
        return cls(
            memory=_lenient_yes_no(env, "MEMORY"),
            memory_raw=setting(env, "MEMORY"),
            dynamodb_table=setting(env, "DYNAMODB_TABLE"),
            dynamodb_endpoint=setting(env, "DYNAMODB_ENDPOINT"),
            dynamodb_create_table=_lenient_yes_no(env, "DYNAMODB_CREATE_TABLE") is True,
            # The escape hatch back to botocore, should the small client ever disagree with AWS.
            dynamodb_transport="botocore"
            if env.get("DYNAMODB_TRANSPORT") == "botocore"
            else "auto",
            aws_region=(env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "").strip(),
            aws_credentials=bool(env.get("AWS_ACCESS_KEY_ID")),
            sqlite_path=setting(env, "SQLITE_PATH"),
            hash_key=env.get("USER_ID_HASH_KEY", ""),
            ttl_days_raw=setting(env, "MEMORY_TTL_DAYS"),
            in_lambda=bool(env.get("AWS_LAMBDA_FUNCTION_NAME") or env.get("LAMBDA_TASK_ROOT")),
            skill_id=setting(env, "SKILL_ID") or None,
            log_level=setting(env, "LOG_LEVEL").upper() or "INFO",
        )
