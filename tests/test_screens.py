"""The screens: Amazon's APL linter on every document, bindings the code fills, and what each
device shows for real requests (tests/support.py checks every screen mirrors its card).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from massage_guide import display
from skill_tools import apl_lint
from skill_tools.devices import DEVICES
from skill_tools.dialog import LocalDialog
from skill_tools.envelopes import Listener, Session, Slot
from tests.support import SCREENS, reprompt_text, says, speech_text

APL = Path(display.__file__).with_name("apl")
DOCUMENTS = sorted(APL.glob("*.json"))
SCREEN_DEVICES = sorted(name for name, profile in DEVICES.items() if profile.viewport is not None)
BINDING = re.compile(r"\$\{([^}]*)\}")
PATH = re.compile(r"\b(payload|data)((?:\.[A-Za-z_]\w*)+)")
POSTURE = {"benefit": Slot("posture", "posture", "better posture")}
BENEFIT_TYPES = {"benefit": "BenefitType"}

needs_node = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None, reason="node and npm are absent"
)


def ask(skill: Any, session: Session, event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = skill(event, None)
    session.update(response)
    return response


def screen_of(response: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The one screen a response shows: its kind and its data."""
    [directive] = response["response"]["directives"]
    kind, key, _ = SCREENS[directive["token"]]
    return kind, directive["datasources"]["payload"][key]


# --- Amazon's linter -----------------------------------------------------------------------


@needs_node
@pytest.mark.node
@pytest.mark.subprocess
def test_every_document_passes_amazons_apl_linter() -> None:
    """apl-suggester reports schema faults as WARNING: nothing at ERROR or WARNING passes."""
    assert {path.stem for path in DOCUMENTS} == set(display.KINDS)
    findings = apl_lint.lint(DOCUMENTS)
    assert set(findings) == {str(path) for path in DOCUMENTS}
    assert findings == {str(path): [] for path in DOCUMENTS}


@needs_node
@pytest.mark.node
@pytest.mark.subprocess
def test_the_linter_catches_a_broken_document(tmp_path: Path) -> None:
    broken = json.loads((APL / "home.json").read_text(encoding="utf-8"))
    broken["mainTemplate"]["items"][0]["item"]["direction"] = "diagonal"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    [found] = apl_lint.lint([path])[str(path)]
    assert found["path"].endswith("/direction") and found["level"] in ("ERROR", "WARNING")


# --- bindings ------------------------------------------------------------------------------


