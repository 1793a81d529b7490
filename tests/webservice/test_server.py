"""Real server processes on loopback: ``python -m webservice`` and gunicorn, verification on.

The test CA reaches the process the way an operator's settings would: TRUST_STORE
names a PEM file, and the chain is served from CERT_CHAIN_DIR, a test hook the
service honours only with WEBSERVICE_TEST_HOOKS=1 on a loopback address.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skill_tools.envelopes import Listener, Session
from skill_tools.loopback import free_port, wait_until_up
from skill_tools.paths import REPO_ROOT
from skill_tools.testpki import AlexaSigner, TestPKI
from tests.support import assert_valid_response
from tests.webservice.conftest import SKILL_ID

pytestmark = pytest.mark.slow

GUNICORN = Path(sys.executable).with_name("gunicorn")


def service_env(tmp: Path, pki: TestPKI, port: int, **extra: str) -> dict[str, str]:
    settings = {"PORT": str(port), "WEB_CONCURRENCY": "2", "PYTHONUNBUFFERED": "1", **extra}
    return pki.service_env(tmp, SKILL_ID, **settings)


def call(port: int, method: str, path: str, body: bytes = b"", headers: Any = None) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def stop(process: subprocess.Popen[bytes]) -> str:
    process.terminate()
    try:
        _, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err.decode(errors="replace")


COMMANDS = {
    "python -m webservice": [sys.executable, "-m", "webservice"],
    "gunicorn": [str(GUNICORN), "-c", "webservice/gunicorn.conf.py"],
}


@pytest.fixture(params=sorted(COMMANDS))
def running(request: pytest.FixtureRequest, tmp_path: Path, pki: TestPKI) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        COMMANDS[request.param],
        cwd=REPO_ROOT,
        env=service_env(tmp_path, pki, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_up(process, port, timeout=30)
        yield port
    finally:
        log = stop(process)
        assert "Traceback" not in log, log


def test_real_server_answers_genuine_requests_and_refuses_the_rest(
    running: int, pki: TestPKI
) -> None:
    signer: AlexaSigner = pki.signer()
    session = Session(Listener(skill_id=SKILL_ID))

    status, payload = call(running, "POST", "/", *signer.sign(session.launch()))
    assert status == 200, payload
    session.update(assert_valid_response(json.loads(payload)))
    status, payload = call(
        running, "POST", "/", *signer.sign(session.intent("WhyMassageHelpsIntent"))
    )
    assert status == 200, payload
    assert_valid_response(json.loads(payload))

    body, headers = signer.sign(session.launch())
    tampered = body.replace(b"LaunchRequest", b"SessionEndedRequest")
    status, payload = call(running, "POST", "/", tampered, headers)
    assert (status, json.loads(payload)["error"]) == (400, "signature does not match body")

    status, payload = call(running, "POST", "/", body, {"Content-Type": "application/json"})
    assert (status, json.loads(payload)["error"]) == (400, "signature headers missing")

    forged = AlexaSigner(TestPKI.create().leaf_key, pki.chain_pem, signer.chain_url)
    status, _ = call(running, "POST", "/", *forged.sign(session.launch()))
    assert status == 400

    status, _ = call(running, "POST", "/", b"x" * (200 * 1024), headers)
    assert status == 413

    status, _ = call(running, "GET", "/")
    assert status == 405


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"VERIFY_SIGNATURE": "0", "HOST": "0.0.0.0"}, "refusing to listen on '0.0.0.0'"),  # noqa: S104
        ({"HOST": "0.0.0.0"}, "test hooks are on"),  # noqa: S104
        ({"SKILL_ID": ""}, "SKILL_ID is not set"),
        ({"WEBSERVICE_TEST_HOOKS": "0"}, "CERT_CHAIN_DIR is a test hook"),
        ({"VERIFY_SIGNATURE": "maybe"}, "not a yes/no value"),
    ],
    ids=["unverified-public", "hooks-public", "no-skill-id", "hook-without-flag", "bad-flag"],
)
def test_unsafe_configurations_refuse_to_start(
    tmp_path: Path, pki: TestPKI, command: str, overrides: dict[str, str], message: str
) -> None:
    env = service_env(tmp_path, pki, free_port(), **overrides)
    result = subprocess.run(
        COMMANDS[command], cwd=REPO_ROOT, env=env, capture_output=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert message in result.stderr.decode()


def test_gunicorn_refuses_a_public_bind_given_on_the_command_line(
    tmp_path: Path, pki: TestPKI
) -> None:
    env = service_env(tmp_path, pki, free_port())
    command = [*COMMANDS["gunicorn"], "-b", "0.0.0.0:1"]  # refused before binding
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "refusing to listen on '0.0.0.0'" in result.stderr.decode()
