"""Safe and honest, in every locale: warning signs go to a doctor first, limits are admitted.

Everything goes through the locale's shipped interaction model (the local
resolver) and the real lambda_handler, as a listener would say it; what people
say comes from tests/phrases/<language>.json. Each locale's checks run in one
conversation and report every miss at once.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from massage_guide.content import Content, content_for
from massage_guide.triage import (
    CAUTION_SIGNS,
    EMERGENCY_SIGNS,
    LIMIT_TOPICS,
    URGENT_SIGNS,
    WARNING_SIGNS,
    most_urgent,
    tier_of,
)
from skill_tools.dialog import LocalDialog, Turn
from skill_tools.dialog.phrases import normalise
from skill_tools.dialog.resolver import Resolver
from skill_tools.envelopes import Listener, Session, Slot
from tests.locales import LANGUAGES, LOCALES, language_model, model_path, phrases
from tests.support import checked, speech_text


def dialog_for(locale: str) -> LocalDialog:
    from lambda_function import lambda_handler

    dialog = LocalDialog(handler=checked(lambda_handler), locale=locale)
    dialog.say(phrases(locale)["open"])
    return dialog


def value_ids(locale: str, type_name: str) -> set[str]:
    [slot_type] = [t for t in language_model(locale)["types"] if t["name"] == type_name]
    return {value["id"] for value in slot_type["values"]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_warning_sign_and_limit_has_phrasings_and_every_sign_a_tier(language: str) -> None:
    said = phrases(language)
    assert set(said["warning_signs"]) == WARNING_SIGNS
    assert not EMERGENCY_SIGNS & URGENT_SIGNS and not URGENT_SIGNS & CAUTION_SIGNS
    assert not EMERGENCY_SIGNS & CAUTION_SIGNS
    assert all(len(ways) >= 3 for ways in said["warning_signs"].values())
    assert set(said["limits"]) == set(LIMIT_TOPICS.values())
    assert all(len(ways) >= 3 for ways in said["limits"].values())


@pytest.mark.parametrize("locale", LOCALES)
def test_the_model_knows_every_sign_and_every_limit(locale: str) -> None:
    assert value_ids(locale, "WarningSign") == WARNING_SIGNS
    assert set(LIMIT_TOPICS) <= {intent["name"] for intent in language_model(locale)["intents"]}


def benefit_words(words: Content) -> list[str]:
    return [word.lower() for b in words.benefits for word in (b.name, b.title, b.line, b.summary)]


def safety_misses(turn: Turn, words: Content, tier: str) -> list[str]:
    """Why ``turn`` is not the tier's answer: that advice alone, then (unless it is an
    emergency, which ends the session) one short open question, and nothing else."""
    advice = words.prompt(f"safety_{tier}")
    misses = []
    if turn.intent != "WarningSignIntent":
        misses.append(f"{turn.user!r} went to {turn.intent} {turn.slots}")
    elif tier == "emergency":
        if turn.speech != advice or not turn.ended:
            misses.append(f"{turn.user!r} heard {turn.speech!r} (ended={turn.ended}), not {tier}")
    elif turn.speech != f"{advice} {words.prompt('safety_question')}" or turn.ended:
        misses.append(f"{turn.user!r} heard {turn.speech!r}, not the {tier} answer")
    if any(word in turn.speech.lower() for word in benefit_words(words)):
        misses.append(f"{turn.user!r}: a benefit came up in a safety answer")
    if turn.card is None or turn.card.text != advice:
        misses.append(f"{turn.user!r}: a card beyond the safety text")
    return misses


@pytest.mark.parametrize("locale", LOCALES)
def test_a_warning_sign_gets_its_tier_and_no_massage_pitch(locale: str) -> None:
    words = content_for(locale)
    dialog = dialog_for(locale)
    misses: list[str] = []
    for sign, ways in phrases(locale)["warning_signs"].items():
        for way in ways:
            if not dialog.in_session:
                dialog.launch()
            turn = dialog.say(way)
            heard = turn.slots.get("sign", {}).get("id")
            if heard != sign:
                misses.append(f"{way!r} heard as sign {heard}, not {sign}")
            misses.extend(safety_misses(turn, words, tier_of(heard)))
    assert misses == []


@pytest.mark.parametrize("locale", LOCALES)
def test_an_emergency_names_the_countrys_number_read_digit_by_digit(
    skill: Any, locale: str
) -> None:
    words = content_for(locale)
    number = words.prompt("emergency_number")
    expected = {"US": "911", "CA": "911", "MX": "911", "GB": "999", "AU": "000", "IN": "112"}
    assert number == expected.get(locale.split("-")[1], "112")
    session = Session(Listener(device="show", locale=locale))
    slot = Slot("x", "chest_pain", "x")
    answer = skill(session.intent("WarningSignIntent", {"sign": slot}), None)["response"]
    assert f'<say-as interpret-as="digits">{number}</say-as>' in answer["outputSpeech"]["ssml"]
    assert answer["shouldEndSession"] is True and "reprompt" not in answer
    assert number in answer["card"]["title"] and number in answer["card"]["content"]
    [directive] = answer["directives"]
    shown = directive["datasources"]["payload"]["card"]
    assert number in shown["title"] and number in shown["text"]
    department = {
        "en-GB": "A&E",
        "es-ES": "urgencias",
        "es-MX": "urgencias",
        "de-DE": "Notaufnahme",
    }
    spoken = words.prompt("safety_emergency").replace("sala de emergencias", "emergency")
    assert department.get(locale, "emergency") in spoken


@pytest.mark.parametrize("locale", LOCALES)
def test_an_unresolved_or_missing_sign_covers_the_emergency_first(locale: str) -> None:
    words = content_for(locale)
    number = words.prompt("emergency_number")
    unknown = words.prompt("safety_unknown")
    assert number in unknown.split(".")[0]
    dialog = dialog_for(locale)
    for slots in ({"sign": "zz something odd zz"}, {}):
        turn = dialog.intent("WarningSignIntent", **slots)
        assert turn.speech == f"{unknown} {words.prompt('safety_question')}", slots
        assert not turn.ended and turn.card is not None and turn.card.text == unknown
        assert not any(word in turn.speech.lower() for word in benefit_words(words))


@pytest.mark.parametrize("locale", LOCALES)
def test_nothing_after_a_warning_sign_leads_back_into_massage(locale: str) -> None:
    """After each tier's answer: yes, tell me more, next and silence say nothing of benefits."""
    content = content_for(locale)
    said = phrases(locale)
    words = [*benefit_words(content), content.overview.lower()]
    misses = []
    for sign in ("pregnancy", "cancer", "zz odd"):
        for follow_up in ("yes", "more", "next", None):
            dialog = dialog_for(locale)
            dialog.say(said["tour"])
            first = dialog.intent(
                "WarningSignIntent", sign=Slot(sign, sign if sign in WARNING_SIGNS else None)
            )
            assert not first.ended
            turn = dialog.silence() if follow_up is None else dialog.say(said[follow_up])
            assert turn is not None
            heard = " ".join(filter(None, (turn.speech, turn.reprompt))).lower()
            if any(word in heard for word in words):
                misses.append(f"{sign} then {follow_up}: {heard!r}")
            if turn.ended:
                misses.append(f"{sign} then {follow_up}: the session ended")
    assert misses == []


