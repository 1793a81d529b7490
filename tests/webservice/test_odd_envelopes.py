"""Signed but odd envelopes: a 4xx or a normal answer, never a 500, on the web service and Lambda.

Each case is an envelope Alexa would never send but a signed request (or, on
Lambda, any invoker) can carry. The web-service half posts it, signed by the
test CA, to a real gunicorn with verification on; the Lambda half hands the
same event to the production ``lambda_handler``.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from skill_tools.envelopes import Listener, Session
from skill_tools.loopback import free_port
from skill_tools.testpki import TestPKI
from tests.support import assert_valid_response
from tests.webservice.conftest import SKILL_ID
from tests.webservice.test_server import call, service_env, serving

Event = dict[str, Any]


def _session() -> Session:
    return Session(Listener(skill_id=SKILL_ID))


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"end": True}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def _no_context() -> Event:
    event = _session().launch()  # session.application.applicationId stays correct
    del event["context"]
    return event


def _deep_attributes(depth: int) -> Callable[[], Event]:
    def build() -> Event:
        session = _session()
        session.new = False
        session.attributes = {"conversation": {"tour": 1}, "deep": _nested(depth)}
        return session.intent("WhyMassageHelpsIntent")

    return build


def _deep_list_slot(depth: int) -> Callable[[], Event]:
    """slotValue is a recursive model (a list value holds values): nest it."""

    def build() -> Event:
        event = _session().intent("WhyMassageHelpsIntent")
        value: dict[str, Any] = {"type": "Simple", "value": "x"}
        for _ in range(depth):
            value = {"type": "List", "values": [value]}
        event["request"]["intent"]["slots"] = {"benefit": {"name": "benefit", "slotValue": value}}
        return event

    return build


def _extra_key(*path: str, key: str, value: Any) -> Callable[[], Event]:
    def build() -> Event:
        event = _session().intent("WhyMassageHelpsIntent")
        target = event
        for part in path:
            target = target[part]
        target[key] = value
        return event

    return build


def _non_finite(value: float) -> Callable[[], Event]:
    def build() -> Event:
        session = _session()
        session.new = False
        session.attributes = {"conversation": {"tour": 1}, "score": value}
        return session.intent("WhyMassageHelpsIntent")

    return build


CASES: dict[str, Callable[[], Event]] = {
    "no-context": _no_context,
    "attributes-500-deep": _deep_attributes(500),
    "attributes-700-deep": _deep_attributes(700),
    "attributes-989-deep": _deep_attributes(989),
    "slot-value-400-deep": _deep_list_slot(400),
    "request-__class__": _extra_key("request", key="__class__", value={"x": 1}),
    "request-__dict__": _extra_key("request", key="__dict__", value={"type": "LaunchRequest"}),
    "system-__dict__": _extra_key("context", "System", key="__dict__", value={}),
    "intent-__class__": _extra_key("request", "intent", key="__class__", value="IntentRequest"),
    "request-python-field-name": _extra_key("request", key="dialog_state", value="garbage"),
    "request-method-name": _extra_key("request", key="to_dict", value=1),
    "session-attribute-key-__class__": _extra_key(
        "session", "attributes", key="__class__", value=1
    ),
}
NON_FINITE = {"infinity": float("inf"), "minus-infinity": float("-inf"), "nan": float("nan")}


def _strict_json(answer: Any) -> None:
    """What Alexa can parse: no Infinity or NaN anywhere."""
    json.dumps(answer, allow_nan=False)


# ---------------------------------------------------------------- the web service


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[int]:
    """One real gunicorn, verification on, for every case; its log must hold no traceback."""
    env = service_env(tmp_path_factory.mktemp("odd"), pki, free_port())
    with serving("gunicorn", env) as port:
        yield port


def _web_answer(port: int, status: int, payload: bytes) -> None:
    assert status != 500 and status < 500, (status, payload[:300])
    if status == 200:
        answer = json.loads(payload)
        _strict_json(answer)
        assert_valid_response(answer)
    else:
        assert 400 <= status < 500
        assert "error" in json.loads(payload)


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.parametrize("case", sorted(CASES))
def test_web_service_answers_odd_signed_envelopes_without_a_500(
    server: int, pki: TestPKI, case: str
) -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + 2000)  # encoding 989 levels from inside pytest's own stack
    try:
        body, headers = pki.signer().sign(CASES[case]())
    finally:
        sys.setrecursionlimit(limit)
    status, payload = call(server, "POST", "/", body, headers)
    _web_answer(server, status, payload)


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.parametrize(
    "number", ["1e999", "-1e999", "1E400", "NaN", "Infinity", "-Infinity"], ids=str
)
def test_web_service_refuses_bodies_with_non_finite_numbers(
    server: int, pki: TestPKI, number: str
) -> None:
    signer = pki.signer()
    body, _ = signer.sign(_non_finite(1.5)())
    body = body.replace(b'"score":1.5', b'"score":' + number.encode())
    assert number.encode() in body
    status, payload = call(server, "POST", "/", body, signer.headers(body))
    assert status == 400, payload
    assert json.loads(payload)["error"] == "body is not well-formed UTF-8 JSON"


# ---------------------------------------------------------------- Lambda


@pytest.fixture
def with_skill_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process-wide skill as deployed: SKILL_ID set, so the SDK checks the context's id."""
    from massage_guide.skill_builder import get_skill

    monkeypatch.setattr(get_skill(), "skill_id", SKILL_ID)


@pytest.mark.parametrize("case", sorted(CASES))
def test_lambda_answers_odd_envelopes_normally(
    skill: Any, with_skill_id: None, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answer = skill(CASES[case]())  # validated by the fixture
    _strict_json(answer)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage()[:200] for r in failures]


@pytest.mark.parametrize("name", sorted(NON_FINITE))
def test_lambda_never_answers_with_non_finite_numbers(skill: Any, name: str) -> None:
    answer = skill(_non_finite(NON_FINITE[name])())
    _strict_json(answer)


def test_a_normal_envelope_still_gets_its_normal_answer(skill: Any, with_skill_id: None) -> None:
    """The cases above are refused for what they carry, not for being intents with attributes."""
    answer = skill(_deep_attributes(3)())
    assert "Sorry, I had trouble" not in json.dumps(answer)
    assert answer["sessionAttributes"]["deep"] == _nested(3)
    _strict_json(answer)


def test_a_request_with_a_field_newer_than_the_sdk_keeps_it(skill: Any) -> None:
    """Unknown plain field names are still kept (Alexa adds fields), as the SDK does."""
    answer = skill(_extra_key("request", key="someNewField", value={"x": 1})())
    assert "Sorry, I had trouble" not in json.dumps(answer)
