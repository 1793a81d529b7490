"""`make check` selects only tests that start no other process: no Java, Node, browser or child.

The quick loop stays quick only while every test that needs one carries its marker; the
guard in tests/conftest.py fails an unmarked test that starts a process, and this test
collects exactly what `make check` selects and looks at each test's markers and fixtures.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skill_tools.paths import REPO_ROOT
from tests.conftest import PROCESS_FIXTURES, PROCESS_MARKERS, SELECTION_REPORT

pytestmark = pytest.mark.subprocess


def check_markers() -> str:
    """The -m expression of `make check`, as the Makefile has it."""
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^CHECK_MARKERS := (.+)$", makefile, re.MULTILINE)
    assert found, "the Makefile names the markers `make check` leaves out in CHECK_MARKERS"
    return found.group(1).strip()


def selected(tmp_path: Path, expression: str | None) -> dict[str, Any]:
    report = tmp_path / "selection.json"
    marks = ["-m", expression] if expression else []
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *marks],
        cwd=REPO_ROOT,
        env={**os.environ, SELECTION_REPORT: str(report)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    found: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return found


def test_make_check_selects_no_test_that_starts_a_process(tmp_path: Path) -> None:
    expression = check_markers()
    for marker in (*PROCESS_MARKERS, "slow"):
        assert re.search(rf"\b{marker}\b", expression), f"make check does not leave out {marker}"
    quick = selected(tmp_path, expression)
    everything = selected(tmp_path, None)
    assert set(quick) < set(everything)
    assert len(quick) > len(everything) / 2, "the quick loop still runs most of the suite"
    for nodeid, item in quick.items():
        assert not set(item["markers"]) & {*PROCESS_MARKERS, "slow"}, nodeid
        assert "no_process_unless_marked" in item["fixtures"], f"{nodeid} runs unguarded"
        assert not set(item["fixtures"]) & PROCESS_FIXTURES, f"{nodeid} starts a process"
    left_out = set(everything) - set(quick)
    for heavy in ("tests/test_ask_cli.py", "tests/test_replays.py", "tests/webservice/test_server"):
        assert any(nodeid.startswith(heavy) for nodeid in left_out), heavy
    for nodeid, item in everything.items():
        if set(item["fixtures"]) & PROCESS_FIXTURES:
            assert set(item["markers"]) & set(PROCESS_MARKERS), f"{nodeid} needs a marker"
