"""Which settings a service may start with: the hash key rule, in-process (the process-level
refusals are in test_server.py)."""

from __future__ import annotations

import secrets

import pytest

from massage_guide.persistence import DEVELOPMENT_HASH_KEY
from tests.webservice.conftest import SKILL_ID
from webservice.settings import ConfigError, Settings


def test_a_verified_service_without_a_hash_key_refuses_to_start() -> None:
    with pytest.raises(ConfigError, match="USER_ID_HASH_KEY is not set") as refused:
        Settings.from_env({"SKILL_ID": SKILL_ID})
    assert "MEMORY=off" in str(refused.value)  # the message says how to run without memory


@pytest.mark.parametrize(
    "env",
    [
        {"SKILL_ID": SKILL_ID, "USER_ID_HASH_KEY": "a-secret-" + "0123456789abcdef" * 2},
        {"SKILL_ID": SKILL_ID, "MEMORY": "off"},  # nothing is stored, nothing to link
        {"VERIFY_SIGNATURE": "0"},  # a local run: the development key is for this
    ],
    ids=["key-set", "no-memory", "local-unverified"],
)
def test_a_hash_key_is_needed_only_when_listeners_are_stored_for_real(env: dict[str, str]) -> None:
    Settings.from_env(env)


@pytest.mark.parametrize(
    ("key", "why"),
    [
        (" ", "shorter than 32 bytes"),
        ("x", "shorter than 32 bytes"),
        ("a-secret", "shorter than 32 bytes"),
        ("0123456789abcdef0123456789abcde", "shorter than 32 bytes"),  # 31
        ("a" * 64, "fewer than 8 different characters"),
        (DEVELOPMENT_HASH_KEY.decode(), "published development key"),
    ],
    ids=["space", "x", "short", "31-bytes", "repetitive", "development-key"],
)
def test_a_verified_service_refuses_a_weak_hash_key(key: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        Settings.from_env({"SKILL_ID": SKILL_ID, "USER_ID_HASH_KEY": key})
    # The same key is fine for a local, unverified run and irrelevant without memory.
    Settings.from_env({"VERIFY_SIGNATURE": "0", "USER_ID_HASH_KEY": key})
    Settings.from_env({"SKILL_ID": SKILL_ID, "USER_ID_HASH_KEY": key, "MEMORY": "off"})


def test_a_long_random_key_is_accepted() -> None:
    Settings.from_env({"SKILL_ID": SKILL_ID, "USER_ID_HASH_KEY": secrets.token_hex(16)})
