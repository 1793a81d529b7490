"""The fast serializer must give exactly what the SDK's DefaultSerializer gives, or defer to it."""

from __future__ import annotations

import copy
import datetime
import enum
import json
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import IntentRequest, RequestEnvelope
from hypothesis import given, settings
from hypothesis import strategies as st

from massage_guide.fast_serializer import MAX_NESTING, FastSerializer, UnreadableRequestError
from massage_guide.skill_builder import build_skill
from skill_tools.envelopes import (
    Listener,
    Session,
    Slot,
    can_fulfill_request,
    skill_disabled_event,
)

SDK = DefaultSerializer()


def assert_same(expected: Any, actual: Any, path: str = "$") -> None:
    """Same classes, same attribute values, all the way down (timestamps: same instant)."""
    if isinstance(expected, datetime.datetime):
        assert isinstance(actual, datetime.datetime), path
        assert expected == actual, path
        assert expected.utcoffset() == actual.utcoffset(), path
        return
    assert type(expected) is type(actual), f"{path}: {type(expected)} vs {type(actual)}"
    if isinstance(expected, dict):
        assert expected.keys() == actual.keys(), path
        for key in expected:
            assert_same(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(expected) == len(actual), path
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            assert_same(left, right, f"{path}[{index}]")
    elif hasattr(expected, "__dict__") and not isinstance(expected, enum.Enum):
        assert_same(vars(expected), vars(actual), path)
    else:
        assert expected == actual, f"{path}: {expected!r} != {actual!r}"


def realistic_events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for device in ("speaker", "show"):
        listener = Listener(device=device, access_token="Atza|" + "x" * 300)
        session = Session(listener, attributes={"conversation": {"tour": 2, "visits": 3}})
        events.append(session.launch())
        benefit = {"benefit": "BenefitType"}
        events.append(
            session.intent("BenefitIntent", {"benefit": Slot("posture", "posture")}, benefit)
        )
        events.append(session.intent("BenefitIntent", {"benefit": Slot("my elbow")}, benefit))
        events.append(session.intent("BenefitIntent", {"benefit": None}, benefit))
        events.append(session.intent("AMAZON.NextIntent"))
        events.append(session.session_ended("ERROR", {"type": "INVALID_RESPONSE", "message": "m"}))
        events.append(skill_disabled_event(listener))
    # The requests the manifest's interfaces bring: a name-free query and a touch on a screen.
    events.append(can_fulfill_request(Listener(), "BenefitIntent", {"benefit": "posture"}))
    touch = Session(Listener(device="show"))
    events.append(touch.user_event(["benefit", "posture"], "massage-guide-home", "benefit-posture"))
    return events


@pytest.mark.parametrize("event", realistic_events(), ids=lambda e: e["request"]["type"])
def test_reads_real_envelopes_exactly_as_the_sdk_does(event: dict[str, Any]) -> None:
    expected = SDK.deserialize(json.dumps(event), RequestEnvelope)
    fast = FastSerializer()
    assert_same(expected, fast.read_request_envelope(event))
    assert_same(expected, fast.deserialize(json.dumps(event), RequestEnvelope))
    assert fast.serialize(expected) == SDK.serialize(expected)


def test_real_envelopes_never_need_the_slow_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("fell back to DefaultSerializer.deserialize")

    fast = FastSerializer()
    monkeypatch.setattr(DefaultSerializer, "deserialize", refuse)
    for event in realistic_events():
        assert fast.read_request_envelope(event).request is not None


def test_reading_does_not_share_or_change_the_event() -> None:
    event = realistic_events()[0]
    before = copy.deepcopy(event)
    envelope = FastSerializer().read_request_envelope(event)
    assert envelope.session is not None
    attributes: Any = envelope.session.attributes
    attributes["conversation"]["tour"] = 99
    assert event == before


def test_unknown_fields_and_coercions_match_the_sdk() -> None:
    event = realistic_events()[8]  # a show device: Viewport present
    event["request"]["fieldFromTheFuture"] = {"nested": [1, 2.5, None]}
    event["context"]["Viewport"]["dpi"] = 160.0  # a float where the model says int
    event["session"]["new"] = 0  # an int where the model says bool
    expected = SDK.deserialize(json.dumps(event), RequestEnvelope)
    assert_same(expected, FastSerializer().read_request_envelope(event))


def assert_read_as_the_sdk_reads(event: Any) -> None:
    """The fast reader gives the SDK's envelope, or fails with the SDK's own exception type."""
    try:
        expected: Any = SDK.deserialize(json.dumps(event), RequestEnvelope)
    except Exception as error:
        expected = type(error)
    try:
        actual: Any = FastSerializer().read_request_envelope(event)
    except Exception as error:
        actual = type(error)
    if isinstance(expected, type):
        assert actual is expected
    else:
        assert_same(expected, actual)


@pytest.mark.parametrize(
    "change",
    [
        lambda e: e["request"].update(type="NoSuchRequestType"),
        lambda e: e["request"].update(timestamp="yesterday at noon"),
        lambda e: e["request"].update(timestamp="2024-02-30T10:00:00Z"),
        lambda e: e["request"].update(dialogState="HALF_DONE"),
        lambda e: e.update(session="not an object"),
        lambda e: e["session"].update(attributes={"k": {1, 2}}),
        lambda e: e["request"].pop("type"),
    ],
)
def test_odd_input_is_judged_by_the_sdk_as_before(change: Any) -> None:
    event = realistic_events()[1]
    change(event)
    assert_read_as_the_sdk_reads(event)


# Non-finite numbers and "__" keys are refused on purpose (see the tests below), so the
# values where the fast reader must agree with the SDK leave them out.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(max_size=6).filter(lambda key: not key.startswith("__")), inner, max_size=3
        )
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    where=st.sampled_from(["request", "session", "context", "intent", "slot"]),
    key=st.sampled_from(["type", "name", "value", "new", "attributes", "slots", "locale", "x"]),
    value=json_values,
)
def test_any_one_changed_value_reads_as_the_sdk_reads_it(where: str, key: str, value: Any) -> None:
    event = realistic_events()[1]
    target = {
        "request": event["request"],
        "session": event["session"],
        "context": event["context"],
        "intent": event["request"]["intent"],
        "slot": event["request"]["intent"]["slots"]["benefit"],
    }[where]
    target[key] = value
    assert_read_as_the_sdk_reads(event)


