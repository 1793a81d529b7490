"""The test console's server: who it lets in, where it listens, and what its API answers.

The guard is tested against the real ``python -m skill_tools.console`` process
over loopback; the API through Flask's client, with the real skill behind it.
"""

from __future__ import annotations

import http.client
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill_tools.console.app import create_app
from skill_tools.paths import REPO_ROOT
from skill_tools.spoken_length import measure
from tests.console_process import running_console
from tests.support import assert_valid_response

TOKEN = "test-token-for-this-run"
PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"
BASE = ORIGIN

# The console runs as a real server process, and its runtimes start the Lambda runtime
# client and the web service: none of it belongs in `make check`.
pytestmark = pytest.mark.subprocess


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[int, str]]:
    """The real console process on a free port; yields its port and token as printed."""
    with running_console() as found:
        yield int(found.group(1)), found.group(2)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_the_console_lets_in_only_its_own_page_with_the_token(served: tuple[int, str]) -> None:
    port, token = served
    status, body = get(port, f"/?token={token}")
    assert status == 200
    assert b"Test console" in body
    assert get(port, "/api/meta", {"X-Console-Token": token})[0] == 200
    # No token, a wrong one, another site's page, another host name: all refused.
    assert get(port, "/")[0] == 403
    assert get(port, "/api/meta")[0] == 403
    assert get(port, "/?token=not-the-token")[0] == 403
    evil = {"X-Console-Token": token, "Origin": "http://evil.example"}
    status, body = get(port, "/api/meta", evil)
    assert status == 403
    assert b"another origin" in body
    rebound = {"X-Console-Token": token, "Host": f"evil.example:{port}"}
    assert get(port, "/api/meta", rebound)[0] == 403
    same_origin = {"X-Console-Token": token, "Origin": f"http://127.0.0.1:{port}"}
    assert get(port, "/api/meta", same_origin)[0] == 200


@pytest.mark.slow
def test_the_console_listens_on_loopback_only(served: tuple[int, str]) -> None:
    """The kernel's own table of listening sockets: the console's port is bound to 127.0.0.1."""
    port, _ = served
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for row in Path(table).read_text(encoding="ascii").splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                listening.append(address)
    assert listening == ["0100007F"]  # 127.0.0.1, little-endian; nothing on :: or 0.0.0.0


@pytest.fixture
def client() -> FlaskClient:
    app = create_app(TOKEN, PORT)
    client = app.test_client()
    client.set_cookie("console_token", TOKEN, domain="127.0.0.1")
    return client


def post(client: FlaskClient, path: str, body: Any, status: int = 200) -> Any:
    reply = client.post(path, json=body, headers={"Origin": ORIGIN}, base_url=BASE)
    assert reply.status_code == status, reply.get_data(as_text=True)
    return reply.get_json()


def test_a_turn_shows_nlu_speech_length_state_and_timing(client: FlaskClient) -> None:
    started = post(client, "/api/session", {"locale": "en-US", "device": "show"})
    assert started["device"]["interfaces"] == ["Alexa.Presentation.APL"]
    launch = post(client, "/api/say", {"text": "open back massage guide"})
    assert_valid_response(launch["response"], "en-US")
    assert launch["requestType"] == "LaunchRequest"
    assert launch["screen"]["token"] == "massage-guide-home"
    assert launch["runtime"] == "in-process"
    assert launch["ms"] > 0
    turn = post(client, "/api/say", {"text": "tell me about posture"})
    assert_valid_response(turn["response"], "en-US")
    assert turn["nlu"]["intent"] == "BenefitIntent"
    assert turn["nlu"]["slots"]["benefit"]["status"] == "ER_SUCCESS_MATCH"
    assert turn["nlu"]["slots"]["benefit"]["id"] == "posture"
    assert 0 < turn["nlu"]["confidence"] <= 1
    length = measure(turn["ssml"])
    assert turn["spoken"] == {
        "words": length.words,
        "seconds": length.seconds,
        "secondsAtNormalPace": length.seconds_at_normal_pace,
    }
    assert 10 < length.words <= 45
    assert turn["changed"], "a benefit turn changes the conversation state"
    assert all(len(pair) == 2 for pair in turn["changed"].values())


