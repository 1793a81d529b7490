"""The local resolver against the interaction model we ship."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from skill_tools.dialog.phrases import normalise
from skill_tools.dialog.resolver import CONFIDENCE_THRESHOLD, FALLBACK, Resolver
from skill_tools.paths import REPO_ROOT

MODEL_PATH = REPO_ROOT / "interaction_models" / "en-US.json"


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    """The process's shared resolver of the model, the one every LocalDialog in en-US uses."""
    return Resolver.from_file(MODEL_PATH)


def canonical(model: dict[str, Any], type_name: str, value_id: str) -> str:
    for slot_type in model["interactionModel"]["languageModel"]["types"]:
        if slot_type["name"] == type_name:
            for value in slot_type["values"]:
                if value["id"] == value_id:
                    return str(value["name"]["value"])
    raise AssertionError(f"{type_name} has no value {value_id}")


def test_normalise_lowers_expands_contractions_and_drops_punctuation() -> None:
    assert normalise("I'm  Stretching—read them OUT!") == "i am stretching read them out"
    assert normalise("I’ve got a desk-job, can't bend") == "i have got a desk job cannot bend"
    assert normalise("What's on the list? 7 benefits") == "what is on the list seven benefits"


@pytest.mark.parametrize(
    "text",
    [
        "open back massage guide",
        "Alexa, launch Back Massage Guide!",
        "start back massage guide",
        "talk to back massage guide",
        "ask back massage guide",
    ],
)
def test_invocation_alone_is_a_launch_request(resolver: Resolver, text: str) -> None:
    resolution = resolver.resolve(text)
    assert resolution.request_type == "LaunchRequest"
    assert resolution.intent is None
    assert resolution.invoked and not resolution.one_shot


def test_one_shot_resolves_the_rest_with_its_slot(
    resolver: Resolver, model: dict[str, Any]
) -> None:
    resolution = resolver.resolve("ask back massage guide how massage helps posture")
    assert resolution.request_type == "IntentRequest"
    assert resolution.one_shot
    assert resolution.intent == "BenefitIntent"
    slot = resolution.slots["benefit"]
    assert (slot.value, slot.id) == ("posture", "posture")
    assert slot.canonical == canonical(model, "BenefitType", "posture")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("tell back massage guide about blood flow", "BenefitIntent"),
        ("ask back massage guide to read them all", "ReadThroughIntent"),
        ("ask back massage guide for help", "AMAZON.HelpIntent"),
        ("ask back massage guide whether massage is good for my back", "WhyMassageHelpsIntent"),
        ("ask back massage guide what can you tell me about", "ListBenefitsIntent"),
    ],
)
def test_one_shot_connecting_words(resolver: Resolver, text: str, intent: str) -> None:
    resolution = resolver.resolve(text)
    assert resolution.one_shot
    assert resolution.intent == intent


def test_synonym_resolves_to_the_value_id(resolver: Resolver, model: dict[str, Any]) -> None:
    resolution = resolver.resolve("how does massage help blood flow")
    assert resolution.intent == "BenefitIntent"
    assert not resolution.one_shot
    slot = resolution.slots["benefit"]
    assert slot.value == "blood flow"
    assert slot.id == "circulation"
    assert slot.canonical == canonical(model, "BenefitType", "circulation")
    assert slot.matched


def test_longest_slot_value_wins(resolver: Resolver) -> None:
    resolution = resolver.resolve("my back hurts from sitting at a desk all day")
    assert resolution.intent == "CauseIntent"
    assert resolution.slots["cause"].value == "sitting at a desk all day"
    assert resolution.slots["cause"].id == "sitting"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("help", "AMAZON.HelpIntent"),
        ("stop", "AMAZON.StopIntent"),
        ("cancel", "AMAZON.CancelIntent"),
        ("never mind", "AMAZON.CancelIntent"),
        ("next", "AMAZON.NextIntent"),
        ("previous", "AMAZON.PreviousIntent"),
        ("go back", "AMAZON.PreviousIntent"),
        ("repeat", "AMAZON.RepeatIntent"),
        ("say that again", "AMAZON.RepeatIntent"),
        ("start over", "AMAZON.StartOverIntent"),
        ("yes", "AMAZON.YesIntent"),
        ("Yeah!", "AMAZON.YesIntent"),
        ("sure", "AMAZON.YesIntent"),
        ("no", "AMAZON.NoIntent"),
        ("nope", "AMAZON.NoIntent"),
        ("go home", "AMAZON.NavigateHomeIntent"),
    ],
)
def test_built_in_intents(resolver: Resolver, text: str, intent: str) -> None:
    resolution = resolver.resolve(text)
    assert resolution.intent == intent
    assert resolution.slots == {}


