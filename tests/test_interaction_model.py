"""Lint of every interaction model: SMAPI shape, Alexa rules, handlers and content agree."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from massage_guide.content import content_for
from massage_guide.handlers.base import IntentHandler
from massage_guide.skill_builder import request_handlers
from massage_guide.state import LENGTHS, PACES
from skill_tools import models
from skill_tools.dialog.phrases import language_of
from skill_tools.paths import REPO_ROOT
from tests.locales import language_model

MODELS = sorted((REPO_ROOT / "interaction_models").glob("*.json"))
SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Alexa's invocation-name rules (certification): no launch or connecting words, no wake
# words or the words "skill"/"app"; these English ones hold for every language, whose own
# launch and connecting words come from skill_tools/dialog/languages/.
LAUNCH_WORDS = {
    "ask", "open", "launch", "start", "tell", "load", "begin", "enable", "run", "resume", "play",
}  # fmt: skip
CONNECTING_WORDS = {
    "to", "from", "in", "using", "with", "about", "for", "that", "by", "if", "and", "whether",
}  # fmt: skip
FORBIDDEN_IN_NAME = {"alexa", "amazon", "echo", "skill", "app", "computer"}
REQUIRED_BUILT_INS = {
    "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.FallbackIntent",
    "AMAZON.NavigateHomeIntent", "AMAZON.NextIntent", "AMAZON.PreviousIntent",
    "AMAZON.RepeatIntent", "AMAZON.StartOverIntent", "AMAZON.YesIntent", "AMAZON.NoIntent",
}  # fmt: skip


@pytest.fixture(params=MODELS, ids=[p.stem for p in MODELS])
def model(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A locale's model, with the locale it is for under "locale" (not a SMAPI field)."""
    return {**language_model(request.param.stem), "locale": request.param.stem}


def test_there_is_an_en_us_model() -> None:
    assert "en-US" in [p.stem for p in MODELS]


def test_shape_is_smapi(model: dict[str, Any]) -> None:
    assert isinstance(model["invocationName"], str)
    assert isinstance(model["intents"], list) and model["intents"]
    for intent in model["intents"]:
        assert set(intent) <= {"name", "slots", "samples"}, intent["name"]
        for slot in intent.get("slots", []):
            assert set(slot) <= {"name", "type", "samples"}
    for slot_type in model.get("types", []):
        for value in slot_type["values"]:
            assert isinstance(value["id"], str) and value["name"]["value"]


def test_invocation_name_follows_alexa_rules(model: dict[str, Any]) -> None:
    """Lower case letters of the language and spaces, two words or more, no launch words."""
    name = model["invocationName"]
    words = name.split()
    assert name == name.lower() and re.fullmatch(r"(?:[^\W\d_]| )+", name), name
    assert len(words) >= 2, "one-word invocation names need special approval"
    assert 2 <= len(name) <= 50, name
    spoken = language_of(model["locale"])
    launch = LAUNCH_WORDS | {w for verb in spoken.launch_verbs for w in verb.split()}
    launch |= {verb.split()[0] for verb in spoken.one_shot_verbs}
    assert not launch & set(words) and not FORBIDDEN_IN_NAME & set(words), name
    connecting = CONNECTING_WORDS if model["locale"].startswith("en") else set()
    assert not connecting & set(words), name


def test_every_intent_has_a_handler_and_every_handled_intent_is_in_the_model(
    model: dict[str, Any],
) -> None:
    in_model = {intent["name"] for intent in model["intents"]}
    handled = {
        name
        for handler in request_handlers()
        if isinstance(handler, IntentHandler)
        for name in handler.intents
    }
    assert in_model >= REQUIRED_BUILT_INS
    assert in_model - handled == set(), "intents nobody handles"
    assert handled - in_model == set(), "handlers for intents the model lacks"


def _normalised(sample: str, slot_types: dict[str, str] | None = None) -> str:
    """A sample with each slot replaced by its type ("{}" when types are not given)."""
    types = slot_types or {}
    return " ".join(SLOT.sub(lambda m: "{" + types.get(m[1], "") + "}", sample.lower()).split())


def test_no_sample_is_in_two_intents_or_twice_in_one(model: dict[str, Any]) -> None:
    """The same words with the same slot type in two intents would pull one request two ways.

    A carrier shared by slots of different types ("i have {cause}", "i have {sign}")
    is fine: Alexa tells them apart by the slot value, as our resolver does.
    """
    owners: dict[str, str] = {}
    for intent in model["intents"]:
        types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        samples = [_normalised(s, types) for s in intent.get("samples", [])]
        repeated = [s for s, n in Counter(samples).items() if n > 1]
        assert not repeated, f"{intent['name']} repeats {repeated}"
        for sample in samples:
            assert owners.setdefault(sample, intent["name"]) == intent["name"], (
                f"{sample!r} is in {owners[sample]} and {intent['name']}"
            )


