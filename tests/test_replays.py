"""The project's replay files (replays/*.json) hold real conversations: each turn is understood."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skill_tools.paths import REPO_ROOT

pytestmark = pytest.mark.subprocess

REPLAYS = sorted((REPO_ROOT / "replays").glob("*.json"))


def test_there_are_replay_files() -> None:
    assert len(REPLAYS) >= 3


@pytest.mark.parametrize("replay", REPLAYS, ids=lambda p: p.stem)
def test_replay_plays_through_make_run(replay: Path, tmp_path: Path) -> None:
    """`make run ARGS="--replay FILE --json"`: every utterance reaches a handler that answers."""
    env = {**os.environ, "SQLITE_PATH": str(tmp_path / "listeners.sqlite3")}
    proc = subprocess.run(
        [sys.executable, "-m", "skill_tools.dialog", "--replay", str(replay), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    turns = json.loads(proc.stdout)
    said = json.loads(replay.read_text(encoding="utf-8"))["userInput"]
    assert [turn["user"] for turn in turns] == said
    for turn in turns:
        assert turn["intent"] != "AMAZON.FallbackIntent", turn["user"]
        assert turn["speech"], turn["user"]
    assert turns[0]["newSession"] and turns[-1]["endSession"]