@pytest.mark.slow
def test_built_in_phrases_only_for_built_ins_the_model_declares(model: dict[str, Any]) -> None:
    trimmed = copy.deepcopy(model)
    language = trimmed["interactionModel"]["languageModel"]
    language["intents"] = [i for i in language["intents"] if i["name"] != "AMAZON.NextIntent"]
    assert Resolver(trimmed).resolve("next").intent != "AMAZON.NextIntent"


def test_contractions_in_samples_meet_contractions_typed(resolver: Resolver) -> None:
    assert resolver.resolve("I'm stretching, read them out!").intent == "ReadThroughIntent"
    assert resolver.resolve("i am stretching read them out").intent == "ReadThroughIntent"
    cause = resolver.resolve("I’ve got a desk job")  # typographic apostrophe
    assert cause.intent == "CauseIntent"
    assert cause.slots["cause"].id == "sitting"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("why does a massage help my back", "WhyMassageHelpsIntent"),
        ("why does massage help my bak", "WhyMassageHelpsIntent"),
        ("please walk me through all the benefits", "StartTourIntent"),
    ],
)
def test_near_misses_resolve_through_the_classifier(
    resolver: Resolver, text: str, intent: str
) -> None:
    resolution = resolver.resolve(text)
    assert resolution.intent == intent
    assert resolution.method == "classifier"
    assert CONFIDENCE_THRESHOLD <= resolution.confidence < 1.0
    assert [name for name, _ in resolution.runners_up] != [intent]
    assert len(resolution.runners_up) == 2


def test_a_classified_request_keeps_a_recognised_slot_value(resolver: Resolver) -> None:
    resolution = resolver.resolve("could massage improve my posture please")
    assert resolution.intent == "BenefitIntent"
    assert resolution.method == "classifier"
    assert resolution.slots["benefit"].id == "posture"
    assert resolution.slots["benefit"].status == "ER_SUCCESS_MATCH"


@pytest.mark.parametrize("text", ["purple monkey dishwasher", "zxqv blorp", "the cat sat"])
def test_gibberish_goes_to_fallback_or_the_safe_default(resolver: Resolver, text: str) -> None:
    """The fallback, as on Alexa; or, with the warning signs' large catalog of everyday words
    pulling unsure guesses (docs/nlu-evaluation.md), WarningSignIntent with no sign at all,
    which the skill answers with the safe default. Never a named sign, never a benefit."""
    resolution = resolver.resolve(text)
    if resolution.intent == "WarningSignIntent":
        assert not any(slot.matched for slot in resolution.slots.values())
        return
    assert resolution.intent == FALLBACK
    assert resolution.method == "fallback"
    assert resolution.slots == {}
    assert FALLBACK not in dict(resolution.runners_up)


def test_unknown_slot_value_passes_through_unresolved(resolver: Resolver) -> None:
    resolution = resolver.resolve("tell me about quantum physics")
    assert resolution.intent == "BenefitIntent"
    assert resolution.method == "classifier"
    slot = resolution.slots["benefit"]
    assert slot.value == "quantum physics"
    assert slot.id is None and slot.canonical is None
    assert not slot.matched and slot.status == "ER_SUCCESS_NO_MATCH"


def test_leading_article_does_not_stop_entity_resolution(resolver: Resolver) -> None:
    resolution = resolver.resolve("i have the stiffness")
    assert resolution.intent == "CauseIntent"
    assert resolution.method == "classifier"
    assert resolution.slots["cause"].value == "the stiffness"
    assert resolution.slots["cause"].id == "stiffness"


def _spread(
    phrases: list[tuple[str, str]], carriers: list[str], sample: str
) -> list[tuple[str, str]]:
    """The phrases this carrier is tried with: every phrase lands in at least three carriers
    and every carrier gets at least three phrases. The whole product (a thousand warning-sign
    phrases in hundreds of carriers) would take the better part of an hour."""
    index, count = carriers.index(sample), len(carriers)
    chosen = {
        phrase
        for position, phrase in enumerate(phrases)
        for step in (1, 7, 13)
        if (position * step + step) % count == index
    }
    chosen.update(phrases[(index * 5 + k) % len(phrases)] for k in range(3))
    return sorted(chosen)


def _two_slot_fills(
    sample: str,
    names: list[str],
    spread: list[tuple[str, str]],
    phrases: list[tuple[str, str]],
) -> list[tuple[str, list[str]]]:
    """Each spread phrase in the first slot with another value's phrase in the second; phrases
    holding one of the carrier's own words ("numb legs and feet" in "{sign} and {second_sign}")
    are left out, since no listener's two signs could be told apart there either."""
    literal = set(re.sub(r"\{\w+\}", " ", sample).split())
    usable = [(p, i) for p, i in phrases if not literal & set(p.split())]
    fills = []
    for offset, (phrase, value_id) in enumerate(spread):
        if literal & set(phrase.split()):
            continue
        other, other_id = next(
            (p, i) for p, i in usable[offset * 37 % len(usable) :] + usable if i != value_id
        )
        text = sample.replace("{" + names[0] + "}", phrase).replace("{" + names[1] + "}", other)
        fills.append((text, [value_id, other_id]))
    return fills