def test_a_touch_sends_the_real_user_event(client: FlaskClient) -> None:
    post(client, "/api/session", {"locale": "en-US", "device": "show"})
    post(client, "/api/say", {"text": "open back massage guide"})
    touched = post(
        client,
        "/api/touch",
        {"arguments": ["benefit", "posture"], "token": "massage-guide-home", "source": "b"},
    )
    request = touched["request"]["request"]
    assert request["type"] == "Alexa.Presentation.APL.UserEvent"
    assert request["arguments"] == ["benefit", "posture"]
    assert_valid_response(touched["response"], "en-US")
    assert "posture" in touched["speech"].lower()


def test_a_speaker_cannot_touch(client: FlaskClient) -> None:
    post(client, "/api/session", {"locale": "en-US", "device": "speaker"})
    body = {"arguments": ["benefit", "posture"], "token": "t", "source": "s"}
    refused = client.post("/api/touch", json=body, base_url=BASE)
    assert refused.status_code == 500
    assert "no APL" in refused.get_json()["error"]


def test_crafted_requests_and_manual_json(client: FlaskClient) -> None:
    post(client, "/api/session", {"locale": "en-US", "device": "speaker"})
    post(client, "/api/say", {"text": "open back massage guide"})
    ended = post(client, "/api/craft", {"kind": "SessionEndedRequest", "reason": "ERROR"})
    assert ended["request"]["request"]["reason"] == "ERROR"
    assert ended["response"]["response"] == {}
    disabled = post(client, "/api/craft", {"kind": "SkillDisabled"})
    assert disabled["request"]["request"]["type"] == "AlexaSkillEvent.SkillDisabled"
    cfir = post(client, "/api/craft", {"kind": "CanFulfillIntentRequest", "text": "posture"})
    verdict = cfir["response"]["response"]["canFulfillIntent"]["canFulfill"]
    assert verdict in {"YES", "MAYBE"}
    manual = post(client, "/api/send", {"envelope": ended["request"]})
    assert manual["kind"] == "manual"
    assert manual["response"]["response"] == {}
    broken = post(client, "/api/send", {"envelope": {"request": "nonsense"}})
    assert_valid_response(broken["response"])  # the skill's apology, not a crash
    post(client, "/api/craft", {"kind": "Nonsense"}, status=400)
    post(client, "/api/send", {"envelope": "not an object"}, status=400)
    post(client, "/api/session", {"locale": "xx-XX"}, status=400)
    post(client, "/api/session", {"device": "toaster"}, status=400)


def test_the_stored_record_and_forgetting_it(client: FlaskClient) -> None:
    post(client, "/api/session", {"locale": "en-US", "device": "speaker"})
    assert client.get("/api/record", base_url=BASE).get_json()["record"] == {}
    for text in ("open back massage guide", "tell me about posture", "stop"):
        post(client, "/api/say", {"text": text})
    stored = client.get("/api/record", base_url=BASE).get_json()
    assert stored["store"] == "SQLiteStore"
    assert stored["record"], "the skill remembers where the listener stopped"
    forgotten = post(client, "/api/forget", {})
    assert forgotten == {**forgotten, "record": {}, "forgotten": True}


def test_a_saved_session_replays_with_no_differences(client: FlaskClient) -> None:
    post(client, "/api/session", {"locale": "en-US", "device": "show"})
    for text in ("open back massage guide", "walk me through them", "", "next", "stop"):
        post(client, "/api/say", {"text": text})
    exported = client.get("/api/export", base_url=BASE).get_json()
    assert exported["replay"]["userInput"][2] == ""
    assert exported["replay"]["type"] == "text"
    assert len(exported["transcript"]) == 5
    rerun = post(client, "/api/replay", exported)
    assert rerun["compared"] is True
    assert rerun["differences"] == []
    changed = [dict(line) for line in exported["transcript"]]
    changed[1]["speech"] = "Something else entirely."
    rerun = post(client, "/api/replay", {**exported, "transcript": changed})
    assert [(d["turn"], d["field"]) for d in rerun["differences"]] == [(2, "speech")]
    assert rerun["differences"][0]["got"] == exported["transcript"][1]["speech"]