def bindings(document: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """Every payload.* and data.* path the document's ${...} expressions use."""
    for expression in BINDING.findall(json.dumps(document)):
        for root, rest in PATH.findall(expression):
            yield root, rest.strip(".").split(".")


def unbound(document: dict[str, Any], datasources: dict[str, Any]) -> list[str]:
    """Paths the document uses that the data source does not hold (data.* in every list item)."""
    lists = [
        value
        for value in _walk(datasources)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
    ]
    missing = []
    for root, used in bindings(document):
        targets = [datasources] if root == "payload" else lists
        path = ["payload", *used] if root == "payload" else used
        for target in targets or [{}]:
            items = target if isinstance(target, list) else [target]
            for item in items:
                value: Any = item
                for step in path:
                    if not isinstance(value, dict) or step not in value:
                        missing.append(f"{root}: {'.'.join(path)}")
                        break
                    value = value[step]
    return sorted(set(missing))


def _walk(value: Any) -> Iterator[Any]:
    yield value
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        yield from _walk(child)


def sample_screens() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(device, kind, directive) for every kind of screen on every screen device."""
    from lambda_function import lambda_handler

    for device in SCREEN_DEVICES:
        session = Session(Listener(device=device))  # type: ignore[arg-type]
        turns = [
            session.launch(),
            session.intent("StartTourIntent"),
            session.intent("BenefitIntent", {"benefit": Slot("circulation", "circulation")}),
            session.intent("WhyMassageHelpsIntent"),
            session.intent("ReadThroughIntent"),
        ]
        for event in turns:
            response = lambda_handler(event, None)
            session.update(response)
            for directive in response["response"].get("directives", []):
                yield device, SCREENS[directive["token"]][0], directive


def test_every_binding_the_documents_use_is_in_the_data_the_code_sends() -> None:
    seen = set()
    for device, kind, directive in sample_screens():
        seen.add(kind)
        missing = unbound(directive["document"], directive["datasources"])
        assert not missing, f"{kind} on {device}: {missing}"
    assert seen == set(display.KINDS)


def test_the_binding_check_finds_what_is_missing() -> None:
    document = {"mainTemplate": {"items": [{"text": "${payload.home.title} ${data.label}"}]}}
    data = {"payload": {"home": {"benefits": [{"id": "a", "title": "A"}]}}}
    assert unbound(document, data) == ["data: label", "payload: payload.home.title"]


# --- what each device shows ----------------------------------------------------------------


@pytest.mark.parametrize("device", SCREEN_DEVICES)
def test_every_screen_device_gets_the_home_screen_with_seven_touchable_benefits(
    skill: Any, device: str
) -> None:
    session = Session(Listener(device=device))  # type: ignore[arg-type]
    kind, home = screen_of(ask(skill, session, session.launch()))
    assert kind == "home"
    assert [tile["id"] for tile in home["benefits"]] == [
        "muscle_relaxation", "pain_relief", "circulation", "flexibility",
        "stress_reduction", "posture", "wellbeing",
    ]  # fmt: skip
    document = json.loads((APL / "home.json").read_text(encoding="utf-8"))
    presses = [press for press in _walk(document) if isinstance(press, dict) and "onPress" in press]
    assert presses and all(
        p["onPress"] == [{"type": "SendEvent", "arguments": ["benefit", "${data.id}"]}]
        for p in presses
    )


def test_a_speaker_gets_no_directive_and_hears_what_a_screen_hears(skill: Any) -> None:
    turns: list[Callable[[Session], dict[str, Any]]] = [
        lambda s: s.launch(),
        lambda s: s.intent("StartTourIntent"),
        lambda s: s.intent("AMAZON.YesIntent"),
        lambda s: s.intent("ListBenefitsIntent"),
        lambda s: s.intent("BenefitIntent", POSTURE, BENEFIT_TYPES),
        lambda s: s.intent("ReadThroughIntent"),
    ]
    heard: dict[str, list[tuple[str, str]]] = {}
    for device in ("speaker", "show"):
        session = Session(Listener(device=device))
        heard[device] = []
        for turn in turns:
            response = ask(skill, session, turn(session))
            heard[device].append((speech_text(response), reprompt_text(response)))
            assert ("directives" in response["response"]) == (device == "show")
    assert "Benefit 2 of 7" in heard["show"][2][0]
    assert heard["speaker"] == heard["show"], "a screen device must hear everything a speaker does"


def test_a_touch_answers_exactly_as_the_spoken_benefit_does(skill: Any) -> None:
    touched, spoken = Session(Listener(device="show")), Session(Listener(device="show"))
    for session in (touched, spoken):
        ask(skill, session, session.launch())
    by_touch = ask(
        skill,
        touched,
        touched.user_event(["benefit", "posture"], display.token_for("home"), "benefit-posture"),
    )
    by_voice = ask(skill, spoken, spoken.intent("BenefitIntent", POSTURE, BENEFIT_TYPES))
    assert by_touch["response"] == by_voice["response"]
    assert touched.attributes == spoken.attributes
    assert screen_of(by_touch)[0] == "benefit"
    assert "posture" in speech_text(by_touch).lower()


def test_touching_the_tours_current_benefit_carries_the_tour_on_like_saying_it(
    skill: Any,
) -> None:
    session = Session(Listener(device="spot"))
    ask(skill, session, session.intent("StartTourIntent"))
    response = ask(
        skill,
        session,
        session.user_event(["benefit", "muscle_relaxation"], "massage-guide-home", "tile"),
    )
    assert says(speech_text(response), "tour_next_question")
    assert screen_of(response)[1]["position"] == "1 of 7"


@pytest.mark.parametrize(
    "arguments",
    [["benefit", "elbows"], ["benefit"], ["play", "posture"], [], ["benefit", 7]],
)
def test_a_touch_the_skill_does_not_know_is_answered_as_a_voice_request_would_be(
    skill: Any, arguments: list[Any]
) -> None:
    session = Session(Listener(device="show"))
    ask(skill, session, session.launch())
    response = ask(skill, session, session.user_event(arguments, "massage-guide-home", "tile"))
    assert speech_text(response)
    assert "Sorry, I had trouble" not in speech_text(response)


def test_the_benefit_screen_shows_the_tour_position_only_during_the_tour(skill: Any) -> None:
    session = Session(Listener(device="tv"))
    ask(skill, session, session.intent("StartTourIntent"))
    second = ask(skill, session, session.intent("AMAZON.YesIntent"))
    kind, shown = screen_of(second)
    assert kind == "benefit" and shown["position"] == "2 of 7"
    assert shown["title"] == "Pain Relief"
    assert shown["hint"] == reprompt_text(second), "the hint is what to say next, as said"
    outside = Session(Listener(device="tv"))
    alone = ask(skill, outside, outside.intent("BenefitIntent", POSTURE, BENEFIT_TYPES))
    kind, shown = screen_of(alone)
    assert kind == "benefit" and shown["position"] == ""
    assert shown["hint"] == reprompt_text(alone)


def test_the_last_tour_step_shows_seven_of_seven(skill: Any) -> None:
    session = Session(Listener(device="phone"))
    ask(skill, session, session.intent("StartTourIntent"))
    for _ in range(6):
        last = ask(skill, session, session.intent("AMAZON.NextIntent"))
    assert screen_of(last)[1]["position"] == "7 of 7"
    assert "That's all seven." in speech_text(last)


def test_the_read_through_screen_lists_what_is_read_out(skill: Any) -> None:
    session = Session(Listener(device="show"))
    response = ask(skill, session, session.intent("ReadThroughIntent"))
    kind, shown = screen_of(response)
    assert kind == "read_through" and len(shown["benefits"]) == 7
    spoken = speech_text(response)
    for item in shown["benefits"]:
        assert item["title"].replace("&amp;", "&") in spoken
        assert item["line"].replace("&amp;", "&") in spoken  # nothing only on screen
    assert shown["closing"].replace("&amp;", "&") in spoken


def test_make_run_on_a_show_shows_apl_only_while_the_manifest_declares_it() -> None:
    declared = LocalDialog(device="show")
    assert declared.say("open back massage guide").directives == [
        "Alexa.Presentation.APL.RenderDocument"
    ]
    undeclared = LocalDialog(device="show")
    undeclared.listener.declared = frozenset()
    turn = undeclared.say("open back massage guide")
    assert turn.directives == [] and turn.speech


def test_the_documents_are_the_ones_the_responses_carry() -> None:
    for kind in display.KINDS:
        directive = display.render(display.Screen(kind, {}))
        assert directive.document == json.loads((APL / f"{kind}.json").read_text("utf-8"))
        assert directive.token == display.token_for(kind) and directive.token in SCREENS
        assert copy.deepcopy(directive.document) == display.document(kind)
