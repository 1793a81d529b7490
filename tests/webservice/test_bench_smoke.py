"""The load benchmark still runs: a one-second version, never the 30-second one."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from skill_tools.paths import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]


def test_benchmark_runs_end_to_end_without_errors(tmp_path: Path) -> None:
    report = tmp_path / "bench.md"
    command = [
        sys.executable, "-m", "bench.webservice",
        "--rounds", "1", "--round-seconds", "0.5", "--flood-rounds", "1",
    ]  # fmt: skip
    result = subprocess.run(
        [*command, "--output", str(report)],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    text = report.read_text()
    services, flood = text.split("## Certificate-download flood")
    for table, expected in ((services, 3), (flood, 2)):
        rows = [line for line in table.splitlines() if line.startswith("| ")][2:]
        assert len(rows) == expected
        for row in rows:
            cells = [cell.strip() for cell in row.strip("|").split("|")]
            requests, errors = int(cells[1]), int(cells[-1])
            assert requests > 0 and errors == 0, row
    attack = re.search(r"Attack: (\d+) requests .*downloads they caused: (\d+)", flood)
    assert attack is not None, flood
    attacks, downloads = int(attack[1]), int(attack[2])
    assert attacks > 100 and downloads <= 10 * 3  # most refused without a download
    assert "Goal: genuine p99 beside 32 attacking connections" in flood
    assert "Tracebacks in the servers' logs: 0." in text
