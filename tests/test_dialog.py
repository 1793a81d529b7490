"""The local dialog tool: a real process, real envelopes, the real lambda_handler."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

import lambda_function
from skill_tools.dialog import LocalDialog, Turn, cli, load_replay, ssml_to_text
from skill_tools.envelopes import Slot
from skill_tools.paths import REPO_ROOT
from tests.support import checked, variants_of

SKILL_ID = "amzn1.ask.skill.12345678-1234-4234-8234-123456789abc"


class Recorder:
    """The real lambda_handler, every response validated and every exchange kept."""

    def __init__(self, strip_should_end: bool = False) -> None:
        self.exchanges: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.strip_should_end = strip_should_end

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = checked(lambda_function.lambda_handler)(event, context)
        if self.strip_should_end:
            response["response"].pop("shouldEndSession", None)
        self.exchanges.append((event, response))
        return response

    @property
    def requests(self) -> list[dict[str, Any]]:
        return [event for event, _ in self.exchanges]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def dialog(recorder: Recorder) -> LocalDialog:
    return LocalDialog(handler=recorder, skill_id=SKILL_ID)


def run_cli(*args: str, stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skill_tools.dialog", *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def after(lines: list[str], said: str) -> list[str]:
    """The transcript lines between `You> said` and the next `You>` line."""
    start = lines.index(f"You> {said}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("You>")), len(lines))
    return lines[start:end]


# -- the command line, as a real process ----------------------------------------


@pytest.mark.subprocess
def test_interactive_session_through_a_real_process() -> None:
    said = [
        "open back massage guide",
        "how does massage help blood flow",
        "could a massage do anything for my posture",
        "stop",
        "help",
        "quit",
    ]
    result = run_cli("--verbose", stdin="\n".join(said) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    banner = lines[0]
    assert "open back massage guide" in banner and "quit" in banner and "Ctrl-D" in banner

    launch = after(lines, "open back massage guide")
    assert launch[0] == "  -> LaunchRequest (launch) [new session]"
    assert launch[1].startswith("Alexa: ") and len(launch[1]) > 30
    assert any(line.startswith("  reprompt: ") for line in launch)

    benefit = after(lines, "how does massage help blood flow")
    assert benefit[0] == (
        "  -> BenefitIntent (exact 1.00) benefit='blood flow' ER_SUCCESS_MATCH id=circulation"
    )
    assert benefit[1].startswith("Alexa: ")
    generalised = after(lines, "could a massage do anything for my posture")[0]
    assert re.fullmatch(
        r"  -> BenefitIntent \(classifier (0\.\d\d|1\.00)(, then [\w.]+ 0\.\d\d){2}\) "
        r"benefit='my posture' ER_SUCCESS_MATCH id=posture",
        generalised,
    ), generalised

    assert after(lines, "stop")[-1] == "  [session ended]"
    help_turn = after(lines, "help")
    assert help_turn[0] == "  -> AMAZON.HelpIntent (built-in 1.00) [new session]"
    # quitting mid-session sends the SessionEndedRequest the service would send
    assert help_turn[-1] == "  [session closed: USER_INITIATED]"
    assert "<" not in result.stdout and "&amp;" not in result.stdout


@pytest.mark.subprocess
def test_the_next_run_welcomes_the_same_listener_back_where_they_stopped() -> None:
    listener = f"--user-id=amzn1.ask.account.TEST-{uuid.uuid4().hex}"
    first = run_cli(listener, stdin="open back massage guide\nstart the tour\nnext\nstop\n")
    assert first.returncode == 0, first.stderr
    second = run_cli(listener, stdin="open back massage guide\nyes\n")
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    resumed = variants_of("welcome_resume", benefit="pain relief", next="better circulation")
    assert any(welcome in line for line in lines for welcome in resumed)
    assert any("Benefit 3 of 7" in line for line in after(lines, "yes"))


@pytest.mark.subprocess
def test_first_plain_utterance_is_a_one_shot_and_ctrl_d_closes_the_session() -> None:
    result = run_cli(stdin="why does massage help my back\n")  # EOF, like Ctrl-D
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    answer = after(lines, "why does massage help my back")
    assert answer[0].startswith("Alexa: ") and len(answer[0]) > 30
    assert answer[-1] == "  [session closed: USER_INITIATED]"


@pytest.mark.subprocess
def test_replay_file_prints_json_turns(tmp_path: Path) -> None:
    said = [
        "open back massage guide",
        "how does massage help blood flow",
        "tell me about quantum physics",
        "stop",
        "ask back massage guide how massage helps posture",
    ]
    replay = tmp_path / "replay.json"
    replay.write_text(
        json.dumps({"skillId": SKILL_ID, "locale": "en-US", "type": "text", "userInput": said})
    )
    result = run_cli("--replay", str(replay), "--json")
    assert result.returncode == 0, result.stderr
    turns = json.loads(result.stdout)  # nothing but JSON on stdout
    assert [t["user"] for t in turns] == said

    launch, blood, unknown, stop, one_shot = turns
    assert launch["intent"] == "LaunchRequest"
    assert launch["newSession"] is True and launch["endSession"] is False
    assert launch["speech"] and launch["reprompt"]

    assert blood["intent"] == "BenefitIntent" and blood["newSession"] is False
    assert blood["slots"]["benefit"]["id"] == "circulation"
    assert blood["slots"]["benefit"]["value"] == "blood flow"
    assert blood["ssml"].startswith("<speak>")
    assert "<" not in blood["speech"]
    assert blood["card"] is None or set(blood["card"]) == {"title", "text"}

    assert unknown["intent"] == "BenefitIntent"
    assert unknown["slots"]["benefit"] == {
        "value": "quantum physics",
        "id": None,
        "name": None,
        "status": "ER_SUCCESS_NO_MATCH",
    }
    # the classifier chose the intent: how sure it was, and the next two it weighed
    understood = unknown["understanding"]
    assert understood["method"] == "classifier"
    assert 0.3 <= understood["confidence"] < 1.0
    runners_up = understood["runnersUp"]
    assert len(runners_up) == 2 and all(r["intent"] != "BenefitIntent" for r in runners_up)
    assert understood["confidence"] >= runners_up[0]["confidence"] >= runners_up[1]["confidence"]
    assert blood["understanding"] == {"method": "exact", "confidence": 1.0, "runnersUp": []}
    assert blood["slots"]["benefit"]["status"] == "ER_SUCCESS_MATCH"

    assert stop["intent"] == "AMAZON.StopIntent" and stop["endSession"] is True
    assert one_shot["newSession"] is True
    assert one_shot["slots"]["benefit"]["id"] == "posture"


def test_replay_honours_skill_id_user_id_and_closes_the_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(cli, "default_handler", lambda: recorder)
    replay = tmp_path / "replay.json"
    said = ["open back massage guide", "stop", "why does massage help my back"]
    replay.write_text(json.dumps({"skillId": SKILL_ID, "locale": "en-US", "userInput": said}))

    code = cli.main(["--replay", str(replay), "--user-id", "amzn1.ask.account.LOCAL"])

    assert code == 0
    requests = recorder.requests
    assert [r["request"]["type"] for r in requests] == [
        "LaunchRequest",
        "IntentRequest",
        "IntentRequest",
        "SessionEndedRequest",
    ]
    assert requests[-1]["request"]["reason"] == "USER_INITIATED"
    for request in requests:
        assert request["context"]["System"]["application"]["applicationId"] == SKILL_ID
        assert request["session"]["application"]["applicationId"] == SKILL_ID
        assert request["session"]["user"]["userId"] == "amzn1.ask.account.LOCAL"
        assert request["request"]["locale"] == "en-US"
    # two sessions: the one "stop" ended, and the one the last utterance opened
    assert len({r["session"]["sessionId"] for r in requests}) == 2
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "You> open back massage guide"


def test_replay_locale_is_honoured(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"locale": "fr-FR", "userInput": ["ouvre back massage guide"]}))
    assert cli.main(["--replay", str(replay)]) == 2
    assert "no interaction model for fr-FR" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["open back massage guide"]', "expected a JSON object"),
        ('{"skillId": "x"}', "userInput must be a list of strings"),
        ('{"userInput": ["open back massage guide", 3]}', "userInput must be a list of strings"),
        ('{"userInput": []}', "userInput is empty"),
        ('{"type": "voice", "userInput": ["hi"]}', "only replay files of type 'text'"),
        (None, "no such file"),
    ],
)
@pytest.mark.subprocess
def test_bad_replay_file_exits_2_with_a_message(
    tmp_path: Path, content: str | None, message: str
) -> None:
    replay = tmp_path / "replay.json"
    if content is not None:
        replay.write_text(content)
    result = run_cli("--replay", str(replay), timeout=60)
    assert result.returncode == 2
    assert "bad replay file" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_load_replay_reads_the_ask_cli_format(tmp_path: Path) -> None:
    replay = tmp_path / "replay.json"
    replay.write_text(
        json.dumps(
            {"skillId": SKILL_ID, "locale": "en-US", "type": "text", "userInput": ["a", "b"]}
        )
    )
    loaded = load_replay(replay)
    assert (loaded.skill_id, loaded.locale, loaded.inputs) == (SKILL_ID, "en-US", ["a", "b"])


# -- the LocalDialog API -----------------------------------------------------------


def test_session_attributes_travel_between_turns(dialog: LocalDialog, recorder: Recorder) -> None:
    turns = [dialog.say(t) for t in ("open back massage guide", "walk me through them", "next")]
    assert [t.new_session for t in turns] == [True, False, False]
    assert not any(t.ended for t in turns)
    for (_, response), (request, _) in zip(
        recorder.exchanges, recorder.exchanges[1:], strict=False
    ):
        assert request["session"]["attributes"] == response.get("sessionAttributes", {})
        assert request["session"]["new"] is False
    assert recorder.requests[0]["session"]["new"] is True
    assert len({r["session"]["sessionId"] for r in recorder.requests}) == 1
    assert dialog.attributes == turns[-1].session_attributes


def test_a_new_session_after_the_skill_ends_one(dialog: LocalDialog, recorder: Recorder) -> None:
    dialog.say("open back massage guide")
    stop = dialog.say("stop")
    assert stop.ended and not dialog.in_session
    again = dialog.say("help")
    assert again.new_session
    first, last = recorder.requests[0], recorder.requests[-1]
    assert last["session"]["new"] is True
    assert last["session"]["attributes"] == {}
    assert last["session"]["sessionId"] != first["session"]["sessionId"]
    # the listener stays the same person on the same device across sessions
    assert last["session"]["user"]["userId"] == first["session"]["user"]["userId"]
    assert (
        last["context"]["System"]["device"]["deviceId"]
        == first["context"]["System"]["device"]["deviceId"]
    )


def test_leaving_mid_session_sends_session_ended(dialog: LocalDialog, recorder: Recorder) -> None:
    dialog.say("open back massage guide")
    closing = dialog.end()
    assert closing is not None and closing.ended
    request = recorder.requests[-1]["request"]
    assert request["type"] == "SessionEndedRequest"
    assert request["reason"] == "USER_INITIATED"
    assert not dialog.in_session
    assert dialog.end() is None


def test_silence_reprompts_once_then_the_session_times_out(
    dialog: LocalDialog, recorder: Recorder
) -> None:
    launch = dialog.say("open back massage guide")
    assert launch.reprompt
    first = dialog.silence()
    assert first is not None and first.request is None
    assert first.speech == launch.reprompt
    second = dialog.silence()
    assert second is not None and second.request_type == "SessionEndedRequest"
    assert recorder.requests[-1]["request"]["reason"] == "EXCEEDED_MAX_REPROMPTS"
    assert dialog.silence() is None


def test_intent_requests_carry_every_slot_and_entity_resolution(
    dialog: LocalDialog,
) -> None:
    dialog.say("open back massage guide")
    more = dialog.say("tell me more")
    assert more.intent == "TellMeMoreIntent"
    assert more.request is not None
    assert more.request["request"]["intent"]["slots"] == {
        "benefit": {"name": "benefit", "confirmationStatus": "NONE"}
    }

    matched = dialog.say("how does massage help blood flow").request
    assert matched is not None
    slot = matched["request"]["intent"]["slots"]["benefit"]
    resolution = slot["resolutions"]["resolutionsPerAuthority"][0]
    assert slot["value"] == "blood flow"
    assert resolution["status"]["code"] == "ER_SUCCESS_MATCH"
    assert resolution["values"][0]["value"]["id"] == "circulation"
    assert resolution["authority"].endswith(f"{SKILL_ID}.BenefitType")

    unknown = dialog.say("tell me about quantum physics").request
    assert unknown is not None
    slot = unknown["request"]["intent"]["slots"]["benefit"]
    assert slot["value"] == "quantum physics"
    code = slot["resolutions"]["resolutionsPerAuthority"][0]["status"]["code"]
    assert code == "ER_SUCCESS_NO_MATCH"


def test_turn_gives_plain_speech_and_the_raw_ssml(dialog: LocalDialog) -> None:
    turn = dialog.say("why does massage help my back")
    assert isinstance(turn, Turn)
    assert turn.new_session
    assert turn.speech and "<" not in turn.speech
    assert turn.ssml is not None and turn.ssml.startswith("<speak>")
    assert turn.as_json()["speech"] == turn.speech


def test_intent_can_be_sent_directly(dialog: LocalDialog, recorder: Recorder) -> None:
    turn = dialog.intent("BenefitIntent", benefit=Slot("spine", "posture", "improved posture"))
    assert turn.intent == "BenefitIntent"
    assert turn.slots == {
        "benefit": {
            "value": "spine",
            "id": "posture",
            "name": "improved posture",
            "status": "ER_SUCCESS_MATCH",
        }
    }
    sent = recorder.requests[-1]["request"]["intent"]["slots"]["benefit"]
    assert sent["value"] == "spine"


def test_show_device_sends_a_viewport(recorder: Recorder) -> None:
    dialog = LocalDialog(handler=recorder, device="show")
    dialog.say("open back massage guide")
    context = recorder.requests[0]["context"]
    assert "Viewport" in context
    assert "Alexa.Presentation.APL" in context["System"]["device"]["supportedInterfaces"]


@pytest.mark.parametrize(("device", "ends"), [("speaker", True), ("show", False)])
def test_should_end_session_left_out_depends_on_the_device(device: Any, ends: bool) -> None:
    dialog = LocalDialog(handler=Recorder(strip_should_end=True), device=device)
    turn = dialog.say("open back massage guide")
    assert turn.ended is ends
    assert dialog.in_session is not ends
    assert dialog.silence() is None  # either no session, or a session without an open mic


def test_a_failing_skill_raises_and_drops_the_session() -> None:
    calls: list[dict[str, Any]] = []

    def broken(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(event)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return lambda_function.lambda_handler(event, context)

    dialog = LocalDialog(handler=broken)
    dialog.say("open back massage guide")
    with pytest.raises(RuntimeError, match="boom"):
        dialog.say("next")
    assert not dialog.in_session
    assert dialog.say("help").new_session


def test_ssml_to_text() -> None:
    ssml = (
        "<speak><p>Hi &amp; welcome.</p><break time='500ms'/>"
        '<prosody rate="slow">Take it <emphasis>easy</emphasis></prosody>'
        "<break strength='strong'/><break time='1s'/></speak>"
    )
    assert ssml_to_text(ssml) == "Hi & welcome. … Take it easy"


def test_saying_the_invocation_again_starts_a_fresh_session(
    dialog: LocalDialog, recorder: Recorder
) -> None:
    dialog.say("open back massage guide")
    dialog.say("walk me through them")
    relaunch = dialog.say("open back massage guide")
    types = [r["request"]["type"] for r in recorder.requests]
    assert types == ["LaunchRequest", "IntentRequest", "SessionEndedRequest", "LaunchRequest"]
    assert recorder.requests[2]["request"]["reason"] == "USER_INITIATED"
    assert relaunch.new_session
    assert recorder.requests[3]["session"]["attributes"] == {}
