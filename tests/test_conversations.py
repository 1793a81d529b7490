"""Whole conversations, typed as a listener would speak them, through the local dialog tool."""

from __future__ import annotations

import pytest

from massage_guide.content import content_for
from skill_tools.dialog import LocalDialog
from tests.support import checked, says

TEXT = content_for("en-US")


@pytest.fixture
def dialog() -> LocalDialog:
    from lambda_function import lambda_handler

    return LocalDialog(handler=checked(lambda_handler))


def summary(benefit_id: str) -> str:
    benefit = TEXT.benefit(benefit_id)
    assert benefit is not None
    return benefit.summary


def test_the_tour_with_next_previous_repeat_and_start_over(dialog: LocalDialog) -> None:
    assert "Welcome" in dialog.say("open back massage guide").speech
    first = dialog.say("walk me through the benefits")
    assert "Benefit 1 of 7" in first.speech and summary("muscle_relaxation") in first.speech
    assert first.reprompt and "next benefit" in first.reprompt
    assert "Benefit 2 of 7" in dialog.say("yes").speech
    assert "Benefit 3 of 7" in dialog.say("next").speech
    back = dialog.say("go back")
    assert "Benefit 2 of 7" in back.speech and back.intent == "AMAZON.PreviousIntent"
    assert dialog.say("repeat that").speech == back.speech
    assert "Benefit 1 of 7" in dialog.say("start over").speech
    for number in range(2, 8):
        assert f"Benefit {number} of 7" in dialog.say("next").speech
    last = dialog.turns[-1]
    assert "That's all seven." in last.speech and not last.ended
    assert "That's all seven." in dialog.say("next").speech


def test_every_benefit_can_be_reached_by_how_people_say_it(dialog: LocalDialog) -> None:
    dialog.say("open back massage guide")
    phrases = {
        "muscle_relaxation": "tell me about knots",
        "pain_relief": "how does massage help pain relief",
        "circulation": "what about blood flow",
        "flexibility": "how does massage help range of motion",
        "stress_reduction": "tell me about anxiety",
        "posture": "how massage helps posture",
        "wellbeing": "what about my mood",
    }
    for benefit_id, phrase in phrases.items():
        turn = dialog.say(phrase)
        assert summary(benefit_id) in turn.speech, (phrase, turn.intent, turn.slots)
        more = dialog.say("tell me more")
        detail = TEXT.benefit(benefit_id).detail  # type: ignore[union-attr]
        assert detail in more.speech, phrase
        assert more.card is not None and more.card.title == TEXT.benefit(benefit_id).title  # type: ignore[union-attr]


def test_help_in_the_middle_of_the_tour_keeps_the_place(dialog: LocalDialog) -> None:
    dialog.say("open back massage guide")
    dialog.say("start the tour")
    dialog.say("next")
    helped = dialog.say("help")
    assert "You're on benefit 2 of 7. Shall we carry on?" in helped.speech
    resumed = dialog.say("yes")
    assert "Benefit 3 of 7" in resumed.speech


def test_tell_me_more_in_the_tour_goes_deeper_then_offers_the_next(dialog: LocalDialog) -> None:
    dialog.say("open back massage guide")
    dialog.say("walk me through them")
    deeper = dialog.say("tell me more")
    assert TEXT.benefits[0].detail in deeper.speech
    assert says(deeper.speech, "tour_next_question")
    assert "Benefit 2 of 7" in dialog.say("yes").speech
    paused = dialog.say("no")
    assert "pause" in paused.speech and not paused.ended
    assert "Benefit 3 of 7" in dialog.say("next").speech


def test_one_shot_requests_answer_without_opening_first(dialog: LocalDialog) -> None:
    turn = dialog.say("ask back massage guide how massage helps posture")
    assert turn.new_session and summary("posture") in turn.speech
    overview = LocalDialog(handler=dialog.handler).say(
        "ask back massage guide why does massage help my back"
    )
    assert TEXT.overview in overview.speech


def test_hands_free_read_through_reads_all_seven_and_closes(dialog: LocalDialog) -> None:
    turn = dialog.say("ask back massage guide to read them all")
    for benefit in TEXT.benefits:
        assert benefit.line in turn.speech
    assert turn.ended and turn.ssml and turn.ssml.count("<break") >= 8
    assert TEXT.therapist_tip in turn.speech and "not medical advice" in turn.speech


