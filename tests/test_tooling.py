"""The developer tooling: pre-commit's hooks run the venv's tools, and the JSON check works."""

from __future__ import annotations

import re
from pathlib import Path

from skill_tools import json_check
from skill_tools.paths import REPO_ROOT

CONFIG = REPO_ROOT / ".pre-commit-config.yaml"


def test_every_hook_is_local_and_runs_a_venv_tool() -> None:
    text = CONFIG.read_text(encoding="utf-8")
    assert re.findall(r"^\s*- repo: (\S+)", text, re.MULTILINE) == ["local"], "nothing downloaded"
    entries = re.findall(r"^\s*entry: (\S+)", text, re.MULTILINE)
    assert entries and all(entry.startswith(".venv/bin/") for entry in entries), entries
    ids = re.findall(r"^\s*- id: (\S+)", text, re.MULTILINE)
    assert {"ruff-check", "ruff-format", "json-valid"} <= set(ids)


def test_the_json_hook_covers_locales_models_and_apl() -> None:
    text = CONFIG.read_text(encoding="utf-8")
    [pattern] = re.findall(r"^\s*files: (\S+)", text, re.MULTILINE)
    for path in (
        "lambda/massage_guide/locales/de.json",
        "interaction_models/en-US.json",
        "lambda/massage_guide/apl/home.json",
        "skill-package/skill.json",
        "skill.json",
    ):
        assert re.search(pattern, path), path
    assert not re.search(pattern, "tools/package-lock.json")


def test_the_json_check_names_the_file_line_and_column(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text('{"a": 1}', encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "a": 1,\n}', encoding="utf-8")
    assert json_check.main([str(good)]) == 0
    assert json_check.problems([str(good), str(bad)]) == [
        f"{bad}:3:1: Expecting property name enclosed in double quotes"
    ]
    assert json_check.main([str(bad)]) == 1


def test_every_shipped_json_file_parses() -> None:
    files = [
        *REPO_ROOT.glob("lambda/massage_guide/locales/*.json"),
        *REPO_ROOT.glob("lambda/massage_guide/apl/*.json"),
        *REPO_ROOT.glob("interaction_models/*.json"),
    ]
    assert len(files) > 10
    assert json_check.problems([str(f) for f in files]) == []
