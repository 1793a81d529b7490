"""The voice design rules, over whole conversations: one breath, questions last, variety.

Every response these conversations produce goes through tests/support.py, which
holds it to its spoken-length budget (skill_tools/spoken_length.py) and, while
the microphone stays open, to ending on a question with a question as its
reprompt. Here the same conversation runs at both paces and both answer
lengths, and the turns are checked for what a single response cannot show.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from massage_guide.content import content_for
from skill_tools.dialog import LocalDialog, Turn
from tests.locales import LOCALES, phrases
from tests.support import checked, variants_of

SETTINGS = {
    ("normal", "brief"): [],
    ("slow", "brief"): ["slower"],
    ("normal", "detailed"): ["detailed"],
    ("slow", "detailed"): ["slower", "detailed"],
}


def script(locale: str) -> list[str]:
    """One conversation through every kind of turn, in the locale's own words."""
    said = phrases(locale)
    return [
        said["why"], said["list"], said["benefit_by_synonym"][0], said["more"],
        said["cause"][0], said["yes"], said["who"], said["definition"][0], said["no"],
        said["source"][0], said["yes"], said["cure"][0], said["warning_signs"]["pregnancy"][0],
        said["limits"]["cost"][0], said["no"], *said["fallback"], said["help"], said["tour"],
        said["help"], said["yes"], said["more"], said["next"], said["repeat"], said["next"],
        said["next"], said["next"], said["next"], said["next"], said["yes"], said["brief"],
        said["normal_speed"], said["forget"], said["no"], said["read_all"],
    ]  # fmt: skip


def conversation(locale: str, pace: str, length: str, user_id: str) -> Iterator[Turn]:
    from lambda_function import lambda_handler

    dialog = LocalDialog(handler=checked(lambda_handler), locale=locale, user_id=user_id)
    said = phrases(locale)
    yield dialog.say(said["open"])
    for setting in SETTINGS[(pace, length)]:
        yield dialog.say(said[setting])
    for line in script(locale):
        yield dialog.say(line)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("pace", "length"), list(SETTINGS))
def test_every_turn_fits_its_budget_and_ends_on_a_question(
    locale: str, pace: str, length: str
) -> None:
    """The budgets and questions-last are asserted on each response by tests/support.py."""
    user = f"amzn1.ask.account.VOICE-{locale}-{pace}-{length}"
    turns = list(conversation(locale, pace, length, user))
    said = phrases(locale)
    assert len(turns) == 1 + len(SETTINGS[(pace, length)]) + len(script(locale))
    assert turns[-1].ended and all(not turn.ended for turn in turns[:-1])
    fallbacks = [t.user for t in turns if t.intent == "AMAZON.FallbackIntent"]
    assert fallbacks == said["fallback"]
    if pace == "slow":
        until_normal_speed = turns[3 : [t.user for t in turns].index(said["normal_speed"])]
        assert all('<prosody rate="slow">' in (t.ssml or "") for t in until_normal_speed)


def suggested(reprompt: str, locale: str = "en-US") -> list[tuple[str, dict[str, str]]]:
    """The (intent, slots) of each say-table phrase a reprompt offers."""
    found = []
    for item in content_for(locale).say.values():
        if f" {item.phrase}," in f" {reprompt}".replace("?", ",").replace(" or ", ", "):
            found.append((item.intent, item.slots))
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_a_reprompt_offers_a_step_other_than_the_one_just_taken(locale: str) -> None:
    user = f"amzn1.ask.account.VOICE-REPROMPT-{locale}"
    for turn in conversation(locale, "normal", "brief", user):
        if turn.reprompt is None or turn.intent is None:
            continue
        taken = (turn.intent, {name: slot["id"] for name, slot in turn.slots.items()})
        assert taken not in suggested(turn.reprompt, locale), (turn.user, turn.reprompt)


def test_the_reprompt_check_can_fail() -> None:
    assert ("StartTourIntent", {}) in suggested("Which benefit, or shall we go one at a time?")


VARIED = ("tour_next_question", "what_next", "ack", "fallback", "goodbye")


def variant_used(speech: str, key: str, locale: str = "en-US") -> int | None:
    for index, variant in enumerate(variants_of(key, locale)):
        if variant in speech:
            return index
    return None


@pytest.mark.parametrize("locale", LOCALES)
def test_prompts_heard_again_and_again_never_repeat_back_to_back(locale: str) -> None:
    turns = [
        turn
        for turn in conversation(locale, "normal", "brief", f"amzn1.ask.account.VARIETY-{locale}")
        if turn.intent != "AMAZON.RepeatIntent"  # repeat says the same words again, as asked
    ]
    for key in VARIED:
        used = [i for i in (variant_used(t.speech, key, locale) for t in turns) if i is not None]
        if key != "goodbye":
            assert len(used) >= 2, f"the conversation hears {key!r} {len(used)} times"
            assert len(set(used)) >= 2, key
        assert all(a != b for a, b in itertools.pairwise(used)), (key, used)


def test_the_tour_question_varies_step_by_step() -> None:
    from lambda_function import lambda_handler

    dialog = LocalDialog(handler=checked(lambda_handler))
    dialog.say("open back massage guide")
    asked = [variant_used(dialog.say(line).speech, "tour_next_question")
             for line in ["walk me through them", "yes", "yes", "yes", "yes", "yes"]]  # fmt: skip
    assert None not in asked and len(set(asked)) == 3
    assert all(a != b for a, b in itertools.pairwise(asked))


def test_the_same_conversation_sounds_the_same_twice() -> None:
    """Variants come from session state, not a random generator: tests and replays are exact."""
    first = [t.speech for t in conversation("en-US", "normal", "brief", "amzn1.ask.account.T-1")]
    second = [t.speech for t in conversation("en-US", "normal", "brief", "amzn1.ask.account.T-2")]
    assert first == second


@pytest.mark.parametrize("locale", LOCALES)
def test_the_read_through_fits_its_budget_even_spoken_slowly(locale: str) -> None:
    from lambda_function import lambda_handler

    said = phrases(locale)
    dialog = LocalDialog(handler=checked(lambda_handler), locale=locale)
    dialog.say(said["open"])
    dialog.say(said["slower"])
    read = dialog.say(said["read_all"])
    assert read.ended and read.ssml and '<prosody rate="slow">' in read.ssml
