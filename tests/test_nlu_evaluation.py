"""The NLU evaluation sets: Amazon's annotation format, realistic, and understood by our model.

Every locale of the manifest has a set in interaction_models/nlu-evaluation/ in
two parts kept apart, blind/ and tuning/ (they share no utterance), checked the
same way: each file is exactly what the NLU annotation set API takes, every
expectation exists in interaction_models/<locale>.json, every custom intent,
every value a listener can name and every built-in the skill relies on is asked,
few utterances are copies of samples, and the local NLU gets at least
TARGETS[part] of them right (intent and slot ids), and every warning sign and
honest limit of the tuning part right.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path
from typing import Any, Final

import pytest

from massage_guide.triage import LIMIT_TOPICS
from skill_tools import nlu_evaluation
from skill_tools.dialog.phrases import normalise
from skill_tools.nlu_evaluation import (
    MODELS,
    PARTS,
    SETS,
    SLOT_IDS_SUFFIX,
    TARGETS,
    Annotation,
    Outcome,
    Part,
    evaluate,
    load,
    locales,
    main,
    read_json,
    set_path,
    share_right,
    slot_ids_path,
)
from tests.locales import LOCALES as MANIFEST_LOCALES
from tests.locales import language_model

LOCALES = locales()
SETS_PRESENT = [
    (locale, part) for locale in LOCALES for part in PARTS if set_path(locale, part).exists()
]
LOCALE_NAME = re.compile(r"[a-z]{2}-[A-Z]{2}")
MINIMUM_UTTERANCES = {"en-US": 150}
DEFAULT_MINIMUM_UTTERANCES = 80
MAX_COPIES_OF_SAMPLES = 1 / 5
RELIED_ON_BUILT_INS = {
    "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.NextIntent", "AMAZON.PreviousIntent",
    "AMAZON.RepeatIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.StartOverIntent",
}  # fmt: skip
SAFETY_CRITICAL = {"WarningSignIntent", *LIMIT_TOPICS}
SLOT = re.compile(r"\{(\w+)\}")


@functools.cache
def outcomes(locale: str, part: Part = "tuning") -> tuple[Outcome, ...]:
    return tuple(evaluate(locale, part))


def annotations_of(locale: str) -> list[Annotation]:
    """Both parts of a locale's set."""
    return [a for part in PARTS if set_path(locale, part).exists() for a in load(locale, part)]


def value_ids(locale: str) -> dict[str, set[str]]:
    """Slot type -> its value ids."""
    return {t["name"]: {v["id"] for v in t["values"]} for t in language_model(locale)["types"]}


