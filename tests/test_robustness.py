"""Garbage in, a clear answer out: odd envelopes and session attributes never raise."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from massage_guide.state import STATE_KEY, ConversationState
from skill_tools.envelopes import Session, Slot
from tests.support import assert_valid_response, speech_text

INTENTS = [
    "WhyMassageHelpsIntent", "BenefitIntent", "ListBenefitsIntent", "TellMeMoreIntent",
    "StartTourIntent", "ReadThroughIntent", "CauseIntent", "WhoShouldMassageIntent",
    "AnswerLengthIntent", "SpeechPaceIntent", "ForgetMeIntent", "AMAZON.HelpIntent",
    "AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.RepeatIntent", "AMAZON.YesIntent",
    "AMAZON.NoIntent", "AMAZON.StartOverIntent", "AMAZON.FallbackIntent", "Nonsense",
]  # fmt: skip
BENEFITS = ["muscle_relaxation", "posture", "wellbeing", "nope", ""]

# Values JSON can carry. Non-finite numbers and keys starting with "__" are refused
# on purpose (tests/webservice/test_odd_envelopes.py), so they are not "odd but fine" here.
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_keys = st.text(max_size=10).filter(lambda key: not key.startswith("__"))
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(json_keys, children, max_size=4)
    ),
    max_leaves=12,
)
state_like = st.fixed_dictionaries(
    {},
    optional={
        "benefit": st.sampled_from(BENEFITS) | json_values,
        "tour": st.integers(-3, 10) | json_values,
        "pending": st.sampled_from(["tour_next", "resume", "forget", "offer", "x"]) | json_values,
        "offered": st.sampled_from(BENEFITS) | json_values,
        "last_speech": st.text(max_size=50) | st.just("<audio src='x'/>") | json_values,
        "last_reprompt": st.text(max_size=50) | json_values,
        "length": st.sampled_from(["brief", "detailed", "huge"]) | json_values,
        "pace": st.sampled_from(["slow", "normal", "x-fast"]) | json_values,
        "visits": st.integers(-5, 10**9) | json_values,
    },
)
attributes = st.one_of(
    st.dictionaries(json_keys, json_values, max_size=3),
    st.builds(lambda s: {STATE_KEY: s}, state_like),
    st.builds(lambda s: {STATE_KEY: s}, json_values),
)
slot_values = st.none() | st.builds(
    Slot, st.text(max_size=20), st.sampled_from(BENEFITS) | st.none()
)


def _envelope(intent: str, attrs: dict[str, Any], slot: Slot | None) -> dict[str, Any]:
    session = Session()
    session.new = False
    session.attributes = attrs
    return session.intent(intent, {"benefit": slot, "cause": slot, "length": slot, "pace": slot})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(INTENTS), attributes, slot_values)
@example(  # "repeat" before anything was said, mid-tour: once 48 words
    "AMAZON.RepeatIntent", {STATE_KEY: {"benefit": "muscle_relaxation", "tour": 0}}, None
)
def test_odd_session_attributes_and_slots_never_crash(
    intent: str, attrs: dict[str, Any], slot: Slot | None
) -> None:
    from lambda_function import lambda_handler

    response = assert_valid_response(lambda_handler(_envelope(intent, attrs, slot), None))
    assert "Sorry, I had trouble" not in speech_text(response)
    json.dumps(response)


def _mutations() -> st.SearchStrategy[Any]:
    """A real envelope with parts replaced by garbage, or garbage outright."""
    base = Session().intent("BenefitIntent", {"benefit": Slot("posture", "posture")})
    paths = [
        ("request",), ("request", "type"), ("request", "intent"), ("request", "intent", "slots"),
        ("request", "locale"), ("request", "timestamp"), ("session",), ("session", "attributes"),
        ("session", "new"), ("context",), ("context", "System"), ("version",),
    ]  # fmt: skip

    def mutate(path: tuple[str, ...], value: Any) -> Any:
        event = json.loads(json.dumps(base))
        target = event
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return event

    return st.one_of(
        json_values,
        st.builds(mutate, st.sampled_from(paths), json_values),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_garbage_envelopes_are_answered_never_raised(event: Any) -> None:
    from lambda_function import lambda_handler

    assert_valid_response(lambda_handler(event, None))


def test_state_reading_keeps_only_sensible_values() -> None:
    ids = ("a", "b", "c")
    state = ConversationState.from_attributes(
        {
            STATE_KEY: {
                "benefit": "zzz", "tour": 3, "pending": "offer", "offered": None,
                "last_speech": 'hi <audio src="http://x"/>', "length": "detailed",
                "pace": "warp", "visits": True,
            }
        },
        ids,
    )  # fmt: skip
    assert state == ConversationState(length="detailed")
    good = ConversationState(benefit="b", tour=2, pending="tour_next", last_speech="Hi &amp; bye?")
    assert ConversationState.from_attributes({STATE_KEY: good.to_attributes()}, ids) == good


def test_replayed_speech_may_not_carry_pauses_longer_than_alexa_allows() -> None:
    ids = ("a",)
    too_long = ConversationState.from_attributes(
        {STATE_KEY: {"last_speech": 'Hello <break time="99999ms"/> there?'}}, ids
    )
    fine = ConversationState.from_attributes(
        {STATE_KEY: {"last_speech": 'Hello <break time="3000ms"/> there?'}}, ids
    )
    assert too_long.last_speech is None
    assert fine.last_speech == 'Hello <break time="3000ms"/> there?'


def test_replayed_speech_must_end_on_the_question_every_open_turn_ends_with() -> None:
    ids = ("a",)
    statement = ConversationState.from_attributes({STATE_KEY: {"last_speech": "Goodbye."}}, ids)
    question = ConversationState.from_attributes({STATE_KEY: {"last_speech": "Ready?"}}, ids)
    assert statement.last_speech is None and question.last_speech == "Ready?"