def test_skill_responses_serialize_exactly_as_the_sdk_does() -> None:
    skill = build_skill(None)
    assert isinstance(skill.serializer, FastSerializer)
    for event in realistic_events():
        envelope = skill.serializer.read_request_envelope(event)
        response = skill.invoke(request_envelope=envelope, context=None)
        assert skill.serializer.serialize(response) == SDK.serialize(response)
        assert isinstance(
            envelope.request, type(SDK.deserialize(json.dumps(event), RequestEnvelope).request)
        )


def test_intent_request_is_the_concrete_class() -> None:
    envelope = FastSerializer().read_request_envelope(realistic_events()[1])
    assert isinstance(envelope.request, IntentRequest)


def test_plain_values_serialize_as_the_sdk_does() -> None:
    from decimal import Decimal

    value = {
        "n": [Decimal("3"), Decimal("1.5"), (1, "a")],
        "when": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        "none": None,
    }
    assert FastSerializer().serialize(value) == SDK.serialize(value)


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def _with(event: dict[str, Any], where: str, key: str, value: Any) -> dict[str, Any]:
    target = event["session"]["attributes"] if where == "attributes" else event[where]
    target[key] = value
    return event


@pytest.mark.parametrize(
    ("where", "key", "value"),
    [
        ("attributes", "score", float("inf")),
        ("attributes", "score", float("nan")),
        ("attributes", "deep", _nested(MAX_NESTING + 1)),
        ("attributes", "__class__", 1),
        ("request", "__dict__", {}),
        ("request", "__class__", "IntentRequest"),
        ("context", "__dict__", {}),
    ],
)
def test_what_no_path_may_read_is_refused_even_where_the_sdk_would_take_it(
    where: str, key: str, value: Any
) -> None:
    """Deliberately stricter than the SDK: these break the SDK later or replace its objects."""
    with pytest.raises(UnreadableRequestError):
        FastSerializer().read_request_envelope(_with(realistic_events()[1], where, key, value))
    # ... also when a value only the SDK can read sends the envelope down the SDK's own path
    event = _with(realistic_events()[1], where, key, value)
    event["request"]["timestamp"] = "2024-03-05 06:07:08Z"  # dateutil reads it; the fast path not
    with pytest.raises(UnreadableRequestError):
        FastSerializer().read_request_envelope(event)


@pytest.mark.parametrize(
    ("key", "value"),
    [("_private", 1), ("dialog_state", "garbage"), ("to_dict", 1), ("attribute_map", {})],
)
def test_unknown_keys_that_name_a_models_own_attributes_are_refused(key: str, value: Any) -> None:
    """The SDK would set them over the model's field or method; the fast path, which reads
    every envelope Alexa sends, refuses them (the SDK's path keeps its own behaviour)."""
    with pytest.raises(UnreadableRequestError):
        FastSerializer().read_request_envelope(_with(realistic_events()[1], "request", key, value))


def test_nesting_up_to_the_limit_is_read_as_the_sdk_reads_it() -> None:
    event = realistic_events()[1]
    event["session"]["attributes"]["deep"] = _nested(MAX_NESTING - 4)
    assert_read_as_the_sdk_reads(event)


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), float("nan")], ids=str)
def test_no_response_carries_a_non_finite_number(number: float) -> None:
    from ask_sdk_model import Response, ResponseEnvelope

    envelope = ResponseEnvelope(
        version="1.0", response=Response(), session_attributes={"score": [1.0, number]}
    )
    with pytest.raises(ValueError, match="non-finite"):
        FastSerializer().serialize(envelope)
    assert FastSerializer().serialize({"score": 1.5}) == {"score": 1.5}


def test_the_pinned_sdk_is_the_one_the_fast_serializer_was_checked_against() -> None:
    """Upgrading the ASK SDK means checking FastSerializer again, then updating CHECKED_AGAINST."""
    from importlib.metadata import version

    from massage_guide.fast_serializer import CHECKED_AGAINST
    from skill_tools.paths import LAMBDA_DIR

    pins = {}
    for line in (LAMBDA_DIR / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name, _, pinned = line.partition("==")
        if pinned:
            pins[name.strip().lower()] = pinned.strip()
    for package, checked in CHECKED_AGAINST.items():
        assert pins.get(package) == checked, (
            f"lambda/requirements.txt pins {package}=={pins.get(package)}, but FastSerializer was "
            f"checked against {checked}: check it against the new version, then update "
            "CHECKED_AGAINST in lambda/massage_guide/fast_serializer.py"
        )
        assert version(package) == checked, f"this venv runs {package} {version(package)}"