def slot_types(locale: str) -> dict[str, dict[str, str]]:
    """Intent -> slot name -> slot type."""
    return {
        intent["name"]: {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for intent in language_model(locale)["intents"]
    }


@pytest.fixture(params=LOCALES)
def locale(request: pytest.FixtureRequest) -> str:
    return str(request.param)


COVERING: Final = ("en-US", "es-ES", "de-DE")
"""The sets that cover every intent, value and warning sign of their language's model; the
regional sets (en-GB, es-MX, ...) add everyday phrasings in the region's words, and every
locale's warning signs are measured in interaction_models/safety-evaluation."""


@pytest.fixture(params=COVERING)
def covering_locale(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=SETS_PRESENT, ids=lambda pair: f"{pair[0]}-{pair[1]}")
def locale_part(request: pytest.FixtureRequest) -> tuple[str, Part]:
    locale, part = request.param
    return str(locale), part


def test_every_file_is_a_locale_set_or_its_slot_ids_in_a_part() -> None:
    assert "en-US" in LOCALES
    assert sorted(p.name for p in SETS.iterdir()) == sorted(PARTS)
    for part in PARTS:
        for path in (SETS / part).iterdir():
            if path.name == "README.md":
                continue
            locale = path.name.removesuffix(SLOT_IDS_SUFFIX).removesuffix(".json")
            assert LOCALE_NAME.fullmatch(locale), (
                f"{part}/{path.name}: not <locale>.json or <locale>{SLOT_IDS_SUFFIX}"
            )
            assert set_path(locale, part).exists() and slot_ids_path(locale, part).exists()
            assert (MODELS / f"{locale}.json").exists(), f"{path.name} has no interaction model"


def test_every_locale_of_the_manifest_has_a_tuning_and_a_blind_part() -> None:
    """Issue 18: a blind part (written by people who never read the model) for every locale.

    No skip and no xfail: until a locale's blind batch is imported
    (`python -m skill_tools.nlu_evaluation import-batch FILE LOCALE --part blind`),
    this fails and names what is missing.
    """
    missing = [
        f"{part}/{locale}.json"
        for locale in MANIFEST_LOCALES
        for part in PARTS
        if not set_path(locale, part).exists()
    ]
    assert missing == []


def test_tuning_and_blind_share_no_utterance(locale: str) -> None:
    """A blind utterance copied into tuning (or the reverse) would flatter the blind figure."""
    said = {
        part: {normalise(a.utterance, locale) for a in load(locale, part)}
        for part in PARTS
        if set_path(locale, part).exists()
    }
    assert said.get("blind", set()) & said.get("tuning", set()) == set()


def test_the_set_is_exactly_the_ask_annotation_format(locale_part: tuple[str, Part]) -> None:
    """What `ask smapi update-annotations-for-nlu-annotation-sets` uploads as application/json."""
    locale, part = locale_part
    raw = read_json(set_path(locale, part))
    assert set(raw) == {"data"} and isinstance(raw["data"], list) and raw["data"]
    for entry in raw["data"]:
        assert set(entry) == {"inputs", "expected"}, entry
        assert set(entry["inputs"]) == {"utterance"}, entry
        utterance = entry["inputs"]["utterance"]
        assert isinstance(utterance, str) and utterance == " ".join(utterance.split()), entry
        assert re.fullmatch(r"[^\W\d_][\w' ]*", utterance), f"{utterance!r}: words only, as spoken"
        [expected] = entry["expected"]
        assert set(expected) == {"intent"} and set(expected["intent"]) <= {"name", "slots"}
        for slot in expected["intent"].get("slots", {}).values():
            assert set(slot) == {"value"} and isinstance(slot["value"], str), entry


def test_a_locale_has_enough_utterances(covering_locale: str) -> None:
    locale = covering_locale
    minimum = MINIMUM_UTTERANCES.get(locale, DEFAULT_MINIMUM_UTTERANCES)
    count = len(annotations_of(locale))
    assert count >= minimum, f"{locale}: {count} utterances, {minimum} needed"


def test_utterances_are_said_inside_the_skill_and_only_once(locale: str) -> None:
    """The set tests the model, not the invocation: no wake word, no "ask back massage guide"."""
    invocation = normalise(language_model(locale)["invocationName"], locale)
    said = [normalise(a.utterance, locale) for a in annotations_of(locale)]
    assert [s for s in said if invocation in s or s.startswith("alexa")] == []
    assert sorted(s for s in set(said) if said.count(s) > 1) == []


def test_every_expectation_exists_in_the_model(locale_part: tuple[str, Part]) -> None:
    locale, part = locale_part
    types, ids = slot_types(locale), value_ids(locale)
    slot_ids = read_json(slot_ids_path(locale, part))
    used: set[tuple[str, str]] = set()
    for annotation in load(locale, part):
        assert annotation.intent in types, annotation
        for name, words in annotation.values.items():
            assert name in types[annotation.intent], f"{annotation.intent} has no slot {name}"
            assert re.search(rf"(?<!\S){re.escape(words)}(?!\S)", annotation.utterance), annotation
            assert annotation.ids[name] in ids[types[annotation.intent][name]], annotation
            used.add((name, words))
    listed = {(name, words) for name, by_words in slot_ids.items() for words in by_words}
    assert listed - used == set(), "slot ids for words no utterance says"


def test_every_intent_and_every_value_a_listener_can_name_is_asked(covering_locale: str) -> None:
    locale = covering_locale
    annotations = annotations_of(locale)
    asked = {a.intent for a in annotations}
    custom = {name for name in slot_types(locale) if not name.startswith("AMAZON.")}
    assert custom - asked == set(), "custom intents the set never asks"
    assert RELIED_ON_BUILT_INS - asked == set(), "built-ins the skill relies on, never asked"
    named = {value_id for a in annotations for value_id in a.ids.values()}
    for type_name, type_ids in value_ids(locale).items():
        assert type_ids - named == set(), f"{type_name} values never named"


def test_warning_signs_and_honest_limits_are_plentiful(covering_locale: str) -> None:
    locale = covering_locale
    annotations = annotations_of(locale)
    critical = [a for a in annotations if a.intent in SAFETY_CRITICAL]
    assert len(critical) >= len(annotations) / 4
    assert {a.intent for a in critical} == SAFETY_CRITICAL


def copies_of_samples(locale: str, annotations: list[Annotation]) -> list[str]:
    """Utterances that are a sample of the model, with the annotated words as its slot."""
    samples = {
        normalise(SLOT.sub(lambda m: f" slot{m[1]} ", sample), locale)
        for intent in language_model(locale)["intents"]
        for sample in intent.get("samples", [])
    }
    copies = []
    for annotation in annotations:
        said = normalise(annotation.utterance, locale)
        for name, words in annotation.values.items():
            said = re.sub(
                rf"(?<!\S){re.escape(normalise(words, locale))}(?!\S)",
                f"slot{name}",
                said,
                count=1,
            )
        if said in samples:
            copies.append(annotation.utterance)
    return copies


def test_few_utterances_are_copies_of_samples(locale_part: tuple[str, Part]) -> None:
    """A set written like the samples would measure nothing."""
    locale, part = locale_part
    annotations = load(locale, part)
    copies = copies_of_samples(locale, annotations)
    assert len(copies) <= MAX_COPIES_OF_SAMPLES * len(annotations), copies


def test_copies_are_recognised_whatever_the_slot_words() -> None:
    model = language_model("en-US")
    [benefit] = [i for i in model["intents"] if i["name"] == "BenefitIntent"]
    assert "tell me about {benefit}" in benefit["samples"]
    said = [
        Annotation(
            "tell me about quantum physics", "BenefitIntent", {"benefit": "quantum physics"}, {}
        ),
        Annotation("tell me all about blood flow", "BenefitIntent", {"benefit": "blood flow"}, {}),
    ]
    assert copies_of_samples("en-US", said) == ["tell me about quantum physics"]


def test_the_local_nlu_meets_the_target_of_each_part(locale_part: tuple[str, Part]) -> None:
    """Every part of every locale at least its TARGETS share right."""
    locale, part = locale_part
    results = outcomes(locale, part)
    misses = "\n".join(outcome.describe() for outcome in results if not outcome.right)
    share = share_right(results)
    assert share >= TARGETS[part], f"{locale} {part}: {share:.1%}, misses:\n{misses}"


def test_the_targets_are_the_issues() -> None:
    assert TARGETS == {"blind": 0.92, "tuning": 0.97}
    assert PARTS[0] == "blind"  # reported first


def test_every_warning_sign_and_honest_limit_is_understood(covering_locale: str) -> None:
    """A wrong intent here means a massage pitch to someone who needs a doctor, or a guess.

    On the tuning part: those phrasings shaped the model, so each must be right.
    """
    locale = covering_locale
    if not set_path(locale, "tuning").exists():
        pytest.fail(f"{locale} has no tuning part")
    results = outcomes(locale, "tuning")
    misses = [
        o.describe() for o in results if o.annotation.intent in SAFETY_CRITICAL and not o.right
    ]
    assert misses == []


def test_a_miss_is_a_wrong_intent_or_a_wrong_slot_id() -> None:
    expected = Annotation(
        "what about blood flow",
        "BenefitIntent",
        {"benefit": "blood flow"},
        {"benefit": "circulation"},
    )
    assert Outcome(expected, "BenefitIntent", {"benefit": "circulation"}).right
    assert not Outcome(expected, "BenefitIntent", {"benefit": None}).right
    assert not Outcome(expected, "TellMeMoreIntent", {"benefit": "circulation"}).right
    assert not Outcome(expected, "BenefitIntent", {}).right


def test_the_command_prints_both_figures_blind_first_and_the_misses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["en-US"])
    printed = capsys.readouterr().out.splitlines()
    blind_line = next(i for i, line in enumerate(printed) if line.startswith("en-US blind: "))
    tuning_line = next(i for i, line in enumerate(printed) if line.startswith("en-US tuning: "))
    assert blind_line < tuning_line
    results = outcomes("en-US", "tuning")
    assert printed[tuning_line] == (
        f"en-US tuning: {len(results)} utterances, {share_right(results):.1%} right "
        "through the local NLU (target 97%)"
    )
    misses = [line for line in printed[tuning_line + 1 :] if line.startswith("  miss ")]
    assert len(misses) == sum(not o.right for o in results)
    assert main(["en-US", "--tuning-target", "1.01"]) == 1


