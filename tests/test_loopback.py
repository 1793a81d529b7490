"""The loopback helpers the server tests and the load benchmark share."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from skill_tools.loopback import ServerStartError, free_port, wait_until_up

pytestmark = pytest.mark.subprocess


def start(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)


@pytest.fixture
def idle() -> Iterator[subprocess.Popen[bytes]]:
    """A process that stays up but never listens."""
    process = start("import time; time.sleep(30)")
    yield process
    process.kill()
    process.communicate()


def test_a_server_that_exits_at_start_is_reported_with_what_it_said() -> None:
    process = start("import sys; sys.exit('no settings, no service')")
    with pytest.raises(ServerStartError, match=r"exited at start \(code 1\): no settings"):
        wait_until_up(process, free_port(), timeout=30)


def test_a_server_that_never_answers_is_given_up_on(idle: subprocess.Popen[bytes]) -> None:
    with pytest.raises(ServerStartError, match=r"did not answer GET /health within 0.5 s"):
        wait_until_up(idle, free_port(), timeout=0.5)
    assert idle.poll() is None  # left running: stopping it is the caller's job
