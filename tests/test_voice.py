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
from tests.support import checked, variants_of

TEXT = content_for("en-US")
SETTINGS = {
    ("normal", "brief"): [],
    ("slow", "brief"): ["speak slower"],
    ("normal", "detailed"): ["give me more detail"],
    ("slow", "detailed"): ["speak slower", "give me more detail"],
}
CONVERSATION = [
    "why does massage help my back", "list the benefits", "what about stress",
    "tell me more", "and posture?", "yes", "tell me about more flexibility",
    "I sit at a desk all day", "yes", "I pulled a muscle lifting boxes", "no", "I slouch",
    "I'm stressed and my back aches", "can massage help me unwind", "who should massage my back",
    "what is massage therapy", "no", "where does this come from", "yes",
    "can massage cure my back pain", "I'm pregnant and my back hurts",
    "how much does a massage cost", "no", "what's the weather like on mars", "order me a pizza",
    "help", "go back", "walk me through them", "help",
    "yes", "tell me more", "next", "repeat", "next", "next", "next", "next", "next", "yes",
    "start over", "keep it short", "normal speed", "forget me", "no", "read them all",
]  # fmt: skip


def conversation(pace: str, length: str, user_id: str) -> Iterator[Turn]:
    from lambda_function import lambda_handler

    dialog = LocalDialog(handler=checked(lambda_handler), user_id=user_id)
    yield dialog.say("open back massage guide")
    for line in SETTINGS[(pace, length)]:
        yield dialog.say(line)
    for line in CONVERSATION:
        yield dialog.say(line)


@pytest.mark.parametrize(("pace", "length"), list(SETTINGS))
def test_every_turn_fits_its_budget_and_ends_on_a_question(pace: str, length: str) -> None:
    """The budgets and questions-last are asserted on each response by tests/support.py."""
    turns = list(conversation(pace, length, f"amzn1.ask.account.VOICE-{pace}-{length}"))
    assert len(turns) == 1 + len(SETTINGS[(pace, length)]) + len(CONVERSATION)
    assert turns[-1].ended and all(not turn.ended for turn in turns[:-1])
    fallbacks = [t.user for t in turns if t.intent == "AMAZON.FallbackIntent"]
    assert fallbacks == ["what's the weather like on mars", "order me a pizza"]
    if pace == "slow":
        until_normal_speed = turns[3 : [t.user for t in turns].index("normal speed")]
        assert all('<prosody rate="slow">' in (t.ssml or "") for t in until_normal_speed)


def suggested(reprompt: str) -> list[tuple[str, dict[str, str]]]:
    """The (intent, slots) of each say-table phrase a reprompt offers."""
    found = []
    for item in TEXT.say.values():
        if f" {item.phrase}," in f" {reprompt}".replace("?", ",").replace(" or ", ", "):
            found.append((item.intent, item.slots))
    return found


def test_a_reprompt_offers_a_step_other_than_the_one_just_taken() -> None:
    for turn in conversation("normal", "brief", "amzn1.ask.account.VOICE-REPROMPT"):
        if turn.reprompt is None or turn.intent is None:
            continue
        taken = (turn.intent, {name: slot["id"] for name, slot in turn.slots.items()})
        assert taken not in suggested(turn.reprompt), (turn.user, turn.reprompt)


def test_the_reprompt_check_can_fail() -> None:
    assert ("StartTourIntent", {}) in suggested("Which benefit, or shall we go one at a time?")


VARIED = ("tour_next_question", "what_next", "ack", "fallback", "goodbye")


def variant_used(speech: str, key: str) -> int | None:
    for index, variant in enumerate(variants_of(key)):
        if variant in speech:
            return index
    return None


def test_prompts_heard_again_and_again_never_repeat_back_to_back() -> None:
    turns = [
        turn
        for turn in conversation("normal", "brief", "amzn1.ask.account.VOICE-VARIETY")
        if turn.intent != "AMAZON.RepeatIntent"  # repeat says the same words again, as asked
    ]
    for key in VARIED:
        used = [i for i in (variant_used(t.speech, key) for t in turns) if i is not None]
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
    first = [t.speech for t in conversation("normal", "brief", "amzn1.ask.account.VOICE-TWICE-1")]
    second = [t.speech for t in conversation("normal", "brief", "amzn1.ask.account.VOICE-TWICE-2")]
    assert first == second


def test_the_read_through_fits_its_budget_even_spoken_slowly() -> None:
    from lambda_function import lambda_handler

    dialog = LocalDialog(handler=checked(lambda_handler))
    dialog.say("open back massage guide")
    dialog.say("speak slower")
    read = dialog.say("read them all")
    assert read.ended and read.ssml and '<prosody rate="slow">' in read.ssml