@pytest.fixture
def sets_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the evaluation sets for the import command to write into, without en-US's
    blind part and es-MX's sets, so that the import writes those new."""
    copied = tmp_path / "nlu-evaluation"
    shutil.copytree(SETS, copied)
    for part, locale in (("blind", "en-US"), ("blind", "es-MX"), ("tuning", "es-MX")):
        for suffix in (".json", SLOT_IDS_SUFFIX):
            (copied / part / f"{locale}{suffix}").unlink()
    monkeypatch.setattr(nlu_evaluation, "SETS", copied)
    return copied


BATCH = [
    {
        "utterance": "does kneading help the blood get around",
        "intent": "BenefitIntent",
        "slots": {"benefit": {"words": "blood", "id": "circulation"}},
        "tier": "plain",
    },
    {"utterance": "what do i owe for an hour", "intent": "MassageCostIntent", "slots": {}},
]


def test_import_batch_appends_to_a_part_in_the_annotation_format(sets_copy: Path) -> None:
    batch_file = sets_copy.parent / "batch.json"
    batch_file.write_text(json.dumps(BATCH), encoding="utf-8")
    assert main(["import-batch", str(batch_file), "en-US", "--part", "blind"]) == 0
    raw = read_json(sets_copy / "blind" / "en-US.json")
    assert raw == {
        "data": [
            {
                "inputs": {"utterance": "does kneading help the blood get around"},
                "expected": [
                    {"intent": {"name": "BenefitIntent", "slots": {"benefit": {"value": "blood"}}}}
                ],
            },
            {
                "inputs": {"utterance": "what do i owe for an hour"},
                "expected": [{"intent": {"name": "MassageCostIntent"}}],
            },
        ]
    }
    assert read_json(sets_copy / "blind" / f"en-US{SLOT_IDS_SUFFIX}") == {
        "benefit": {"blood": "circulation"}
    }
    assert [a.ids for a in load("en-US", "blind")] == [{"benefit": "circulation"}, {}]
    # the same batch again adds nothing: those utterances are already in this part
    assert nlu_evaluation.import_batch(BATCH, "en-US", "blind") == 0
    assert len(load("en-US", "blind")) == 2


