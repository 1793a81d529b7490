"""`make validate` with the pinned ASK CLI's real smapi commands, SMAPI answered on loopback.

SMAPI does not run off Amazon, so tests/test_validate.py's stand-in answers the two
calls (submit, then get the validation) at the address the CLI's own
ASK_SMAPI_SERVER_BASE_URL setting names; the CLI, its request building and its
output are the real ones.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from skill_tools import node_tools, validate

SKILL = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
FAILED_CHECK = {
    "id": "PRIVACY_POLICY_URL",
    "title": "Privacy policy URL is reachable",
    "description": "The privacy policy URL for de-DE could not be reached.",
    "status": "FAILED",
    "importance": "REQUIRED",
    "locale": "de-DE",
}
PASSED_CHECK = {
    "id": "EXAMPLE_PHRASES",
    "title": "Example phrases are sample utterances",
    "status": "SUCCESSFUL",
    "importance": "REQUIRED",
    "locale": "en-US",
}


class Smapi(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str, Any]]] = []
    tokens: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self.seen.append(("POST", self.path, body))
        self.tokens.append(self.headers.get("Authorization", ""))
        self._answer(202, {"id": "validation-1", "status": "IN_PROGRESS"})

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path, None))
        self.tokens.append(self.headers.get("Authorization", ""))
        polls = sum(1 for method, _, _ in self.seen if method == "GET")
        if polls == 1:
            self._answer(200, {"id": "validation-1", "status": "IN_PROGRESS"})
            return
        result = {"validations": [PASSED_CHECK, FAILED_CHECK]}
        self._answer(200, {"id": "validation-1", "status": "FAILED", "result": result})


@pytest.fixture
def smapi() -> Iterator[str]:
    Smapi.seen = []
    Smapi.tokens = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Smapi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_without_credentials_it_says_what_it_needs_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = validate.main(["--states", str(tmp_path / "none.json")], environ=environ)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.splitlines() == [validate.NEEDS]
    assert "ask configure" in err and "SKILL_ID" in err


def test_a_skill_id_alone_is_not_enough(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    environ = {"HOME": str(tmp_path), "SKILL_ID": SKILL}
    assert validate.main([], environ=environ) == 2
    assert capsys.readouterr().err.strip() == validate.NEEDS


@pytest.mark.slow
@pytest.mark.node
@pytest.mark.subprocess
def test_submits_every_locale_polls_and_prints_the_checks(
    smapi: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    node_tools.ensure_installed("ask-cli")
    monkeypatch.setattr(validate, "POLL_SECONDS", 0.1)
    environ = {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "SKILL_ID": SKILL,
        "ASK_ACCESS_TOKEN": "loopback-token",
        "ASK_VENDOR_ID": "M0LOOPBACK",
        "AWS_ACCESS_KEY_ID": "AKIALOOPBACK",
        "AWS_SECRET_ACCESS_KEY": "loopback",
        "ASK_SMAPI_SERVER_BASE_URL": smapi,
        "ASK_SHARE_USAGE": "false",
    }
    code = validate.main([], environ=environ)
    out = capsys.readouterr().out.splitlines()
    assert code == 1, "a failed check fails make validate"
    method, path, body = Smapi.seen[0]
    assert (method, path) == ("POST", f"/v1/skills/{SKILL}/stages/development/validations")
    assert body == {"locales": validate.locales()}
    assert len(validate.locales()) == 9
    polls = [p for m, p, _ in Smapi.seen if m == "GET"]
    assert polls == [f"/v1/skills/{SKILL}/stages/development/validations/validation-1"] * 2
    assert out[0].startswith(f"validating {SKILL} (development) for de-DE, en-AU")
    assert out[1].split() == ["FAILED", "REQUIRED", "de-DE", *FAILED_CHECK["title"].split()]
    assert out[2].strip() == FAILED_CHECK["description"]
    assert out[3].split()[:3] == ["SUCCESSFUL", "REQUIRED", "en-US"]
    assert out[-1] == "validation validation-1: FAILED"
    assert Smapi.tokens and all("loopback-token" in token for token in Smapi.tokens)
