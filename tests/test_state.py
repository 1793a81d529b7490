"""The conversation's rules, each in one place: state transitions, what is remembered, and the
small steps every answer goes through (handlers/base.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from massage_guide.content import content_for
from massage_guide.conversation import state
from massage_guide.handlers.base import Answer, keeps_question, respond, settle_question, spoken
from massage_guide.speech import Speech
from massage_guide.state import (
    OFFERS,
    PENDING_VALUES,
    REMEMBERED,
    STATE_KEY,
    ConversationState,
)
from massage_guide.stores.base import remembered_subset
from skill_tools.envelopes import Listener, Session
from tests.support import handler_input_for

BENEFITS = content_for("en-US").benefit_ids


def read_back(conversation: ConversationState) -> ConversationState:
    """The state as the next turn reads it from the session attributes."""
    return ConversationState.from_attributes(
        {STATE_KEY: json.loads(json.dumps(conversation.to_attributes()))}, BENEFITS
    )


# --- transitions ---------------------------------------------------------------------------


@pytest.mark.parametrize("question", [q for q in PENDING_VALUES if q not in OFFERS])
def test_a_question_that_offers_nothing_never_keeps_an_offered_benefit(question: Any) -> None:
    conversation = ConversationState(pending="detail", offered=BENEFITS[2])
    conversation.ask(question, offered=BENEFITS[3])
    assert (conversation.pending, conversation.offered) == (question, None)
    assert read_back(conversation) == conversation


@pytest.mark.parametrize("question", OFFERS)
def test_an_offer_names_its_benefit_and_needs_one(question: Any) -> None:
    conversation = ConversationState()
    conversation.ask(question, offered=BENEFITS[1])
    assert (conversation.pending, conversation.offered) == (question, BENEFITS[1])
    assert read_back(conversation) == conversation
    with pytest.raises(ValueError, match="needs the benefit"):
        conversation.ask(question)
    assert (conversation.pending, conversation.offered) == (question, BENEFITS[1])


def test_asking_nothing_clears_the_question_and_the_offer() -> None:
    conversation = ConversationState(pending="offer", offered=BENEFITS[0])
    conversation.ask(None)
    assert (conversation.pending, conversation.offered) == (None, None)


def test_moving_in_the_tour_also_discusses_that_benefit() -> None:
    conversation = ConversationState(benefit=BENEFITS[5])
    conversation.move_tour(2, BENEFITS[2])
    assert (conversation.tour, conversation.benefit) == (2, BENEFITS[2])
    conversation.discuss(BENEFITS[4])
    assert (conversation.tour, conversation.benefit) == (2, BENEFITS[4])
    with pytest.raises(ValueError, match="no tour position"):
        conversation.move_tour(-1, BENEFITS[0])
    assert read_back(conversation) == conversation


@pytest.mark.parametrize(
    ("preference", "choice"), [("length", "detailed"), ("length", "brief"), ("pace", "slow")]
)
def test_a_preference_takes_only_its_own_choices(preference: str, choice: str) -> None:
    conversation = ConversationState()
    conversation.prefer(preference, choice)
    assert getattr(conversation, preference) == choice
    for wrong_preference, wrong_choice in ((preference, "loud"), ("visits", "3")):
        with pytest.raises(ValueError, match="is not a choice"):
            conversation.prefer(wrong_preference, wrong_choice)
    assert getattr(conversation, preference) == choice


def test_reset_is_a_first_visit_in_every_field() -> None:
    conversation = ConversationState(
        benefit=BENEFITS[1], tour=1, pending="forget", length="detailed", pace="slow", visits=9
    )
    conversation.variants["ack"] = 2
    conversation.said("<s>Hi?</s>", "<s>Well?</s>")
    conversation.reset()
    assert conversation == ConversationState()
    assert conversation.to_attributes() == {"length": "brief", "pace": "normal", "visits": 0}


def test_prompt_variants_start_from_the_visit_and_then_rotate() -> None:
    conversation = ConversationState(visits=4)
    assert [conversation.next_variant("ack", 3) for _ in range(4)] == [1, 2, 0, 1]
    assert conversation.next_variant("goodbye", 1) == 0
    assert conversation.variants == {"ack": 1}
    assert read_back(conversation).variants == {"ack": 1}


# --- what is remembered --------------------------------------------------------------------


def test_only_the_declared_fields_are_remembered_and_the_store_keeps_the_same() -> None:
    conversation = ConversationState(
        benefit=BENEFITS[3], tour=3, pending="offer", offered=BENEFITS[4], visits=4, pace="slow"
    )
    conversation.said("<s>What next?</s>", "<s>Well?</s>")
    remembered = conversation.remembered()
    assert set(remembered) <= set(REMEMBERED)
    assert remembered == {
        "benefit": BENEFITS[3],
        "tour": 3,
        "length": "brief",
        "pace": "slow",
        "visits": 4,
    }
    assert remembered_subset({**conversation.to_attributes(), "pending": "offer"}) == remembered


def test_recall_takes_what_the_session_lacks_and_counts_the_visit() -> None:
    known = ConversationState(benefit=BENEFITS[2], tour=2, length="detailed", visits=6)
    conversation = ConversationState(pace="slow", benefit=BENEFITS[0])
    conversation.recall(known, present={"benefit", "pace"})
    assert (conversation.benefit, conversation.tour) == (BENEFITS[0], 2)
    assert (conversation.length, conversation.pace, conversation.visits) == ("detailed", "slow", 7)
    assert (conversation.pending, conversation.offered) == (None, None)


# --- the steps of an answer ----------------------------------------------------------------


def test_settling_the_question_replaces_it_unless_the_answer_keeps_it() -> None:
    conversation = ConversationState(pending="tour_next")

    def question() -> tuple[str | None, str | None]:
        return conversation.pending, conversation.offered

    settle_question(conversation, Answer(Speech("Sorry?"), keep_question=True))
    assert question() == ("tour_next", None)
    settle_question(conversation, Answer(Speech("Here."), pending="detail", offered=BENEFITS[0]))
    assert question() == ("detail", BENEFITS[0])
    settle_question(conversation, Answer(Speech("Done.")))
    assert question() == (None, None)


def test_the_spoken_body_is_what_the_ssml_wraps_at_the_listeners_pace() -> None:
    body, ssml = spoken(Speech("Take it easy."), "slow")
    root = ET.fromstring(str(ssml.ssml))
    assert root.tag == "speak" and root[0].tag == "prosody" and root[0].get("rate") == "slow"
    assert body in str(ssml.ssml) and "Take it easy." in body


def test_an_open_answer_gets_the_general_reprompt_and_is_remembered_for_repeat() -> None:
    session = Session(Listener())
    handler_input = handler_input_for(session.intent("AMAZON.HelpIntent"))
    response = respond(handler_input, Answer(Speech("Here is help. What next?")))
    general = content_for("en-US").prompt("general_reprompt")
    assert response.should_end_session is False
    assert response.reprompt is not None
    assert general in getattr(response.reprompt.output_speech, "ssml", "")
    conversation = state(handler_input)
    assert conversation.last_speech and "Here is help." in conversation.last_speech
    assert conversation.last_reprompt and general in conversation.last_reprompt
    saved = (handler_input.attributes_manager.session_attributes or {})[STATE_KEY]
    assert saved == conversation.to_attributes()


def test_a_closing_answer_has_no_reprompt_and_nothing_to_repeat() -> None:
    session = Session(Listener())
    handler_input = handler_input_for(session.intent("AMAZON.StopIntent"))
    response = respond(handler_input, Answer(Speech("Goodbye."), end_session=True))
    assert response.should_end_session is True and response.reprompt is None
    assert state(handler_input).last_speech is None


def test_the_error_apology_keeps_every_question_but_forget_me() -> None:
    session = Session(Listener())
    asked_to_forget = handler_input_for(session.intent("AMAZON.HelpIntent"))
    state(asked_to_forget).ask("forget")
    assert not keeps_question(asked_to_forget)
    touring = handler_input_for(session.intent("AMAZON.HelpIntent"))
    state(touring).ask("tour_next")
    assert keeps_question(touring)
