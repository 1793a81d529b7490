"""Name-free requests: CanFulfillIntentRequest answered honestly, with nothing read or written.

Requests are the envelopes Alexa documents (skill_tools.envelopes.can_fulfill_request),
built from what a listener says through the project's own interaction model,
and answered by the production lambda_handler or by the real skill on a real store.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from massage_guide import skill_builder
from massage_guide.content import content_for
from massage_guide.handlers import can_fulfill
from massage_guide.stores.base import ListenerStore
from skill_tools.dialog.resolver import Resolver
from skill_tools.envelopes import Listener, Session, Slot, can_fulfill_request, slot_json
from skill_tools.paths import REPO_ROOT
from tests.locales import LOCALES
from tests.support import assert_valid_response, handler_input_for
from tests.test_persistence import Skill, raw_records, server_for, store, tour_to_circulation

__all__ = ["store"]  # the fixture, shared with the persistence tests

MODEL = REPO_ROOT / "interaction_models" / "en-US.json"
INTENTS = [
    intent["name"]
    for intent in json.loads(MODEL.read_text())["interactionModel"]["languageModel"]["intents"]
]

[NAME_FREE] = [
    handler.name_free
    for handler in skill_builder.request_handlers()
    if isinstance(handler, can_fulfill.CanFulfillHandler)
]


def answer(skill: Any, intent: str, slots: dict[str, str] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = skill(can_fulfill_request(Listener(), intent, slots), None)
    result: dict[str, Any] = response["response"]["canFulfillIntent"]
    return result


def name_free(skill: Any, utterance: str) -> dict[str, Any]:
    """What Alexa would ask the skill before routing this utterance to it without its name."""
    resolution = Resolver.from_file(MODEL).resolve(utterance)
    assert resolution.request_type == "IntentRequest" and resolution.intent, utterance
    slots = {name: slot.value for name, slot in resolution.slots.items()}
    return answer(skill, resolution.intent, slots)


def test_tell_me_about_posture_gets_a_yes(skill: Any) -> None:
    assert name_free(skill, "tell me about posture") == {
        "canFulfill": "YES",
        "slots": {"benefit": {"canUnderstand": "YES", "canFulfill": "YES"}},
    }


@pytest.mark.parametrize(
    ("utterance", "slot"),
    [
        ("how does massage help my flexibility", "benefit"),
        ("tell me more about circulation", "benefit"),
        ("my back hurts from stress", "cause"),
    ],
)
def test_a_benefit_or_cause_the_skill_knows_gets_a_yes(
    skill: Any, utterance: str, slot: str
) -> None:
    result = name_free(skill, utterance)
    assert result["canFulfill"] == "YES", result
    assert result["slots"][slot] == {"canUnderstand": "YES", "canFulfill": "YES"}


@pytest.mark.parametrize(
    "intent",
    sorted(NAME_FREE.served_as_asked),
)
def test_questions_the_skill_answers_in_full_get_a_yes(skill: Any, intent: str) -> None:
    assert answer(skill, intent) == {"canFulfill": "YES", "slots": {}}


def test_a_benefit_intent_without_a_benefit_is_a_maybe(skill: Any) -> None:
    """The skill would have to ask which benefit: it can only partly serve it."""
    assert answer(skill, "BenefitIntent")["canFulfill"] == "MAYBE"
    assert answer(skill, "CauseIntent")["canFulfill"] == "MAYBE"


def test_a_value_the_skill_cannot_place_is_a_maybe_and_its_slot_cannot_be_fulfilled(
    skill: Any,
) -> None:
    result = answer(skill, "BenefitIntent", {"benefit": "blood flow"})
    assert result == {
        "canFulfill": "MAYBE",
        "slots": {"benefit": {"canUnderstand": "MAYBE", "canFulfill": "NO"}},
    }


def test_entity_resolution_decides_when_alexa_sends_it(skill: Any) -> None:
    listener = Listener()
    matched = can_fulfill_request(listener, "BenefitIntent", {"benefit": "blood flow"})
    matched["request"]["intent"]["slots"]["benefit"] = slot_json(
        listener.skill_id, "benefit", Slot("blood flow", "circulation"), "BenefitType"
    )
    assert skill(matched, None)["response"]["canFulfillIntent"]["canFulfill"] == "YES"
    missed = can_fulfill_request(listener, "BenefitIntent", {"benefit": "posture"})
    missed["request"]["intent"]["slots"]["benefit"] = slot_json(
        listener.skill_id, "benefit", "my elbow", "BenefitType"
    )
    result = skill(missed, None)["response"]["canFulfillIntent"]
    assert result == {
        "canFulfill": "NO",
        "slots": {"benefit": {"canUnderstand": "NO", "canFulfill": "NO"}},
    }


@pytest.mark.parametrize("intent", sorted(can_fulfill.HEALTH_TRIAGE_INTENTS))
def test_health_triage_is_never_volunteered_for(skill: Any, intent: str) -> None:
    assert answer(skill, intent) == {"canFulfill": "NO", "slots": {}}
    # Even if a handler declared it served, the safety list wins.
    careless = can_fulfill.NameFree(
        NAME_FREE.served_as_asked | {intent}, {**NAME_FREE.slot_of, intent: "symptom"}
    )
    query = handler_input_for(can_fulfill_request(Listener(), intent, {"symptom": "numb legs"}))
    assert can_fulfill.judge(query, careless) == ("NO", {"symptom": ("NO", "NO")})


NOT_FOR_NAME_FREE = sorted(
    name for name in INTENTS if name not in NAME_FREE.served_as_asked | set(NAME_FREE.slot_of)
)


@pytest.mark.parametrize(
    "intent",
    [*NOT_FOR_NAME_FREE, "SomebodyElsesIntent", "AMAZON.SearchAction<object@WeatherForecast>"],
)
def test_everything_else_is_a_no(skill: Any, intent: str) -> None:
    """Stop, help, yes, settings, forget me, other skills' intents: not for a name-free route."""
    assert answer(skill, intent)["canFulfill"] == "NO"


