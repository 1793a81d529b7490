"""Real server processes on loopback: ``python -m webservice`` and gunicorn, verification on.

The test CA reaches the process the way an operator's settings would: TRUST_STORE
names a PEM file, and the chain is served from CERT_CHAIN_DIR, a test hook the
service honours only with WEBSERVICE_TEST_HOOKS=1 on a loopback address.
"""

from __future__ import annotations

import http.client
import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from skill_tools.envelopes import Listener, Session
from skill_tools.loopback import free_port, wait_until_up
from skill_tools.paths import REPO_ROOT
from skill_tools.testpki import CHAIN_URL_PREFIX, AlexaSigner, ChainServer, TestPKI
from tests.support import assert_valid_response
from tests.webservice.conftest import SKILL_ID

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]

GUNICORN = Path(sys.executable).with_name("gunicorn")


def service_env(
    tmp: Path, pki: TestPKI, port: int, chain_origin: str | None = None, **extra: str
) -> dict[str, str]:
    settings = {"PORT": str(port), "WEB_CONCURRENCY": "2", "PYTHONUNBUFFERED": "1", **extra}
    return pki.service_env(tmp, SKILL_ID, chain_origin=chain_origin, **settings)


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


@contextmanager
def serving(command: str, env: dict[str, str]) -> Iterator[int]:
    """A real server process on ``env["PORT"]`` for the block; its log must hold no traceback."""
    port = int(env["PORT"])
    process = subprocess.Popen(
        COMMANDS[command], cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    wait_until_up(process, port, timeout=30)
    # Read the log as it comes: a busy server fills an unread pipe and then blocks on it.
    log = bytearray()
    stderr = process.stderr
    assert isinstance(stderr, io.BufferedReader)
    drain = threading.Thread(
        target=lambda: log.extend(b"".join(iter(lambda: stderr.read1(65536), b""))), daemon=True
    )
    drain.start()
    try:
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        drain.join(5)
        stderr.close()
        text = log.decode(errors="replace")
        assert "Traceback" not in text, text


@pytest.fixture(params=sorted(COMMANDS))
def running(request: pytest.FixtureRequest, tmp_path: Path, pki: TestPKI) -> Iterator[int]:
    with serving(request.param, service_env(tmp_path, pki, free_port())) as port:
        yield port


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
        (
            {
                "WEBSERVICE_TEST_HOOKS": "0",
                "CERT_CHAIN_DIR": "",
                "CERT_CHAIN_ORIGIN": "http://[::1]",
            },
            "CERT_CHAIN_ORIGIN is a test hook",
        ),
        ({"CERT_CHAIN_DIR": "", "CERT_CHAIN_ORIGIN": "http://192.0.2.1:80"}, "a loopback server"),
        ({"CERT_CHAIN_ORIGIN": "http://127.0.0.1:9"}, "not both"),
        ({"USER_ID_HASH_KEY": ""}, "USER_ID_HASH_KEY is not set"),
    ],
    ids=[
        "unverified-public",
        "hooks-public",
        "no-skill-id",
        "hook-without-flag",
        "bad-flag",
        "origin-without-flag",
        "origin-not-loopback",
        "origin-and-dir",
        "no-hash-key",
    ],
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


def test_a_flood_of_new_chain_urls_costs_a_bounded_number_of_downloads(
    tmp_path: Path, pki: TestPKI
) -> None:
    """The review's attack on a real gunicorn: every request names a new chain URL.

    Chains come from a slow loopback server (0.25 s a download, through the
    service's real urllib fetcher). Genuine requests, whose chain is cached,
    keep being answered; the attack's requests are refused (400 once
    downloaded and failed, 503 when refused without a download) and cost at
    most DOWNLOADS_PER_MINUTE downloads per worker, not one each.
    """
    from webservice.chain_cache import DOWNLOADS_PER_MINUTE

    signer = pki.signer()
    session = Session(Listener(skill_id=SKILL_ID))
    with (
        ChainServer.running(tmp_path / "chains", delay=0.25) as chains,
        serving("gunicorn", service_env(tmp_path, pki, free_port(), chains.origin)) as port,
    ):
        for _ in range(40):  # until both workers have downloaded and cached Alexa's chain
            status, payload = call(port, "POST", "/", *signer.sign(session.launch()))
            assert status == 200, payload
            if chains.downloads == 2:
                break
        genuine_downloads = chains.downloads
        assert genuine_downloads == 2
        attack_statuses: list[int] = []

        def attack(worker: int) -> None:
            for n in range(6):
                body, headers = signer.sign(Session(Listener(skill_id=SKILL_ID)).launch())
                headers["Signature-256"] = "AAAA"
                headers["SignatureCertChainUrl"] = f"{CHAIN_URL_PREFIX}flood-{worker}-{n}.pem"
                attack_statuses.append(call(port, "POST", "/", body, headers)[0])

        attackers = [threading.Thread(target=attack, args=(n,)) for n in range(16)]
        for thread in attackers:
            thread.start()
        genuine = [call(port, "POST", "/", *signer.sign(session.launch()))[0] for _ in range(20)]
        for thread in attackers:
            thread.join(60)
    assert genuine == [200] * 20
    assert len(attack_statuses) == 96 and set(attack_statuses) <= {400, 503}
    assert 503 in attack_statuses
    assert chains.downloads - genuine_downloads <= 2 * DOWNLOADS_PER_MINUTE


def test_a_worker_started_under_a_flood_gets_alexas_chain_within_seconds(
    tmp_path: Path, pki: TestPKI
) -> None:
    """The review's M1: gunicorn started while a flood of new chain URLs runs.

    No worker has Alexa's chain yet, and the flood asks for a download in
    every request. Genuine requests must be answered within seconds and then
    every time, while the flood is still running.
    """
    import time

    signer = pki.signer()
    with (
        ChainServer.running(tmp_path / "chains", delay=0.25) as chains,
        serving("gunicorn", service_env(tmp_path, pki, free_port(), chains.origin)) as port,
    ):
        stop = threading.Event()
        attack_statuses: list[int] = []

        def attack(worker: int) -> None:
            for n in range(400):
                if stop.is_set():
                    return
                body, headers = signer.sign(Session(Listener(skill_id=SKILL_ID)).launch())
                headers["Signature-256"] = "AAAA"
                headers["SignatureCertChainUrl"] = f"{CHAIN_URL_PREFIX}flood-{worker}-{n}.pem"
                attack_statuses.append(call(port, "POST", "/", body, headers)[0])

        attackers = [threading.Thread(target=attack, args=(n,)) for n in range(16)]
        for thread in attackers:
            thread.start()
        started = time.monotonic()
        genuine: list[tuple[float, int]] = []
        try:
            while time.monotonic() - started < 8.0:
                session = Session(Listener(skill_id=SKILL_ID))
                status, payload = call(port, "POST", "/", *signer.sign(session.launch()))
                genuine.append((time.monotonic() - started, status))
                if status == 200:
                    assert_valid_response(json.loads(payload))
                else:
                    assert status == 503, payload
                time.sleep(0.05)
        finally:
            stop.set()
            for thread in attackers:
                thread.join(30)
    first_success = min(moment for moment, status in genuine if status == 200)
    assert first_success < 3.0, genuine
    later = [status for moment, status in genuine if moment > first_success + 2.0]
    assert later and set(later) == {200}, genuine
    assert set(attack_statuses) <= {400, 503} and attack_statuses
