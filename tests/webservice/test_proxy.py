"""The loopback-only modes behind a proxy on the same machine: refused, not trusted.

``VERIFY_SIGNATURE=0`` and the test hooks trust any client at 127.0.0.1, and
behind nginx, ngrok or cloudflared on the same machine every client is at
127.0.0.1. Such proxies say so in a header; a real TCP forwarder here relays
requests to a real server process and adds the header the way they do.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from skill_tools.envelopes import Listener, Session
from skill_tools.loopback import free_port, tcp_server
from skill_tools.testpki import TestPKI
from tests.support import assert_valid_response
from tests.webservice.conftest import OTHER_SKILL_ID, SKILL_ID
from tests.webservice.test_server import COMMANDS, call, service_env, serving

pytestmark = pytest.mark.slow

PROXY_HEADERS = {
    "Forwarded": "for=203.0.113.7;proto=https;host=skill.example",
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Host": "skill.example",
    "X-Forwarded-Proto": "https",
    "X-Real-IP": "203.0.113.7",
}


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, target):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def _relay(client: socket.socket, backend_port: int, added: bytes) -> None:
    """Forward one connection, adding ``added`` header lines after the request line."""
    with client, socket.create_connection(("127.0.0.1", backend_port), timeout=10) as backend:
        head = b""
        while b"\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk:
                return
            head += chunk
        request_line, rest = head.split(b"\r\n", 1)
        backend.sendall(request_line + b"\r\n" + added + rest)
        upstream = threading.Thread(target=_pipe, args=(client, backend), daemon=True)
        upstream.start()
        _pipe(backend, client)
        upstream.join(10)


@contextmanager
def forwarder(backend_port: int, headers: dict[str, str]) -> Iterator[int]:
    """A TCP forwarder on a free loopback port that adds ``headers`` to each request."""
    added = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode()
    with tcp_server(lambda client: _relay(client, backend_port, added)) as port:
        yield port


MODES = {
    "unverified": {
        "VERIFY_SIGNATURE": "0",
        "SKILL_ID": "",
        "WEBSERVICE_TEST_HOOKS": "0",
        "CERT_CHAIN_DIR": "",
    },
    "test-hooks": {},
}


@pytest.fixture(params=[(mode, command) for mode in sorted(MODES) for command in sorted(COMMANDS)])
def loopback_mode_server(
    request: pytest.FixtureRequest, tmp_path: Path, pki: TestPKI
) -> Iterator[tuple[str, int]]:
    mode, command = request.param
    with serving(command, service_env(tmp_path, pki, free_port(), **MODES[mode])) as port:
        yield mode, port


def test_loopback_only_modes_refuse_requests_that_came_through_a_proxy(
    loopback_mode_server: tuple[str, int], pki: TestPKI
) -> None:
    mode, port = loopback_mode_server
    if mode == "unverified":  # the review's case: unsigned, and for another skill
        request = (
            json.dumps(Session(Listener(skill_id=OTHER_SKILL_ID)).launch()).encode(),
            {"Content-Type": "application/json"},
        )
    else:
        request = pki.signer().sign(Session(Listener(skill_id=SKILL_ID)).launch())

    status, payload = call(port, "POST", "/", *request)
    assert status == 200, payload  # straight from this machine: served
    assert_valid_response(json.loads(payload))
    with forwarder(port, {}) as plain:  # a relay that adds nothing changes nothing
        status, payload = call(plain, "POST", "/", *request)
        assert status == 200, payload
    for name, value in PROXY_HEADERS.items():
        with forwarder(port, {name: value}) as proxy:
            status, payload = call(proxy, "POST", "/", *request)
        assert status == 403, (name, payload)
        assert "proxy" in json.loads(payload)["error"]
        status, _ = call(port, "POST", "/", request[0], {**request[1], name: value})
        assert status == 403, name