@pytest.mark.parametrize("locale", LOCALES)
def test_after_a_warning_sign_a_benefit_asked_for_by_name_is_answered(locale: str) -> None:
    words = content_for(locale)
    dialog = dialog_for(locale)
    dialog.intent("WarningSignIntent", sign=Slot("x", "pregnancy"))
    turn = dialog.intent("BenefitIntent", benefit=Slot("x", "posture"))
    posture = words.benefit("posture")
    assert posture is not None and posture.summary in turn.speech


@pytest.mark.parametrize("locale", LOCALES)
def test_the_fallback_names_no_benefit_and_points_symptoms_to_a_doctor(locale: str) -> None:
    words = content_for(locale)
    dialog = dialog_for(locale)
    dialog.say(phrases(locale)["tour"])
    turn = dialog.intent("AMAZON.FallbackIntent")
    heard = f"{turn.speech} {turn.reprompt}".lower()
    assert not any(word in heard for word in benefit_words(words)), heard
    assert words.prompt("fallback_question") in turn.speech and turn.speech.endswith("?")
    assert not turn.ended
    yes = dialog.say(phrases(locale)["yes"])
    assert not any(word in yes.speech.lower() for word in benefit_words(words)), yes.speech


def test_the_english_safety_answers_say_what_they_must() -> None:
    words = content_for("en-US")
    emergency = words.prompt("safety_emergency")
    assert "911" in emergency and "emergency" in emergency
    assert re.search(r"\bdoctor\b.*\bsoon\b", words.prompt("safety_urgent"))
    assert "doctor" in words.prompt("safety_caution") and "massage" in words.prompt(
        "safety_caution"
    )
    assert "a doctor is the one to ask" in words.prompt("fallback_question")
    for locale in ("en-GB", "en-AU"):
        assert re.search(r"\bGP\b", content_for(locale).prompt("safety_caution"))