def test_an_ask_cli_replay_file_from_the_repo_plays(client: FlaskClient) -> None:
    from skill_tools.dialog.replay import load_replay

    replay = load_replay(REPO_ROOT / "replays" / "tour.json")
    body = {"replay": {"locale": replay.locale, "userInput": replay.inputs}}
    rerun = post(client, "/api/replay", body)
    assert rerun["compared"] is False
    assert len(rerun["turns"]) == len(replay.inputs)
    for turn in rerun["turns"]:
        if turn["response"] is not None:
            assert_valid_response(turn["response"], replay.locale)
    post(client, "/api/replay", {"replay": {"userInput": "not a list"}}, status=400)


def test_speech_plays_with_espeak_or_says_what_to_install(client: FlaskClient) -> None:
    from skill_tools.console import speech

    ssml = '<speak>Hello <break time="300ms"/> there.</speak>'
    reply = client.post("/api/speak", json={"ssml": ssml, "locale": "en-US"}, base_url=BASE)
    if speech.available():
        assert reply.status_code == 200
        assert reply.mimetype == "audio/wav"
        assert reply.data.startswith(b"RIFF")
        assert len(reply.data) > 10_000
    else:
        assert reply.status_code == 503
        assert "apt-get install espeak-ng" in reply.get_json()["error"]


def test_every_device_reports_only_what_the_manifest_declares(client: FlaskClient) -> None:
    meta = client.get("/api/meta", base_url=BASE).get_json()
    assert len(meta["locales"]) == 9
    assert "ALEXA_PRESENTATION_APL" in meta["declared"]
    by_name = {d["name"]: d for d in meta["devices"]}
    assert set(by_name) == {"speaker", "show5", "show", "show15", "spot", "tv", "phone"}
    assert by_name["speaker"]["interfaces"] == []
    assert by_name["speaker"]["viewport"] is None
    for name in ("show5", "show", "show15", "spot", "tv", "phone"):
        assert by_name[name]["interfaces"] == ["Alexa.Presentation.APL"]
        assert by_name[name]["viewport"]["pixelWidth"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["lambda", "webservice"])
def test_the_same_conversation_on_another_runtime(client: FlaskClient, runtime: str) -> None:
    """awslambdaric and the signed web service answer as the skill does in-process.

    (The goodbye is left out: its wording follows the listener's stored visits, and
    Lambda runs without memory unless DYNAMODB_TABLE is set.)
    """
    texts = ("open back massage guide", "tell me about posture", "what are the seven benefits")
    answers: dict[str, list[str]] = {}
    try:
        for name in ("in-process", runtime):
            post(client, "/api/session", {"locale": "en-US", "device": "show", "runtime": name})
            turns = [post(client, "/api/say", {"text": text}) for text in texts]
            for turn in turns:
                assert turn["runtime"] == name
                assert_valid_response(turn["response"], "en-US")
            answers[name] = [turn["speech"] for turn in turns]
    finally:
        client.application.extensions["console"]["runtimes"].close()
    assert answers[runtime] == answers["in-process"]


def test_make_run_replays_what_the_console_saved(
    client: FlaskClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make run ARGS="--replay FILE"` reads the console's replay file and says the same."""
    import json

    from skill_tools.dialog.cli import main as make_run

    post(client, "/api/session", {"locale": "en-US", "device": "speaker"})
    for text in ("open back massage guide", "tell me about posture", "", "stop"):
        post(client, "/api/say", {"text": text})
    exported = client.get("/api/export", base_url=BASE).get_json()
    replay = tmp_path / "console-replay.json"
    replay.write_text(json.dumps(exported["replay"]), encoding="utf-8")
    capsys.readouterr()
    someone_new = f"amzn1.ask.account.{uuid.uuid4().hex}"  # as the console's replay meets it
    assert make_run(["--replay", str(replay), "--json", "--user-id", someone_new]) == 0
    played = json.loads(capsys.readouterr().out)
    assert [turn["speech"] for turn in played] == [
        line["speech"] for line in exported["transcript"]
    ]