def test_import_batch_refuses_an_utterance_of_the_other_part(
    sets_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tuned = load("en-US", "tuning")[0].utterance
    before = (sets_copy / "tuning" / "en-US.json").read_bytes()
    batch = [*BATCH, {"utterance": tuned.upper(), "intent": "BenefitIntent", "slots": {}}]
    batch_file = sets_copy.parent / "batch.json"
    batch_file.write_text(json.dumps(batch), encoding="utf-8")
    assert main(["import-batch", str(batch_file), "en-US", "--part", "blind"]) == 2
    error = capsys.readouterr().err
    assert "nothing written" in error and "already in the tuning part" in error
    assert not (sets_copy / "blind" / "en-US.json").exists()
    assert (sets_copy / "tuning" / "en-US.json").read_bytes() == before


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"intent": "BenefitIntent"}, "no utterance"),
        ({"utterance": "hello there"}, "no intent"),
        ({"utterance": "x y", "intent": "BenefitIntent", "slots": {"benefit": "x"}}, "no words"),
        (
            {"utterance": "x y", "intent": "BenefitIntent", "slots": {"benefit": {"words": "x"}}},
            "no id",
        ),
        (
            {
                "utterance": "and more blood flow",
                "intent": "BenefitIntent",
                "slots": {"benefit": {"words": "blood flow", "id": "posture"}},
            },
            "is circulation, not posture",
        ),
        ({"utterance": "do a dance", "intent": "DanceIntent"}, "no intent DanceIntent"),
        (
            {
                "utterance": "and blood flow",
                "intent": "BenefitIntent",
                "slots": {"benefit": {"words": "blood flow", "id": "speed"}},
            },
            "not a value id",
        ),
        (
            {
                "utterance": "and blood flow",
                "intent": "BenefitIntent",
                "slots": {"mood": {"words": "blood flow", "id": "circulation"}},
            },
            "has no slot mood",
        ),
        (
            {
                "utterance": "and blood flow",
                "intent": "BenefitIntent",
                "slots": {"benefit": {"words": "circulation", "id": "circulation"}},
            },
            "does not say",
        ),
    ],
)
def test_import_batch_refuses_a_bad_entry_and_writes_nothing(
    sets_copy: Path, entry: dict[str, Any], problem: str
) -> None:
    before = sorted((p.name, p.read_bytes()) for p in (sets_copy / "tuning").iterdir())
    with pytest.raises(nlu_evaluation.BatchError, match=problem):
        nlu_evaluation.import_batch([entry], "en-US", "tuning")
    assert sorted((p.name, p.read_bytes()) for p in (sets_copy / "tuning").iterdir()) == before


def test_import_batch_refuses_a_file_that_is_not_a_list(
    sets_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch_file = sets_copy.parent / "batch.json"
    batch_file.write_text('{"utterance": "hi"}', encoding="utf-8")
    assert main(["import-batch", str(batch_file), "en-US", "--part", "blind"]) == 2
    assert "JSON list" in capsys.readouterr().err
    assert main(["import-batch", str(batch_file), "xx-XX", "--part", "blind"]) == 2


def test_a_new_locale_part_is_measured_as_soon_as_it_is_imported(
    sets_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = [
        {"utterance": "oye y cuánto sale un masaje", "intent": "MassageCostIntent", "slots": {}},
        {"utterance": "ya estuvo gracias", "intent": "AMAZON.StopIntent", "slots": {}},
    ]
    assert nlu_evaluation.import_batch(batch, "es-MX", "blind") == 2
    assert "es-MX" in locales("blind")
    main(["es-MX"])
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("es-MX blind: 2 utterances, ")
    assert printed[-1] == "es-MX tuning: no set yet (tuning/es-MX.json)"
