"""Safe and honest: warning signs go to a doctor first, unanswerable questions get an honest answer.

Everything goes through the shipped interaction model (the local resolver) and
the real lambda_handler, as a listener would say it.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from massage_guide.content import content_for
from massage_guide.triage import DOCTOR_FIRST_SIGNS, LIMIT_TOPICS, URGENT_SIGNS
from skill_tools.dialog import LocalDialog, Turn
from skill_tools.dialog.resolver import Resolver, normalise
from skill_tools.paths import REPO_ROOT
from tests.support import checked

TEXT = content_for("en-US")
MODEL_PATH = REPO_ROOT / "interaction_models" / "en-US.json"
LANGUAGE_MODEL = json.loads(MODEL_PATH.read_text())["interactionModel"]["languageModel"]

WARNING_PHRASES: dict[str, list[str]] = {
    "bladder_bowel": [
        "I can't control my bladder and my back hurts",
        "I've lost control of my bowels",
        "my back hurts and I have incontinence",
    ],
    "saddle_numbness": [
        "I have numbness around my groin",
        "my back hurts and my bum is numb",
        "I've got numbness between my legs",
    ],
    "leg_numbness": [
        "I have numbness in my legs",
        "my legs feel weak and my back hurts",
        "I have back pain and pins and needles in my legs",
    ],
    "serious_fall": [
        "I fell and now my back really hurts",
        "my back hurts after a car accident",
        "I had a bad fall",
    ],
    "fever": [
        "I have a fever and back pain",
        "my back hurts and I have a high temperature",
        "back pain with night sweats",
    ],
    "pregnancy": [
        "I'm pregnant and my back hurts",
        "is massage safe when you're pregnant",
        "I'm expecting a baby",
    ],
    "osteoporosis": [
        "I have osteoporosis",
        "is massage safe if I have brittle bones",
        "my back hurts and I have weak bones",
    ],
    "cancer": [
        "I've had cancer",
        "can I get a massage with chemo",
        "I have back pain and a history of cancer",
    ],
    "surgery": [
        "I just had surgery",
        "I had back surgery",
        "is massage safe with recent surgery",
    ],
    "blood_thinners": [
        "I'm on blood thinners",
        "I take warfarin",
        "can I get a massage with blood thinning medication",
    ],
    "disc": [
        "I have a slipped disc",
        "I've got a herniated disc",
        "is massage safe if I have a bulging disc",
    ],
    "sciatica": [
        "I have sciatica",
        "I have pain shooting down my leg",
        "my back hurts and I have a trapped nerve",
    ],
    "severe_pain": [
        "I have severe back pain",
        "I have back pain that won't go away",
        "I have pain that's worse at night",
    ],
    "weight_loss": [
        "I have unexplained weight loss",
        "my back hurts and I'm losing weight without trying",
        "I have back pain and sudden weight loss",
    ],
    "injury": [
        "I have back pain from an injury",
        "I hurt my back lifting",
        "I have a sports injury",
    ],
    "medical_condition": [
        "I have a medical condition",
        "is massage safe with my condition",
        "can I get a massage with a heart condition",
    ],
}
BENEFIT_WORDS = sorted(
    {b.name.lower() for b in TEXT.benefits} | {b.title.lower() for b in TEXT.benefits}
)
PITCH = re.compile(r"massage (?:may|can|could|will) (?:help|ease|relieve)", re.IGNORECASE)

LIMIT_PHRASES: dict[str, list[str]] = {
    "cost": [
        "how much does a massage cost",
        "does insurance cover massage",
        "is massage expensive",
    ],
    "frequency": [
        "how often should I get a massage",
        "how long should a massage be",
        "how many sessions will I need",
    ],
    "massage_type": [
        "what type of massage is best for back pain",
        "should I get a deep tissue massage",
        "is thai massage good for my back",
    ],
    "self_massage": [
        "can I massage my own back",
        "are massage chairs any good",
        "should I use a foam roller",
    ],
    "aftereffects": [
        "will I be sore after a massage",
        "does massage have side effects",
        "why does my back hurt after a massage",
    ],
    "finding": [
        "find a massage therapist near me",
        "how do I find a massage therapist",
        "can you book a massage",
    ],
}


@pytest.fixture
def dialog() -> LocalDialog:
    from lambda_function import lambda_handler

    dialog = LocalDialog(handler=checked(lambda_handler))
    dialog.say("open back massage guide")
    return dialog


def test_every_warning_sign_has_phrasings_and_a_tier() -> None:
    ids = {value["id"] for t in LANGUAGE_MODEL["types"] if t["name"] == "WarningSign"
           for value in t["values"]}  # fmt: skip
    assert ids == set(WARNING_PHRASES) == URGENT_SIGNS | DOCTOR_FIRST_SIGNS
    assert not URGENT_SIGNS & DOCTOR_FIRST_SIGNS
    assert all(len(phrases) >= 3 for phrases in WARNING_PHRASES.values())


def assert_safety_answer(turn: Turn, urgent: bool) -> None:
    said = turn.speech
    assert turn.intent == "WarningSignIntent", (turn.user, turn.intent, turn.slots)
    first_sentence = said.split(".")[0].lower()
    assert "doctor" in first_sentence or "medical help" in first_sentence, said
    if urgent:
        assert said.startswith(TEXT.prompt("safety_urgent")) and "right away" in said
    else:
        assert said.startswith(TEXT.prompt("safety_doctor"))
    lowered = said.lower()
    assert not [word for word in BENEFIT_WORDS if word in lowered], said
    assert not PITCH.search(said), said
    assert not turn.ended and said.rstrip().endswith("?"), said
    assert turn.card is not None and turn.card.text == said.split(" Is there")[0]
    assert len(said.split()) <= 45, said


@pytest.mark.parametrize(
    ("sign", "phrase"),
    [(sign, phrase) for sign, phrases in WARNING_PHRASES.items() for phrase in phrases],
)
def test_a_warning_sign_gets_a_doctor_first_and_no_massage_pitch(
    dialog: LocalDialog, sign: str, phrase: str
) -> None:
    turn = dialog.say(phrase)
    assert turn.slots.get("sign", {}).get("id") in (sign, None), turn.slots
    assert_safety_answer(turn, urgent=sign in URGENT_SIGNS)
    if turn.slots.get("sign", {}).get("id") is None:
        assert sign in DOCTOR_FIRST_SIGNS  # unplaced words get the careful answer, never less


def test_a_warning_sign_leaves_the_conversation_state_as_it_was(dialog: LocalDialog) -> None:
    dialog.say("walk me through them")
    before = {
        k: v for k, v in dialog.attributes["conversation"].items() if not k.startswith("last")
    }
    dialog.say("I'm pregnant and my back hurts")
    after = {k: v for k, v in dialog.attributes["conversation"].items() if not k.startswith("last")}
    before.pop("pending", None)
    assert after == before
    assert "pregnan" not in json.dumps(dialog.attributes)


def test_warning_signs_are_not_logged(
    dialog: LocalDialog, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for phrases in WARNING_PHRASES.values():
        dialog.say(phrases[0])
    logged = caplog.text.lower()
    for sign, phrases in WARNING_PHRASES.items():
        assert sign not in logged
        for phrase in phrases:
            assert normalise(phrase) not in normalise(logged), phrase


def test_no_cause_synonym_or_sample_maps_a_warning_sign_to_a_benign_cause() -> None:
    resolver = Resolver(json.loads(MODEL_PATH.read_text()))
    types = {t["name"]: t["values"] for t in LANGUAGE_MODEL["types"]}
    warnings = [
        phrase
        for value in types["WarningSign"]
        for phrase in (value["name"]["value"], *value["name"].get("synonyms", []))
    ]
    [cause_intent] = [i for i in LANGUAGE_MODEL["intents"] if i["name"] == "CauseIntent"]
    wrong = [
        (sample, phrase)
        for sample in cause_intent["samples"]
        for phrase in warnings
        if resolver.resolve(sample.replace("{cause}", phrase)).intent == "CauseIntent"
    ]
    assert wrong == []
    warning_words = re.compile(
        r"injur|accident|fall|fell|crash|numb|bladder|bowel|fever|pregnan|surgery|operation|"
        r"cancer|disc\b|sciatica|nerve|hurt my back|severe|won't go away"
    )
    cause_words = [
        phrase
        for value in types["BackPainCause"]
        for phrase in (value["name"]["value"], *value["name"].get("synonyms", []))
    ] + cause_intent["samples"]
    assert [w for w in cause_words if warning_words.search(w)] == []


def test_an_unrecognised_cause_gets_a_safe_answer_not_a_menu(dialog: LocalDialog) -> None:
    turn = dialog.intent("CauseIntent", cause="my kidneys")
    assert "doctor" in turn.speech
    for cause in TEXT.causes.values():
        assert cause.name not in turn.speech
    assert turn.speech.rstrip().endswith("?") and not turn.ended


@pytest.mark.parametrize(
    ("topic", "phrase"),
    [(topic, phrase) for topic, phrases in LIMIT_PHRASES.items() for phrase in phrases],
)
def test_a_question_the_article_does_not_answer_gets_an_honest_answer(
    dialog: LocalDialog, topic: str, phrase: str
) -> None:
    turn = dialog.say(phrase)
    assert turn.intent != "AMAZON.FallbackIntent", phrase
    assert LIMIT_TOPICS.get(turn.intent or "") == topic, (phrase, turn.intent)
    assert turn.speech.startswith(TEXT.limits[topic])
    assert "can't" in turn.speech.split(".")[0]
    assert re.search(r"therapist|doctor|insurer|clinic", TEXT.limits[topic])
    assert turn.speech.endswith("?") and not turn.ended
    offered = dialog.say("yes")
    assert TEXT.overview in offered.speech


def test_every_limit_topic_has_an_answer_and_an_intent() -> None:
    assert set(LIMIT_TOPICS.values()) == set(TEXT.limits) == set(LIMIT_PHRASES)
    in_model = {intent["name"] for intent in LANGUAGE_MODEL["intents"]}
    assert set(LIMIT_TOPICS) <= in_model


@pytest.mark.parametrize(
    "phrase",
    ["can massage cure my back pain", "does massage cure back pain", "can massage fix my back"],
)
def test_the_cure_question_gets_an_honest_no_first(dialog: LocalDialog, phrase: str) -> None:
    turn = dialog.say(phrase)
    assert turn.intent == "CureQuestionIntent"
    assert turn.speech.startswith("Massage isn't a cure, but it may help ease back pain.")
    assert TEXT.overview in turn.speech and not turn.ended


@pytest.mark.parametrize("phrase", ["what is massage therapy", "what does a massage therapist do"])
def test_what_massage_therapy_is_comes_from_the_article_definition(
    dialog: LocalDialog, phrase: str
) -> None:
    turn = dialog.say(phrase)
    assert turn.intent == "WhatIsMassageIntent"
    for tissue in ("muscles", "tendons", "ligaments", "connective tissue", "hands"):
        assert tissue in turn.speech
    assert turn.speech.endswith("?")
    assert TEXT.overview in dialog.say("yes").speech


@pytest.mark.parametrize(
    "phrase", ["where does this come from", "who wrote this", "is this medical advice"]
)
def test_the_source_question_names_one_general_article(dialog: LocalDialog, phrase: str) -> None:
    turn = dialog.say(phrase)
    assert turn.intent == "SourceIntent"
    assert "one general article" in turn.speech and "not medical advice" in turn.speech
    declined = dialog.say("no")
    assert not declined.ended and TEXT.overview not in declined.speech


def test_the_tour_and_the_read_through_end_with_the_therapist_advice(dialog: LocalDialog) -> None:
    dialog.say("walk me through them")
    for _ in range(6):
        dialog.say("next")
    assert TEXT.therapist_tip in dialog.turns[-1].speech
    read = LocalDialog(handler=dialog.handler).say("ask back massage guide to read them all")
    assert TEXT.therapist_tip in read.speech and read.ended
