"""The load benchmark still runs: a one-second version, never the 30-second one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from skill_tools.paths import REPO_ROOT

pytestmark = pytest.mark.slow


def test_benchmark_runs_end_to_end_without_errors(tmp_path: Path) -> None:
    report = tmp_path / "bench.md"
    command = [sys.executable, "-m", "bench.webservice", "--rounds", "1", "--round-seconds", "0.5"]
    result = subprocess.run(
        [*command, "--output", str(report)],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    rows = [line for line in report.read_text().splitlines() if line.startswith("| ")][2:]
    assert len(rows) == 3
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        requests, errors = int(cells[1]), int(cells[-1])
        assert requests > 0 and errors == 0, row
    assert "Tracebacks in the servers' logs: 0." in report.read_text()
