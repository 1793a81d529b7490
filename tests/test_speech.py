"""The SSML helper: escaping, pauses, pace, and Alexa's 8,000-character limit."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from massage_guide.speech import MAX_SSML_CHARS, Speech, wrap
from skill_tools.dialog import ssml_to_text


def test_text_is_escaped_so_the_ssml_still_parses() -> None:
    ssml = Speech("Tom & Jerry <3 \"quotes\" and 'apostrophes'").ssml()
    root = ET.fromstring(ssml)
    assert "".join(root.itertext()) == "Tom & Jerry <3 \"quotes\" and 'apostrophes'"


def test_pauses_are_bounded_breaks() -> None:
    ssml = Speech("one").pause(500).say("two").pause(999_999).ssml()
    assert '<break time="500ms"/>' in ssml
    assert '<break time="10000ms"/>' in ssml


def test_slow_pace_wraps_everything_in_prosody() -> None:
    root = ET.fromstring(Speech("slowly now").ssml("slow"))
    assert root[0].tag == "prosody" and root[0].get("rate") == "slow"
    assert Speech("normal").ssml("normal") == "<speak>normal</speak>"
    assert Speech("unknown pace").ssml("warp") == "<speak>unknown pace</speak>"


@given(
    st.lists(st.text(min_size=0, max_size=600), max_size=40), st.sampled_from(["normal", "slow"])
)
def test_any_text_makes_valid_ssml_within_the_limit(texts: list[str], pace: str) -> None:
    speech = Speech()
    for text in texts:
        speech.say(text).pause(300)
    ssml = speech.ssml(pace)
    assert len(ssml) <= MAX_SSML_CHARS
    ET.fromstring(ssml)


def test_overlong_speech_is_cut_at_a_boundary_not_mid_tag() -> None:
    speech = Speech()
    for number in range(400):
        speech.say(f"Sentence number {number} is here & there.").pause(250)
    ssml = speech.ssml()
    assert len(ssml) <= MAX_SSML_CHARS
    ET.fromstring(ssml)
    assert ssml.endswith("/></speak>") or ssml.endswith(".</speak>")


def test_cutting_keeps_as_much_as_fits_not_just_up_to_the_last_pause() -> None:
    speech = Speech().say("Opening words.").pause()
    for number in range(600):
        speech.say(f"Sentence {number} goes on.")
    ssml = speech.ssml("slow")
    assert MAX_SSML_CHARS - 40 <= len(ssml) <= MAX_SSML_CHARS
    assert ssml.endswith(".</prosody></speak>")
    ET.fromstring(ssml)


def test_plain_text_shows_pauses_and_unescapes() -> None:
    assert ssml_to_text(wrap(Speech("A & B").pause().say("C").body())) == "A & B … C"