def test_a_slot_the_intent_does_not_have_is_a_no(skill: Any) -> None:
    result = answer(skill, "BenefitIntent", {"benefit": "posture", "city": "Seattle"})
    assert result["canFulfill"] == "NO"
    assert result["slots"]["city"] == {"canUnderstand": "NO", "canFulfill": "NO"}
    assert result["slots"]["benefit"] == {"canUnderstand": "YES", "canFulfill": "YES"}


def test_the_answer_says_and_shows_nothing_and_changes_no_session(skill: Any) -> None:
    event = can_fulfill_request(Listener(device="show"), "BenefitIntent", {"benefit": "posture"})
    event["session"]["attributes"] = {"conversation": {"tour": 2, "visits": 3}}
    response = assert_valid_response(skill(event, None))
    body = response["response"]
    assert set(body) <= {"canFulfillIntent", "shouldEndSession"}
    assert response.get("sessionAttributes") == {"conversation": {"tour": 2, "visits": 3}}


def test_the_envelope_is_the_documented_shape() -> None:
    event = can_fulfill_request(Listener(), "BenefitIntent", {"benefit": "posture"})
    assert event["session"]["new"] is True and event["session"]["attributes"] == {}
    assert event["context"] == {
        "System": {
            "application": {"applicationId": Listener().skill_id},
            "user": {"userId": event["session"]["user"]["userId"]},
            "device": {"supportedInterfaces": {}},
        }
    }
    assert event["request"]["intent"]["slots"] == {
        "benefit": {"name": "benefit", "value": "posture"}
    }


def test_a_name_free_query_neither_reads_nor_writes_the_store(
    store: ListenerStore, request: pytest.FixtureRequest
) -> None:
    """On SQLite and on DynamoDB Local: no store call at all, and every record as it was."""
    skill, listener, dynamodb = Skill(store), Listener(), server_for(store, request)
    tour_to_circulation(skill, listener)
    before, calls = raw_records(store, dynamodb), skill.store.calls()
    assert before and calls[0] >= 1  # the store is real and in use
    for intent, slots in (
        ("BenefitIntent", {"benefit": "posture"}),
        ("StartTourIntent", None),
        ("WarningSignIntent", None),
    ):
        event = can_fulfill_request(listener, intent, slots)
        response = skill(Session(listener), event)
        assert "canFulfillIntent" in response["response"]
        assert response.get("sessionAttributes") == {}, "a query must not load memory"
    assert skill.store.calls() == calls
    assert raw_records(store, dynamodb) == before
    # The same listener's next real request still reads the store: the check above could fail.
    session = Session(listener)
    skill(session, session.intent("StartTourIntent"))
    assert skill.store.calls()[0] == calls[0] + 1


def cfir_answer(skill: Any, locale: str, intent: str, slots: dict[str, str] | None) -> str:
    envelope = can_fulfill_request(Listener(locale=locale), intent, slots)
    verdict: str = skill(envelope, None)["response"]["canFulfillIntent"]["canFulfill"]
    return verdict


@pytest.mark.parametrize("locale", LOCALES)
def test_every_benefit_named_as_its_locale_says_it_gets_a_yes(skill: Any, locale: str) -> None:
    """Spoken as the content names it, and without its article ("la postura" and "postura")."""
    words = content_for(locale)
    for benefit in words.benefits:
        said = {benefit.name, benefit.title}
        first, _, rest = benefit.name.partition(" ")
        if first.lower() in words.articles:
            said.add(rest)
        for spoken in said:
            verdict = cfir_answer(skill, locale, "BenefitIntent", {"benefit": spoken})
            assert verdict == "YES", (locale, spoken)
    assert cfir_answer(skill, locale, "WarningSignIntent", None) == "NO"
    assert cfir_answer(skill, locale, "MassageCostIntent", None) == "NO"


def test_the_slot_normaliser_is_linear_in_repeated_articles() -> None:
    """The review's input: 150 KB of articles before a word took 2.5 s of CPU when quadratic."""
    import time

    words = content_for("es-ES")
    article = sorted(words.articles)[0]
    value = (article + " ") * (150_000 // (len(article) + 1)) + "postura"
    started = time.process_time()
    assert can_fulfill._plain(value, words) == "postura"
    assert can_fulfill._plain(value.upper(), words) == "postura"
    assert time.process_time() - started < 0.25
    assert can_fulfill._plain(f"{article} {article}", words) == article  # never empty


def test_the_name_free_answers_are_what_the_handlers_declare() -> None:
    """One source per intent: the tables come from the handlers, and every intent in them is
    one the model declares, with the slot it names."""
    model = json.loads(MODEL.read_text())["interactionModel"]["languageModel"]["intents"]
    slots_of = {intent["name"]: {s["name"] for s in intent.get("slots", [])} for intent in model}
    assert NAME_FREE.served_as_asked >= {"StartTourIntent", "WhyMassageHelpsIntent"}
    assert dict(NAME_FREE.slot_of) == {
        "BenefitIntent": "benefit",
        "TellMeMoreIntent": "benefit",
        "CauseIntent": "cause",
    }
    for intent in NAME_FREE.served_as_asked:
        assert slots_of[intent] == set(), intent
    for intent, slot in NAME_FREE.slot_of.items():
        assert slot in slots_of[intent], intent
    assert (
        not (NAME_FREE.served_as_asked | set(NAME_FREE.slot_of)) & can_fulfill.HEALTH_TRIAGE_INTENTS
    )
