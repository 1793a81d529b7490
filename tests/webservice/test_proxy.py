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
from skill_tools.nginx import PACKAGE, nginx_binary, running_nginx
from skill_tools.testpki import TestPKI
from tests.support import assert_valid_response
from tests.webservice.conftest import OTHER_SKILL_ID, SKILL_ID
from tests.webservice.test_server import COMMANDS, call, service_env, serving

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]

PROXY_HEADERS = {
    "Forwarded": "for=203.0.113.7;proto=https;host=skill.example",
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Host": "skill.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Server": "edge.example",
    "X-Forwarded-Prefix": "/skill",
    "X-Forwarded-Scheme": "https",
    "X-Forwarded-Ssl": "on",
    "X-Real-IP": "203.0.113.7",
    "Via": "1.1 edge.example",
    "CF-Connecting-IP": "203.0.113.7",
    "CF-Ray": "8a1b2c3d4e5f6789-FRA",
    "True-Client-IP": "203.0.113.7",
    "X-Client-IP": "203.0.113.7",
    "X-Cluster-Client-IP": "203.0.113.7",
    "Fastly-Client-IP": "203.0.113.7",
    "X-Original-Forwarded-For": "203.0.113.7",
    "X-Envoy-External-Address": "203.0.113.7",
    "X-Amzn-Trace-Id": "Root=1-67891233-abcdef012345678912345678",
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


@contextmanager
def nginx_default_relay(directory: Path, backend_port: int) -> Iterator[int]:
    """A real nginx whose only configuration is nginx's default proxy: ``proxy_pass``, no more.

    It sends ``POST / HTTP/1.0``, ``Host`` and ``Connection: close`` and none of the
    forwarding headers, the review's case.
    """
    if nginx_binary() is None:
        pytest.skip(f"nginx is not installed: apt-get install {PACKAGE} (make test does, as root)")
    port = free_port()
    server = (
        f"server {{ listen 127.0.0.1:{port}; "
        f"location / {{ proxy_pass http://127.0.0.1:{backend_port}; }} }}"
    )
    with running_nginx(directory, server, port):
        yield port


def raw_request(port: int, request_line: bytes, body: bytes, headers: dict[str, str]) -> int:
    """The status of one request sent as raw bytes, with exactly the request line given."""
    head = request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode()
    head += f"Content-Length: {len(body)}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_unverified_mode_refuses_a_real_nginx_in_its_default_proxy_config(
    command: str, tmp_path: Path, pki: TestPKI
) -> None:
    envelope = Session(Listener(skill_id=OTHER_SKILL_ID)).launch()
    body, headers = json.dumps(envelope).encode(), {"Content-Type": "application/json"}
    env = service_env(tmp_path, pki, free_port(), **MODES["unverified"])
    with serving(command, env) as port:
        assert raw_request(port, b"POST / HTTP/1.1", body, headers) == 200  # a local tool
        assert raw_request(port, b"POST / HTTP/1.0", body, headers) == 403  # a proxy's default
        with nginx_default_relay(tmp_path / "nginx", port) as relay:
            status, payload = call(relay, "POST", "/", body, headers)
    assert status == 403, payload
    assert "proxy" in json.loads(payload)["error"]
