"""Which settings a service may start with: the hash key rule, in-process (the process-level
refusals are in test_server.py)."""

from __future__ import annotations

import pytest

from tests.webservice.conftest import SKILL_ID
from webservice.settings import ConfigError, Settings


def test_a_verified_service_without_a_hash_key_refuses_to_start() -> None:
    with pytest.raises(ConfigError, match="USER_ID_HASH_KEY is not set") as refused:
        Settings.from_env({"SKILL_ID": SKILL_ID})
    assert "MEMORY=off" in str(refused.value)  # the message says how to run without memory


@pytest.mark.parametrize(
    "env",
    [
        {"SKILL_ID": SKILL_ID, "USER_ID_HASH_KEY": "a-secret"},
        {"SKILL_ID": SKILL_ID, "MEMORY": "off"},  # nothing is stored, nothing to link
        {"VERIFY_SIGNATURE": "0"},  # a local run: the development key is for this
    ],
    ids=["key-set", "no-memory", "local-unverified"],
)
def test_a_hash_key_is_needed_only_when_listeners_are_stored_for_real(env: dict[str, str]) -> None:
    Settings.from_env(env)