def test_samples_use_only_declared_slots_and_every_slot_is_used(model: dict[str, Any]) -> None:
    for intent in model["intents"]:
        declared = {slot["name"] for slot in intent.get("slots", [])}
        used = {name for sample in intent.get("samples", []) for name in SLOT.findall(sample)}
        assert used <= declared, f"{intent['name']} uses undeclared {used - declared}"
        assert declared <= used, f"{intent['name']} never uses {declared - used}"


def test_samples_are_speakable(model: dict[str, Any]) -> None:
    for intent in model["intents"]:
        for sample in intent.get("samples", []):
            assert len(sample) <= 200
            assert re.fullmatch(r"(?:[^\W\d_]|['\s{}_])+", sample), f"{intent['name']}: {sample!r}"
            assert sample == sample.lower(), sample
            assert sample.split()[0] not in {"ask", "open", "launch"}, sample


def test_custom_intents_have_rich_samples(model: dict[str, Any]) -> None:
    for intent in model["intents"]:
        if not intent["name"].startswith("AMAZON."):
            assert len(intent.get("samples", [])) >= 20, intent["name"]


def carriers_by_type(model: dict[str, Any]) -> dict[str, set[str]]:
    """For each slot type, the samples that carry it, with the slot written as "{}"."""
    carriers: dict[str, set[str]] = {}
    for intent in model["intents"]:
        types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            for name in SLOT.findall(sample):
                carriers.setdefault(types[name], set()).add(_normalised(sample))
    return carriers


def test_slot_types_are_declared_and_synonyms_unambiguous(model: dict[str, Any]) -> None:
    """One phrase, one value within a type; across types only where no carrier is shared.

    "stress" can be a benefit ("what about stress") and a cause ("my back hurts
    from stress") because no sentence carries both types; Alexa tells them apart
    by the words around the slot.
    """
    declared = {t["name"] for t in model.get("types", [])}
    for intent in model["intents"]:
        for slot in intent.get("slots", []):
            assert slot["type"] in declared or slot["type"].startswith("AMAZON.")
    carriers = carriers_by_type(model)
    seen: dict[str, tuple[str, str]] = {}
    for slot_type in model["types"]:
        for value in slot_type["values"]:
            for word in [value["name"]["value"], *value["name"].get("synonyms", [])]:
                key = " ".join(word.lower().split())
                owner = (slot_type["name"], value["id"])
                first = seen.setdefault(key, owner)
                if first == owner:
                    continue
                assert first[0] != owner[0], f"{word!r}: {first} and {owner} in one type"
                shared = carriers.get(first[0], set()) & carriers.get(owner[0], set())
                assert not shared, f"{word!r} is {first} and {owner}, both carried by {shared}"


def test_slot_value_ids_and_content_match_both_ways(model: dict[str, Any]) -> None:
    words = content_for(model["locale"])
    ids = {t["name"]: {v["id"] for v in t["values"]} for t in model["types"]}
    assert ids["BenefitType"] == {b.id for b in words.benefits}
    assert ids["BackPainCause"] == set(words.causes)
    assert ids["AnswerLength"] == set(LENGTHS)
    assert ids["SpeechPace"] == set(PACES)
    for cause in words.causes.values():
        assert all(words.benefit(i) for i in cause.benefit_ids), cause.id


def test_the_issue_examples_are_samples() -> None:
    model = language_model("en-US")
    samples = {
        intent["name"]: {_normalised(s) for s in intent.get("samples", [])}
        for intent in model["intents"]
    }
    assert "why does massage help my back" in samples["WhyMassageHelpsIntent"]
    assert "how massage helps {}" in samples["BenefitIntent"]


def structure(model: dict[str, Any]) -> dict[str, Any]:
    """What every locale's model must share: intents, their slots, slot types and value ids."""
    return {
        "intents": {
            intent["name"]: sorted((s["name"], s["type"]) for s in intent.get("slots", []))
            for intent in model["intents"]
        },
        "types": {t["name"]: sorted(v["id"] for v in t["values"]) for t in model["types"]},
    }


def test_every_locale_has_the_structure_of_en_us(model: dict[str, Any]) -> None:
    assert structure(model) == structure(language_model("en-US"))


def test_the_models_of_one_language_are_in_step() -> None:
    assert models.out_of_step() == [], "run: .venv/bin/python -m skill_tools.models"


def test_every_cause_carrier_also_carries_a_warning_sign(model: dict[str, Any]) -> None:
    """The slot value decides between a cause and a warning sign, never the wording around it."""
    samples = {i["name"]: set(i["samples"]) for i in model["intents"]}
    carriers = {s for s in samples["CauseIntent"] if "{cause}" in s}  # a bare complaint has none
    mirrored = {s.replace("{cause}", "{sign}") for s in carriers}
    assert mirrored - samples["WarningSignIntent"] == set()
