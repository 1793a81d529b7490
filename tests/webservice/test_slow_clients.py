"""Slow and idle clients: the shipped nginx configuration in front of the production gunicorn.

A gunicorn thread reads the request of the connection it accepted, so a few
idle or trickling connections hold every thread a worker has. The production
setup puts the shipped ``webservice/nginx/skill-proxy.conf`` in front (see
docs/webservice.md): nginx holds such clients on its event loop and passes
gunicorn only whole requests. This runs that very file, in a real nginx, beside
30 idle and 12 trickling connections, and times genuine signed requests.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import pytest

from skill_tools.envelopes import Listener, Session
from skill_tools.loopback import free_port
from skill_tools.nginx import PACKAGE, nginx_binary, running_nginx
from skill_tools.paths import REPO_ROOT
from skill_tools.testpki import TestPKI
from tests.support import assert_valid_response
from tests.webservice.conftest import SKILL_ID
from tests.webservice.test_server import call, service_env, serving

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]

PROXY_CONF = REPO_ROOT / "webservice" / "nginx" / "skill-proxy.conf"
IDLE = 30
TRICKLING = 12


@contextmanager
def shipped_proxy(directory: Path, backend_port: int) -> Iterator[int]:
    """nginx with the shipped proxy file included, as the shipped site does, on loopback."""
    if nginx_binary() is None:
        pytest.skip(f"nginx is not installed: apt-get install {PACKAGE} (make test does, as root)")
    port = free_port()
    servers = (
        f"upstream back_massage_guide {{ server 127.0.0.1:{backend_port}; }}\n"
        f"server {{ listen 127.0.0.1:{port}; include {PROXY_CONF}; }}"
    )
    with running_nginx(directory, servers, port):
        yield port


@contextmanager
def idle_and_trickling(port: int, seconds: float) -> Iterator[list[int]]:
    """IDLE connections that send nothing and TRICKLING ones sending headers a byte a second.

    Every trickler stops by itself after ``seconds``; the block's end closes all.
    Yields a list the tricklers append to when the server hung up on them.
    """
    stop = threading.Event()
    hung_up: list[int] = []

    def trickle(n: int) -> None:
        line = f"POST / HTTP/1.1\r\nHost: x\r\nX-Slow-{n}: ".encode() + b"a" * 100
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            deadline = time.monotonic() + seconds
            for byte in line:
                if stop.wait(1.0) or time.monotonic() > deadline:
                    return
                sock.sendall(bytes([byte]))
            hung_up.append(n)

    with ExitStack() as stack:
        for _ in range(IDLE):
            stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
        threads = [threading.Thread(target=trickle, args=(n,)) for n in range(TRICKLING)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(0.5)  # let every slow client take its place first
            yield hung_up
        finally:
            stop.set()
            for thread in threads:
                thread.join(5)


def genuine_latencies(port: int, pki: TestPKI, seconds: float) -> list[float]:
    signer = pki.signer()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(latencies) < 2000:
        session = Session(Listener(skill_id=SKILL_ID))
        started = time.perf_counter()
        status, payload = call(port, "POST", "/", *signer.sign(session.launch()))
        latencies.append(time.perf_counter() - started)
        assert status == 200, payload
        assert_valid_response(json.loads(payload))
    return latencies


def test_genuine_requests_stay_fast_beside_idle_and_trickling_clients(
    tmp_path: Path, pki: TestPKI
) -> None:
    env = service_env(tmp_path, pki, free_port(), MEMORY="off")  # production gunicorn config
    with (
        serving("gunicorn", env) as backend,
        shipped_proxy(tmp_path / "nginx", backend) as port,
    ):
        genuine_latencies(port, pki, 0.5)  # each worker verifies the test chain once
        with idle_and_trickling(port, seconds=8.0):
            latencies = sorted(genuine_latencies(port, pki, 4.0))
        # nginx's own answers are the service's JSON, never an HTML page
        for method, path, body, status in [
            ("GET", "/nowhere", b"", 404),
            ("POST", "/", b"x" * (200 * 1024), 413),
        ]:
            got, payload = call(port, method, path, body, {"Content-Type": "application/json"})
            assert got == status
            assert json.loads(payload)["error"]
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    assert len(latencies) >= 50, latencies
    assert p99 < 1.0, f"p99 {p99:.3f} s over {len(latencies)} requests"
