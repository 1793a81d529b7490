"""Every request type and every intent of the model, through lambda_handler with real envelopes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from massage_guide.content import content_for
from massage_guide.speech import READ_THROUGH_PAUSE_MS
from skill_tools.envelopes import Listener, Session, Slot
from skill_tools.paths import REPO_ROOT
from tests.locales import LOCALES, language_model
from tests.support import handler_input_for, reprompt_text, says, speech_text

MODEL = json.loads((REPO_ROOT / "interaction_models" / "en-US.json").read_text())
LANGUAGE_MODEL = MODEL["interactionModel"]["languageModel"]
SLOT_TYPES = {
    intent["name"]: {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
    for intent in LANGUAGE_MODEL["intents"]
}
FIRST_VALUE = {slot_type["name"]: slot_type["values"][0] for slot_type in LANGUAGE_MODEL["types"]}


def filled_slots(intent: str) -> dict[str, Slot]:
    """Each slot of the intent filled with the first value of its type, resolved as Alexa would."""
    slots = {}
    for slot_name, type_name in SLOT_TYPES[intent].items():
        value = FIRST_VALUE[type_name]
        slots[slot_name] = Slot(value["name"]["value"], value["id"], value["name"]["value"])
    return slots


def ask(skill: Any, session: Session, event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = skill(event, None)
    session.update(response)
    return response


@pytest.mark.parametrize("device", ["speaker", "show"])
@pytest.mark.parametrize("intent", sorted(SLOT_TYPES))
def test_every_intent_in_the_model_is_answered(skill: Any, intent: str, device: str) -> None:
    session = Session(Listener(device=device))  # type: ignore[arg-type]
    ask(skill, session, session.launch())
    response = ask(skill, session, session.intent(intent, filled_slots(intent), SLOT_TYPES[intent]))
    assert speech_text(response), f"{intent} said nothing"
    assert "Sorry, I had trouble" not in speech_text(response), f"{intent} hit the error path"


@pytest.mark.parametrize("intent", sorted(SLOT_TYPES))
def test_every_intent_works_as_a_one_shot_without_launch(skill: Any, intent: str) -> None:
    session = Session()
    response = ask(skill, session, session.intent(intent, filled_slots(intent), SLOT_TYPES[intent]))
    assert "Sorry, I had trouble" not in speech_text(response)


@pytest.mark.parametrize("intent", sorted(n for n, s in SLOT_TYPES.items() if s))
def test_every_slotted_intent_copes_with_empty_and_unmatched_slots(skill: Any, intent: str) -> None:
    session = Session()
    ask(skill, session, session.launch())
    empty = ask(skill, session, session.intent(intent, dict.fromkeys(SLOT_TYPES[intent])))
    unmatched = ask(
        skill,
        session,
        session.intent(intent, {name: Slot("purple elephants") for name in SLOT_TYPES[intent]}),
    )
    for response in (empty, unmatched):
        assert response["response"]["shouldEndSession"] is False
        assert "Sorry, I had trouble" not in speech_text(response)


def test_launch_welcomes_and_offers_choices(skill: Any) -> None:
    session = Session()
    response = ask(skill, session, session.launch())
    assert speech_text(response).startswith("Welcome to Back Massage Guide")
    assert "walk me through them" in speech_text(response)
    assert "the tour" in reprompt_text(response)
    assert response["response"]["shouldEndSession"] is False
    assert "not medical advice" in response["response"]["card"]["content"]


def test_benefit_answer_is_the_benefit_summary_and_offers_more(skill: Any) -> None:
    from massage_guide.content import content_for

    session = Session()
    circulation = Slot("blood flow", "circulation", "circulation")
    response = ask(skill, session, session.intent("BenefitIntent", {"benefit": circulation}))
    text = speech_text(response)
    circulation_text = content_for("en-US").benefit("circulation")
    assert circulation_text is not None and circulation_text.summary in text
    assert text.endswith("Want more detail?")
    card = response["response"]["card"]
    assert card["title"] == "Better Circulation"
    deeper = ask(skill, session, session.intent("AMAZON.YesIntent"))
    assert circulation_text.detail in speech_text(deeper)


def test_read_through_speaks_all_seven_with_pauses_and_ends(skill: Any) -> None:
    from massage_guide.content import content_for

    session = Session()
    response = ask(skill, session, session.intent("ReadThroughIntent"))
    text = speech_text(response)
    for benefit in content_for("en-US").benefits:
        assert f"{benefit.title}. {benefit.line}" in text
    pause = f'<break time="{READ_THROUGH_PAUSE_MS}ms"/>'
    assert response["response"]["outputSpeech"]["ssml"].count(pause) == 7
    assert response["response"]["shouldEndSession"] is True


def test_who_should_massage_points_to_a_qualified_therapist(skill: Any) -> None:
    session = Session()
    response = ask(skill, session, session.intent("WhoShouldMassageIntent"))
    text = speech_text(response)
    assert "qualified" in text and "therapist" in text
    assert "not medical advice" in response["response"]["card"]["content"]


def test_cause_links_to_matching_benefits_and_adds_the_disclaimer(skill: Any) -> None:
    session = Session()
    desk = Slot("sitting at a desk all day", "sitting", "sitting at a desk")
    response = ask(skill, session, session.intent("CauseIntent", {"cause": desk}))
    text = speech_text(response)
    assert "better posture and muscle relaxation" in text and "doctor" in text
    assert text.endswith("Shall I start with better posture?")
    assert "not medical advice" in response["response"]["card"]["content"]
    yes = ask(skill, session, session.intent("AMAZON.YesIntent"))
    assert "Poor posture often causes back pain" in speech_text(yes)


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_and_cancel_end_the_session_explicitly(skill: Any, intent: str) -> None:
    session = Session()
    ask(skill, session, session.launch())
    response = ask(skill, session, session.intent(intent))
    assert response["response"]["shouldEndSession"] is True
    assert "Goodbye" in speech_text(response)


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("USER_INITIATED", None),
        ("EXCEEDED_MAX_REPROMPTS", None),
        ("ERROR", {"type": "INVALID_RESPONSE", "message": "bad"}),
        ("ERROR", {"type": "SOME_FUTURE_ERROR_TYPE", "message": "new"}),
        ("A_REASON_FROM_THE_FUTURE", None),
    ],
)
def test_session_ended_is_answered_silently(skill: Any, reason: str, error: Any) -> None:
    session = Session()
    ask(skill, session, session.launch())
    response = skill(session.session_ended(reason, error), None)
    assert "outputSpeech" not in response["response"]


@pytest.mark.parametrize(
    "request_type",
    [
        "CanFulfillIntentRequest",
        "Alexa.Presentation.APL.UserEvent",
        "System.ExceptionEncountered",
        "Messaging.MessageReceived",
        "Totally.Unknown.Request",
    ],
)
def test_request_types_nobody_handles_get_a_quiet_valid_answer(
    skill: Any, request_type: str
) -> None:
    session = Session()
    event = session.launch()
    event["request"]["type"] = request_type
    response = skill(event, None)
    assert "outputSpeech" not in response["response"] or speech_text(response)


def test_unknown_intent_name_goes_to_the_fallback(skill: Any) -> None:
    session = Session()
    response = ask(skill, session, session.intent("SomebodyElsesIntent"))
    assert says(speech_text(response), "fallback")
    assert response["response"]["shouldEndSession"] is False


def test_request_for_another_skill_is_refused_when_skill_id_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from massage_guide import skill_builder
    from tests.support import assert_valid_response

    monkeypatch.setenv("SKILL_ID", "amzn1.ask.skill.ours")
    monkeypatch.setattr(skill_builder, "_skill", None)
    try:
        theirs = Session(Listener(skill_id="amzn1.ask.skill.theirs"))
        refused = assert_valid_response(skill_builder.handle_event(theirs.launch(), None))
        assert "outputSpeech" not in refused["response"]
        ours = Session(Listener(skill_id="amzn1.ask.skill.ours"))
        accepted = assert_valid_response(skill_builder.handle_event(ours.launch(), None))
        assert speech_text(accepted).startswith("Welcome")
    finally:
        monkeypatch.setattr(skill_builder, "_skill", None)


def test_the_skill_is_built_once_per_process(skill: Any) -> None:
    from massage_guide import skill_builder

    session = Session()
    skill(session.launch(), None)
    first = skill_builder.get_skill()
    skill(session.intent("AMAZON.HelpIntent"), None)
    assert skill_builder.get_skill() is first


def test_a_session_end_reason_newer_than_the_sdk_still_reaches_the_handler(
    skill: Any, caplog: pytest.LogCaptureFixture
) -> None:
    session = Session()
    ask(skill, session, session.launch())
    caplog.set_level("INFO")
    event = session.session_ended("A_REASON_FROM_THE_FUTURE", {"type": "NEW_ERROR", "message": "m"})
    response = skill(event, None)
    assert response["response"] == {}
    assert "reason=A_REASON_FROM_THE_FUTURE error=NEW_ERROR" in caplog.text
    assert "session ended: reason=ERROR" in caplog.text  # the SessionEndedHandler ran


@pytest.mark.parametrize(("setting", "level"), [("debug", 10), ("WARNING", 30), ("nonsense", 20)])
def test_log_level_comes_from_the_environment(setting: str, level: int) -> None:
    import logging

    from massage_guide.log_policy import configure as configure_logging

    package_logger = logging.getLogger("massage_guide")
    before = package_logger.level
    try:
        configure_logging(setting)
        assert package_logger.level == level
    finally:
        package_logger.setLevel(before)


def test_a_failing_handler_is_logged_without_its_message(
    skill: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from massage_guide.handlers import learning

    secret = "amzn1.ask.account.SHOULD-NOT-BE-LOGGED"

    def explode(self: Any, handler_input: Any) -> Any:
        raise RuntimeError(f"something about {secret}")

    monkeypatch.setattr(learning.WhyMassageHelpsHandler, "handle", explode)
    session = Session()
    response = ask(skill, session, session.intent("WhyMassageHelpsIntent"))
    assert "Sorry, I had trouble" in speech_text(response)
    assert "handler failed: RuntimeError" in caplog.text
    assert "explode" in caplog.text  # the frames are kept
    assert secret not in caplog.text


def test_an_echo_show_gets_the_card_as_a_screen_and_a_speaker_does_not(skill: Any) -> None:
    posture = {"benefit": Slot("posture", "posture", "better posture")}
    show = Session(Listener(device="show"))
    shown = ask(skill, show, show.intent("BenefitIntent", posture))
    [directive] = shown["response"]["directives"]
    screen = directive["datasources"]["payload"]["benefit"]
    assert screen["title"] == shown["response"]["card"]["title"] == "Better Posture"
    assert "<br><br>" in screen["text"] and "not medical advice" in screen["footer"]
    speaker = Session(Listener(device="speaker"))
    heard = ask(skill, speaker, speaker.intent("BenefitIntent", posture))
    assert "directives" not in heard["response"]


def test_screen_text_is_escaped_for_apl_markup() -> None:
    from massage_guide.display import card_screen

    card = card_screen("A & B", "x < y\nnext line", "footer").payload
    assert card["title"] == "A &amp; B"
    assert card["text"] == "x &lt; y<br>next line"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_intent_is_answered_in_every_locale(skill: Any, locale: str) -> None:
    """With each slot filled by the first value of its type, as Alexa would resolve it."""
    model = language_model(locale)
    first = {slot_type["name"]: slot_type["values"][0] for slot_type in model["types"]}
    for intent in model["intents"]:
        types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        slots = {
            name: Slot(
                first[kind]["name"]["value"], first[kind]["id"], first[kind]["name"]["value"]
            )
            for name, kind in types.items()
        }
        session = Session(Listener(locale=locale))
        ask(skill, session, session.launch())
        response = ask(skill, session, session.intent(intent["name"], slots, types))
        assert speech_text(response), (locale, intent["name"])
        assert content_for(locale).prompt("error") not in speech_text(response)


def test_handlers_waiting_on_a_question_come_before_the_generic_ones() -> None:
    """A "yes" reaches the handler of the question pending before any that takes every "yes"."""
    from massage_guide import skill_builder
    from massage_guide.handlers.base import IntentHandler

    handlers = [h for h in skill_builder.request_handlers() if isinstance(h, IntentHandler)]
    waiting = [h for h in handlers if h.only_while_asked]
    assert {"AMAZON.YesIntent", "AMAZON.NoIntent"} <= {i for h in waiting for i in h.intents}
    for index, handler in enumerate(handlers):
        if handler.only_while_asked:
            continue
        for later in handlers[index + 1 :]:
            shared = set(later.intents) & set(handler.intents)
            assert not (later.only_while_asked and shared), (
                f"{type(later).__name__} waits on a question but comes after "
                f"{type(handler).__name__}, which takes {sorted(shared)} always"
            )


def test_the_indexed_mapper_picks_what_the_sdks_own_mapper_picks() -> None:
    """Every intent of the model, with and without a slot, under every pending question, plus
    the other request kinds: the index changes how many handlers are asked, never which answers."""
    from ask_sdk_runtime.dispatch_components.request_components import GenericRequestMapper

    from massage_guide import skill_builder
    from massage_guide.state import PENDING_VALUES

    skill = skill_builder.build_skill()
    (mapper,) = skill.request_dispatcher.request_mappers
    assert isinstance(mapper, skill_builder.IntentIndexedMapper)
    linear = GenericRequestMapper(mapper.request_handler_chains)
    model = language_model("en-US")
    names = [intent["name"] for intent in model["intents"]] + ["AMAZON.NotInTheModel"]
    listener = Listener()
    chosen: set[str] = set()
    for pending in (None, *PENDING_VALUES):
        attributes = {
            "conversation": {"pending": pending, "benefit": "posture", "offered": "posture"}
        }
        events = [Session(listener).launch(), Session(listener, new=False).session_ended()]
        for name in names:
            for slots in ({}, {"benefit": Slot("posture", "posture", "posture")}):
                session = Session(listener, new=False)
                events.append(session.intent(name, slots, {"benefit": "BenefitType"}))
        for event in events:
            event.setdefault("session", {})["attributes"] = attributes
            handler_input = handler_input_for(event)
            expected = linear.get_request_handler_chain(handler_input)
            got = mapper.get_request_handler_chain(handler_input)
            assert got is expected, (pending, event["request"].get("intent"))
            assert got is not None  # the catch-all takes whatever nothing else does
            chosen.add(type(got.request_handler).__name__)
    assert {"AfterWarningHandler", "OfferAcceptedHandler", "UnhandledRequestHandler"} <= chosen
