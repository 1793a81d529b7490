"""Choosing the store from configuration, and what each choice costs a process at import."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from massage_guide import persistence
from massage_guide.stores.dynamodb_store import DynamoDBStore
from massage_guide.stores.sqlite_store import SQLiteStore
from skill_tools.dynamodb_local import DynamoDBLocal
from skill_tools.envelopes import Session
from skill_tools.paths import REPO_ROOT


def test_memory_off_means_no_store() -> None:
    assert persistence.adapter_from_environment({"MEMORY": "off"}) is None
    assert persistence.adapter_from_environment({"MEMORY": "off", "DYNAMODB_TABLE": "t"}) is None


def test_local_runs_use_sqlite_under_the_working_directory_by_default(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """make runs every local tool from the repository root, so that is where the file is."""
    monkeypatch.chdir(REPO_ROOT)
    store = persistence.adapter_from_environment({})
    assert isinstance(store, SQLiteStore)
    assert store.path == REPO_ROOT / ".data" / "listeners.sqlite3"
    assert store.ttl_seconds == 180 * 86_400
    assert "development key" in caplog.text


def test_sqlite_path_and_ttl_are_configurable(tmp_path: Path) -> None:
    env = {"SQLITE_PATH": str(tmp_path / "x.db"), "USER_ID_HASH_KEY": "k", "MEMORY_TTL_DAYS": "30"}
    store = persistence.adapter_from_environment(env)
    assert isinstance(store, SQLiteStore)
    assert (store.path, store.ttl_seconds) == (tmp_path / "x.db", 30 * 86_400)


@pytest.mark.parametrize("bad", ["0", "-3", "soon", "99999"])
def test_a_nonsense_ttl_falls_back_to_180_days(bad: str, tmp_path: Path) -> None:
    env = {"SQLITE_PATH": str(tmp_path / "x.db"), "USER_ID_HASH_KEY": "k", "MEMORY_TTL_DAYS": bad}
    store = persistence.adapter_from_environment(env)
    assert isinstance(store, SQLiteStore) and store.ttl_seconds == 180 * 86_400


def test_on_lambda_without_a_table_the_skill_runs_without_memory(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    assert persistence.adapter_from_environment({"AWS_LAMBDA_FUNCTION_NAME": "f"}) is None
    assert "running without memory" in caplog.text


def test_on_lambda_a_missing_hash_key_is_refused_not_defaulted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = {"AWS_LAMBDA_FUNCTION_NAME": "f", "DYNAMODB_TABLE": "t"}
    assert persistence.adapter_from_environment(env) is None
    assert "USER_ID_HASH_KEY" in caplog.text


def test_a_table_selects_dynamodb_without_touching_botocore() -> None:
    env = {
        "DYNAMODB_TABLE": "listeners",
        "USER_ID_HASH_KEY": "k",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "DYNAMODB_ENDPOINT": "http://127.0.0.1:9",
        "DYNAMODB_CREATE_TABLE": "1",
    }
    store = persistence.adapter_from_environment(env)
    assert isinstance(store, DynamoDBStore)
    assert (store.table, store.region, store.endpoint_url) == (
        "listeners",
        "eu-west-1",
        "http://127.0.0.1:9",
    )
    assert store.create_table and store.dummy_credentials
    assert store._client is None  # built by the first call, not here
    aws = persistence.adapter_from_environment(
        {
            "DYNAMODB_TABLE": "t",
            "USER_ID_HASH_KEY": "k",
            "AWS_LAMBDA_FUNCTION_NAME": "f",
            "AWS_REGION": "eu-central-1",  # the Lambda runtime always sets it
        }
    )
    assert isinstance(aws, DynamoDBStore)
    assert aws.region == "eu-central-1" and not aws.create_table and not aws.dummy_credentials
    assert aws.endpoint_url is None


# A fresh interpreter: import the Lambda entry point, answer requests, report what got imported.
CHILD = r"""
import json, sys
import lambda_function
from skill_tools.envelopes import Session
HEAVY = ("boto3", "botocore", "ask_sdk_dynamodb")
after_import = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
session = Session()
answers = [lambda_function.lambda_handler(session.launch(), None)]
heavy = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
json.dump({"after_import": after_import, "after_request": heavy, "answers": answers}, sys.stdout)
"""


def run_child(extra_env: dict[str, str]) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYNAMODB_", "AWS_"))}
    env.update(extra_env)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report: dict[str, object] = json.loads(proc.stdout)
    return report


@pytest.mark.subprocess
def test_without_dynamodb_neither_boto3_nor_botocore_is_ever_imported(tmp_path: Path) -> None:
    report = run_child({"SQLITE_PATH": str(tmp_path / "l.sqlite3"), "USER_ID_HASH_KEY": "k"})
    assert report["after_request"] == []
    answers = report["answers"]
    assert isinstance(answers, list) and len(answers) == 1
    answer = answers[0]
    assert "Welcome to Back Massage Guide" in answer["response"]["outputSpeech"]["ssml"]
    assert (tmp_path / "l.sqlite3").exists()


@pytest.mark.subprocess
def test_with_dynamodb_and_credentials_in_the_environment_no_aws_sdk_is_imported() -> None:
    # A closed port: the request fails fast and is answered without memory.
    report = run_child(
        {
            "DYNAMODB_TABLE": "listeners",
            "DYNAMODB_ENDPOINT": "http://127.0.0.1:9",
            "USER_ID_HASH_KEY": "k",
        }
    )
    # Local dummy credentials (or the ones Lambda puts in the environment): the
    # standard-library client answers, and neither boto3 nor botocore is ever loaded.
    assert report["after_import"] == []
    assert report["after_request"] == []
    answers = report["answers"]
    assert isinstance(answers, list) and len(answers) == 1
    answer = answers[0]
    assert "Welcome to Back Massage Guide" in answer["response"]["outputSpeech"]["ssml"]


def test_dynamodb_transport_can_be_pinned_to_botocore() -> None:
    from massage_guide.persistence import adapter_from_environment

    env = {"DYNAMODB_TABLE": "listeners", "USER_ID_HASH_KEY": "k", "AWS_REGION": "eu-west-1"}
    auto = adapter_from_environment(env)
    pinned = adapter_from_environment({**env, "DYNAMODB_TRANSPORT": "botocore"})
    assert getattr(auto, "transport", None) == "auto"
    assert getattr(pinned, "transport", None) == "botocore"


def test_the_suite_remembers_listeners_in_a_scratch_store_only(
    skill: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    configured = Path(os.environ["SQLITE_PATH"])
    assert configured.is_relative_to(tmp_path_factory.getbasetemp())
    skill(Session().launch())
    assert configured.is_file()  # the skill built for this run writes there


# ---------------------------------------------------------------- DynamoDB configuration


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://127.1.2.3:8000", True),
        ("https://vpce-0a1b2c3d-4e5f6a7b.dynamodb.eu-west-1.vpce.amazonaws.com", False),
        ("https://dynamodb-fips.eu-west-1.amazonaws.com", False),
        ("http://10.0.0.5:8000", False),
        ("http://localhost.example.com:8000", False),
        ("not a url", False),
    ],
)
def test_dummy_credentials_only_for_a_loopback_endpoint(endpoint: str, local: bool) -> None:
    env = {
        "DYNAMODB_TABLE": "listeners",
        "DYNAMODB_ENDPOINT": endpoint,
        "USER_ID_HASH_KEY": "k",
        "AWS_REGION": "eu-west-1",
    }
    store = persistence.adapter_from_environment(env)
    assert isinstance(store, DynamoDBStore)
    # A VPC or FIPS endpoint is real AWS: its credentials come from the normal chain.
    assert store.dummy_credentials is local


def test_a_missing_region_for_real_aws_is_an_error_not_a_guess(
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = {"DYNAMODB_TABLE": "listeners", "USER_ID_HASH_KEY": "k"}
    for endpoint in (None, "https://dynamodb-fips.us-east-1.amazonaws.com"):
        caplog.clear()
        with_endpoint = env if endpoint is None else {**env, "DYNAMODB_ENDPOINT": endpoint}
        assert persistence.adapter_from_environment(with_endpoint) is None
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and "AWS_REGION" in errors[0], errors
        assert "running without memory" in errors[0]


@pytest.mark.java
def test_a_missing_region_for_a_local_dynamodb_is_a_logged_default(
    dynamodb_local: DynamoDBLocal, caplog: pytest.LogCaptureFixture
) -> None:
    """Real DynamoDB Local on a loopback endpoint spelled 'localhost', no region, no credentials."""
    endpoint = dynamodb_local.endpoint.replace("127.0.0.1", "localhost")
    env = {
        "DYNAMODB_TABLE": f"no-region-{os.getpid()}",
        "DYNAMODB_ENDPOINT": endpoint,
        "DYNAMODB_CREATE_TABLE": "1",
        "USER_ID_HASH_KEY": "k",
    }
    store = persistence.adapter_from_environment(env)
    assert isinstance(store, DynamoDBStore)
    assert store.region == "us-east-1" and store.dummy_credentials
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("AWS_REGION" in message and "us-east-1" in message for message in warnings)
    store._put("a-key", {"tour": 3}, 2_000_000_000)
    assert store._get("a-key") == ({"tour": 3}, 2_000_000_000)
