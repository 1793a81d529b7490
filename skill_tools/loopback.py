"""Loopback helpers for the servers our tests and benchmarks start on this machine."""

from __future__ import annotations

import http.client
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class ServerStartError(RuntimeError):
    """A server process exited at start, or did not answer its health check in time."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int, path: str) -> bool:
    """Whether an HTTP server on 127.0.0.1:port answers GET path with 200 right now."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def wait_until_up(
    process: subprocess.Popen[bytes], port: int, *, path: str = "/health", timeout: float = 60.0
) -> None:
    """Return once the server ``process`` started answers GET path on 127.0.0.1:port.

    Raises ServerStartError, with the process's stderr when it was piped, if the
    process exits first or ``timeout`` seconds pass.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, stderr = process.communicate()
            said = f": {stderr.decode(errors='replace')}" if stderr else ""
            raise ServerStartError(f"the server exited at start (code {process.returncode}){said}")
        if answers(port, path):
            return
        time.sleep(0.1)
    raise ServerStartError(f"the server did not answer GET {path} within {timeout:g} s")


@contextmanager
def tcp_server(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """A raw TCP server on a free 127.0.0.1 port for the block; yields the port.

    Each accepted connection is passed to ``handle`` in a thread of its own
    (``handle`` closes it). For tests that need a server misbehaving below HTTP.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stopping.set()
        thread.join(5)
        listener.close()