def test_causes_lead_to_the_matching_benefits(dialog: LocalDialog) -> None:
    dialog.say("open back massage guide")
    expectations = {
        "my back hurts from sitting at a desk": "posture",
        "i strained a muscle": "circulation",
        "i'm stressed": "stress_reduction",
        "my back is stiff": "flexibility",
    }
    for phrase, benefit_id in expectations.items():
        turn = dialog.say(phrase)
        assert turn.intent == "CauseIntent", (phrase, turn.intent)
        first = TEXT.benefit(benefit_id)
        assert first is not None and turn.speech.endswith(f"Shall I start with {first.name}?")
        assert TEXT.doctor_reminder in turn.speech and summary(benefit_id) not in turn.speech
        assert summary(benefit_id) in dialog.say("yes").speech, phrase


def test_speak_slower_changes_the_pace_of_what_follows(dialog: LocalDialog) -> None:
    dialog.say("open back massage guide")
    dialog.say("speak slower")
    turn = dialog.say("what are the benefits of massage")
    assert turn.ssml and '<prosody rate="slow">' in turn.ssml
    dialog.say("normal speed")
    assert "prosody" not in (dialog.say("list the benefits").ssml or "")


def test_detailed_answers_become_the_default_when_asked(dialog: LocalDialog) -> None:
    dialog.say("open back massage guide")
    dialog.say("give me longer answers")
    turn = dialog.say("tell me about posture")
    assert TEXT.benefit("posture").detail in turn.speech  # type: ignore[union-attr]
    dialog.say("keep it short")
    assert summary("posture") in dialog.say("tell me about posture").speech


def test_unmatched_speech_goes_to_the_fallback_and_the_session_stays_open(
    dialog: LocalDialog,
) -> None:
    dialog.say("open back massage guide")
    turn = dialog.say("what's the weather in paris tomorrow")
    assert turn.intent == "AMAZON.FallbackIntent"
    assert says(turn.speech, "fallback") and not turn.ended


def test_stop_says_goodbye_and_a_new_utterance_opens_a_new_session(dialog: LocalDialog) -> None:
    dialog.say("open back massage guide")
    bye = dialog.say("stop")
    assert bye.ended and says(bye.speech, "goodbye")
    again = dialog.say("open back massage guide")
    assert again.new_session


def test_next_outside_a_tour_moves_benefit_by_benefit_without_faking_tour_progress(
    dialog: LocalDialog,
) -> None:
    dialog.say("open back massage guide")
    dialog.say("how does massage help posture")
    after_posture = dialog.say("next")
    assert summary("wellbeing") in after_posture.speech
    assert "Benefit 7 of 7" not in after_posture.speech
    assert "That's all seven." in dialog.say("next").speech
    assert "tour" not in dialog.attributes["conversation"]
    assert summary("posture") in dialog.say("go back").speech


def test_previous_before_anything_says_the_tour_has_not_started(dialog: LocalDialog) -> None:
    dialog.say("open back massage guide")
    assert "haven't started" in dialog.say("go back").speech


def test_no_to_a_cause_offer_hands_the_lead_back_without_mentioning_a_tour(
    dialog: LocalDialog,
) -> None:
    dialog.say("open back massage guide")
    offer = dialog.say("my back hurts from sitting at a desk")
    assert offer.speech.endswith("Shall I start with better posture?")
    declined = dialog.say("no")
    assert "pause" not in declined.speech and not declined.ended
    assert says(declined.speech, "what_next")


def test_a_detour_after_forget_me_means_a_later_yes_deletes_nothing(dialog: LocalDialog) -> None:
    dialog.say("open back massage guide")
    dialog.say("speak slower")
    dialog.say("forget me")
    dialog.say("help")
    after = dialog.say("yes")
    assert "forgotten" not in after.speech
    assert dialog.attributes["conversation"]["pace"] == "slow"
    dialog.say("forget me")
    again = dialog.say("repeat")
    assert "forget your progress" in again.speech
    assert "forgotten" in dialog.say("yes").speech
