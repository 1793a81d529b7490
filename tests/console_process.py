"""The real console process, started as `make console` starts it, for the console's tests."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from skill_tools.paths import REPO_ROOT

URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)")


@contextmanager
def running_console() -> Iterator[re.Match[str]]:
    """The console on a free port; yields the match of the URL it printed (port, token)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "skill_tools.console", "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = URL.search(line)
        assert found, line
        yield found
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()  # an unclosed pipe is a warning, and warnings are errors