def test_a_warning_sign_leaves_the_conversation_state_as_it_was() -> None:
    dialog = dialog_for("en-US")
    dialog.say("walk me through them")
    kept = ("benefit", "tour", "length", "pace", "visits")
    before = {k: v for k, v in dialog.attributes["conversation"].items() if k in kept}
    dialog.say("I'm pregnant and my back hurts")
    after = {k: v for k, v in dialog.attributes["conversation"].items() if k in kept}
    assert after == before
    assert "pregnan" not in json.dumps(dialog.attributes)


@pytest.mark.parametrize("locale", LOCALES)
def test_warning_signs_are_not_logged(locale: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    dialog = dialog_for(locale)
    said = phrases(locale)["warning_signs"]
    for ways in said.values():
        dialog.say(ways[0])
    logged = normalise(caplog.text, locale)
    for sign, ways in said.items():
        assert sign not in caplog.text
        for way in ways:
            assert normalise(way, locale) not in logged, way


@pytest.mark.parametrize("locale", LOCALES)
def test_no_cause_synonym_or_sample_maps_a_warning_sign_to_a_benign_cause(locale: str) -> None:
    model = language_model(locale)
    resolver = Resolver.from_file(model_path(locale))
    types = {t["name"]: t["values"] for t in model["types"]}
    warnings = [
        phrase
        for value in types["WarningSign"]
        for phrase in (value["name"]["value"], *value["name"].get("synonyms", []))
    ]
    [cause_intent] = [i for i in model["intents"] if i["name"] == "CauseIntent"]
    carriers = [sample for sample in cause_intent["samples"] if "{cause}" in sample]
    # Every warning phrase in two cause carriers, and every carrier with many phrases: the
    # full product (tens of thousands of utterances) would add minutes for little more.
    said = {
        carriers[(index * step + step) % len(carriers)].replace("{cause}", phrase)
        for index, phrase in enumerate(warnings)
        for step in (1, 7)
    }
    wrong = [text for text in sorted(said) if resolver.resolve(text).intent == "CauseIntent"]
    assert wrong == []


def test_no_english_cause_word_names_a_warning_sign() -> None:
    model = language_model("en-US")
    warning_words = re.compile(
        r"injur|accident|fall|fell|crash|numb|bladder|bowel|fever|pregnan|surgery|operation|"
        r"cancer|disc\b|sciatica|nerve|hurt my back|severe|won't go away"
    )
    [causes] = [t["values"] for t in model["types"] if t["name"] == "BackPainCause"]
    [cause_intent] = [i for i in model["intents"] if i["name"] == "CauseIntent"]
    words = [
        phrase
        for value in causes
        for phrase in (value["name"]["value"], *value["name"].get("synonyms", []))
    ] + cause_intent["samples"]
    assert [w for w in words if warning_words.search(w)] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_an_unrecognised_cause_gets_a_safe_answer_not_a_menu(locale: str) -> None:
    words = content_for(locale)
    turn = dialog_for(locale).intent("CauseIntent", cause="zz unknown zz")
    assert turn.speech == words.prompt("cause_unknown")
    assert not any(cause.name in turn.speech for cause in words.causes.values())
    assert turn.speech.rstrip().endswith("?") and not turn.ended


@pytest.mark.parametrize("locale", LOCALES)
def test_a_question_the_article_does_not_answer_gets_an_honest_answer(locale: str) -> None:
    words = content_for(locale)
    dialog = dialog_for(locale)
    yes = phrases(locale)["yes"]
    misses = []
    for topic, ways in phrases(locale)["limits"].items():
        for way in ways:
            turn = dialog.say(way)
            if LIMIT_TOPICS.get(turn.intent or "") != topic:
                misses.append(f"{way!r} went to {turn.intent}, not the {topic} answer")
                continue
            if turn.speech != f"{words.limits[topic]} {words.prompt('limit_offer')}":
                misses.append(f"{way!r} heard {turn.speech!r}")
            if words.overview not in dialog.say(yes).speech:
                misses.append(f"yes after {way!r} did not give the overview")
    assert misses == []


def test_every_english_limit_names_who_can_answer() -> None:
    for topic, answer in content_for("en-US").limits.items():
        assert "can't" in answer.split(".")[0], topic
        assert re.search(r"therapist|doctor|insurer|clinic", answer), topic


@pytest.mark.parametrize("locale", LOCALES)
def test_the_cure_definition_and_source_questions_get_honest_answers(locale: str) -> None:
    words = content_for(locale)
    said = phrases(locale)
    dialog = dialog_for(locale)
    for way in said["cure"]:
        turn = dialog.say(way)
        assert turn.intent == "CureQuestionIntent", way
        assert turn.speech.startswith(words.not_a_cure) and words.overview in turn.speech
    for way in said["definition"]:
        turn = dialog.say(way)
        assert turn.intent == "WhatIsMassageIntent", way
        assert turn.speech.startswith(words.definition) and turn.speech.endswith("?")
        assert words.overview in dialog.say(said["yes"]).speech
    for way in said["source"]:
        turn = dialog.say(way)
        assert turn.intent == "SourceIntent", way
        assert turn.speech.startswith(words.source)
        declined = dialog.say(said["no"])
        assert not declined.ended and words.overview not in declined.speech


def test_the_english_answers_say_what_they_must() -> None:
    words = content_for("en-US")
    assert words.not_a_cure.startswith("Massage isn't a cure")
    for tissue in ("muscles", "tendons", "ligaments", "connective tissue", "hands"):
        assert tissue in words.definition
    assert "one general article" in words.source and "not medical advice" in words.source


@pytest.mark.parametrize("locale", LOCALES)
def test_the_tour_and_the_read_through_end_with_the_therapist_advice(locale: str) -> None:
    words = content_for(locale)
    said = phrases(locale)
    dialog = dialog_for(locale)
    dialog.say(said["tour"])
    for _ in range(6):
        dialog.say(said["next"])
    assert words.therapist_tip in dialog.turns[-1].speech
    read = LocalDialog(handler=dialog.handler, locale=locale).say(said["one_shot"])
    assert read.intent == "ReadThroughIntent", said["one_shot"]
    assert words.therapist_tip in read.speech and read.ended


@pytest.mark.parametrize("locale", LOCALES)
def test_on_a_screen_a_warning_sign_shows_only_the_safety_text(skill: Any, locale: str) -> None:
    """Not even the usual footer, which recommends a massage therapist."""
    words = content_for(locale)
    session = Session(Listener(device="show", locale=locale))
    slot = Slot("x", "pregnancy", "x")
    response = skill(session.intent("WarningSignIntent", {"sign": slot}), None)
    [directive] = response["response"]["directives"]
    shown = directive["datasources"]["payload"]["card"]
    assert shown["text"] == words.prompt("safety_caution")
    assert shown["footer"] == words.prompt("safety_footer") != words.prompt("screen_footer")


def test_of_two_signs_the_more_urgent_decides() -> None:
    assert most_urgent(["caution", "emergency"]) == "emergency"
    assert most_urgent(["emergency", "caution"]) == "emergency"
    assert most_urgent(["caution", "urgent"]) == "urgent"
    assert most_urgent(["caution", "unknown"]) == "unknown"  # it may be an emergency
    assert most_urgent(["urgent", "unknown"]) == "urgent"
    assert most_urgent(["caution"]) == "caution"


@pytest.mark.parametrize("locale", ["en-US", "es-MX", "de-DE"])
def test_two_signs_in_one_breath_get_the_more_urgent_answer(skill: Any, locale: str) -> None:
    """'My legs went numb since I hurt my back': the injury is a caution sign, the legs an
    emergency; whichever slot holds which, the emergency answer, and the session ends."""
    words = content_for(locale)
    injury, legs = Slot("x", "injury", "x"), Slot("y", "leg_numbness", "y")
    odd = Slot("zz something odd zz", None)
    for slots, tier in (
        ({"sign": injury, "second_sign": legs}, "emergency"),
        ({"sign": legs, "second_sign": injury}, "emergency"),
        ({"sign": injury, "second_sign": odd}, "unknown"),
        ({"sign": injury}, "caution"),
        ({"second_sign": legs}, "emergency"),
    ):
        session = Session(Listener(locale=locale))
        result = skill(session.intent("WarningSignIntent", slots), None)
        spoken = speech_text(result)
        assert spoken.startswith(words.prompt(f"safety_{tier}")), (slots.keys(), tier, spoken)
        ended = result["response"].get("shouldEndSession")
        assert ended is (tier == "emergency"), (slots.keys(), tier)