@pytest.mark.slow
def test_every_sample_with_every_slot_value_resolves_to_its_own_intent(
    model: dict[str, Any],
) -> None:
    """The model is unambiguous to our resolver: each sample comes back as its intent."""
    resolver = Resolver.from_file(MODEL_PATH)
    language = model["interactionModel"]["languageModel"]
    values = {t["name"]: t["values"] for t in language["types"]}
    carriers = {
        intent["name"]: [s for s in intent.get("samples", []) if "{" in s]
        for intent in language["intents"]
    }
    wrong = []
    checked = 0
    for intent in language["intents"]:
        types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            names = re.findall(r"\{(\w+)\}", sample)
            fills: list[tuple[str, list[str]]] = [(sample, [])]
            if names:
                # One slot, or two of the same type ("{sign} since {second_sign}").
                phrases = [
                    (phrase, value["id"])
                    for value in values[types[names[0]]]
                    for phrase in (value["name"]["value"], *value["name"].get("synonyms", []))
                ]
                spread = _spread(phrases, carriers[intent["name"]], sample)
                fills = [
                    (sample.replace("{" + names[0] + "}", phrase), [value_id])
                    for phrase, value_id in spread
                ]
                if len(names) == 2:
                    fills = _two_slot_fills(sample, names, spread, phrases)
            for text, value_ids in fills:
                checked += 1
                resolution = resolver.resolve(text)
                ids = [s.id for s in resolution.slots.values()]
                if resolution.intent != intent["name"] or (value_ids and ids != value_ids):
                    wrong.append((text, intent["name"], resolution.intent, ids))
    assert checked > 1000
    assert wrong == []


@pytest.mark.slow
def test_resolution_is_deterministic(model: dict[str, Any]) -> None:
    texts = ["why does a massage help my back", "tell me about the weather", "next", "blorp"]
    first = [Resolver(model).resolve(t) for t in texts]
    second = [Resolver(model).resolve(t) for t in texts]
    assert first == second


def test_normalise_keeps_the_letters_of_every_language() -> None:
    from skill_tools.dialog.phrases import Language

    minimal = {"built_in_phrases": {}, "launch_verbs": [], "one_shot_verbs": [],
               "connectors": [], "articles": [], "numbers": {"7": "sieben"}}  # fmt: skip
    german = Language.from_data("de", minimal)
    assert german.normalise("Mein RÜCKEN tut weh, große Schmerzen!") == (
        "mein rücken tut weh große schmerzen"
    )
    assert german.normalise("Alle 7 Vorteile") == "alle sieben vorteile"
    spanish = Language.from_data("es", {**minimal, "numbers": {}})
    assert spanish.normalise("¿Qué es la MASAJE-terapia?") == "qué es la masaje terapia"
    assert spanish.normalise("Me duele la espalda…¡mucho!") == "me duele la espalda mucho"
    # a decomposed accent (e + combining acute) meets the composed one
    assert spanish.normalise("masaje te\u0301rmico") == spanish.normalise("masaje térmico")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("okay next", "AMAZON.NextIntent"),
        ("repeat that please", "AMAZON.RepeatIntent"),
        ("um start over", "AMAZON.StartOverIntent"),
        ("okay", "AMAZON.YesIntent"),
        ("no thanks", "AMAZON.NoIntent"),
    ],
)
def test_a_courtesy_word_around_a_request_changes_nothing(
    resolver: Resolver, text: str, intent: str
) -> None:
    assert resolver.resolve(text).intent == intent


def test_a_courtesy_word_does_not_end_up_in_a_slot(resolver: Resolver) -> None:
    resolution = resolver.resolve("tell me about blood flow please")
    assert (resolution.intent, resolution.method) == ("BenefitIntent", "exact")
    assert resolution.slots["benefit"].id == "circulation"


def test_a_close_near_miss_beats_words_passed_through_unresolved(resolver: Resolver) -> None:
    """'what is {benefit}' could carry "massage therapy anyway"; a near sample means more."""
    assert resolver.resolve("what is massage therapy anyway").intent == "WhatIsMassageIntent"
    unknown = resolver.resolve("tell me about quantum physics")
    assert (unknown.intent, unknown.method) == ("BenefitIntent", "classifier")
    assert unknown.slots["benefit"].status == "ER_SUCCESS_NO_MATCH"
