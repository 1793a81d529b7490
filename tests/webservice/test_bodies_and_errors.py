"""Bodies and error answers at the wire, against real server processes.

A chunked body has no Content-Length for the size check to read, and gunicorn
answers some malformed requests itself, before the app sees them: both are
tried here on raw sockets, and every error body must be the JSON the docs
describe, never an HTML page.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import suppress

import pytest

from skill_tools.envelopes import Listener, Session
from skill_tools.loopback import free_port
from skill_tools.testpki import TestPKI
from tests.webservice.conftest import SKILL_ID
from tests.webservice.test_server import COMMANDS, service_env, serving
from webservice.settings import DEFAULT_MAX_BODY

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]


@pytest.fixture(scope="module", params=sorted(COMMANDS))
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pki: TestPKI
) -> Iterator[tuple[str, int]]:
    env = service_env(tmp_path_factory.mktemp("server"), pki, free_port())
    with serving(request.param, env) as port:
        yield request.param, port


def exchange(port: int, raw: bytes, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the whole answer (the server closes or says how long it is)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with suppress(OSError):  # a server may answer and close before reading everything
            sock.sendall(raw)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {
            name.strip().lower(): value.strip()
            for name, value in (line.split(":", 1) for line in lines[1:] if ":" in line)
        }
        length = int(headers.get("content-length", "-1"))
        while length < 0 or len(body) < length:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            body += chunk
        return status, headers, body[:length] if length >= 0 else body


def chunked(body: bytes, piece: int = 16384) -> bytes:
    out = b""
    for start in range(0, len(body), piece):
        part = body[start : start + piece]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


def assert_json_error(status: int, headers: dict[str, str], body: bytes) -> str:
    assert headers.get("content-type", "").startswith("application/json"), (status, body[:200])
    assert b"<html" not in body.lower()
    error = json.loads(body)["error"]
    assert isinstance(error, str) and error
    return error


def test_a_chunked_body_over_the_limit_is_a_413(server: tuple[str, int], pki: TestPKI) -> None:
    """The review's case: a signed envelope filling the limit exactly, then more bytes.

    Cut at the limit, the first part is a genuine signed request; served, it
    would answer a body the client never sent whole.
    """
    _, port = server
    signer = pki.signer()
    body, _ = signer.sign(Session(Listener(skill_id=SKILL_ID)).launch())
    exact = body + b" " * (DEFAULT_MAX_BODY - len(body))  # JSON allows trailing blanks
    headers = signer.headers(exact)
    head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"

    status, answer_headers, answer = exchange(port, head.encode() + chunked(exact))
    assert status == 200, answer[:300]  # exactly at the limit: served
    status, answer_headers, answer = exchange(port, head.encode() + chunked(exact + b" " * 4096))
    assert status == 413, answer[:300]
    assert_json_error(status, answer_headers, answer)


def test_error_bodies_are_json_whoever_answers(server: tuple[str, int]) -> None:
    """The app's errors and the server's own refusals of malformed requests alike."""
    command, port = server
    cases = [
        b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n",
        b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
        b"Connection: close\r\n\r\n{}",
    ]
    if command == "gunicorn":  # malformed requests that gunicorn refuses before the app
        cases += [
            b"GET /" + b"a" * 4000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # request line too long
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n",  # header too big
            b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: 1\r\n" * 60 + b"\r\n",  # too many headers
            b"G<T / HTTP/1.1\r\nHost: x\r\n\r\n",  # bad method
            b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",  # bad version
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ]
    for raw in cases:
        status, headers, body = exchange(port, raw)
        assert 400 <= status < 600, raw[:40]
        error = assert_json_error(status, headers, body)
        assert "aaaa" not in error  # nothing from the request is quoted back
