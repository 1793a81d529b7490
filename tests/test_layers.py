"""The skill's modules form layers that point one way: no module imports one that imports it back.

Read from the source with ``ast`` (imports inside functions count too: a lazy
import is still a dependency), so a new upward import fails here before it
tangles the house.
"""

from __future__ import annotations

import ast
from pathlib import Path

from skill_tools.paths import LAMBDA_DIR

PACKAGE = LAMBDA_DIR / "massage_guide"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports, resolved to the most specific known module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        for imported in names:
            name = imported
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != "massage_guide":
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    known = set(paths)
    return {name: imported_modules(path, known) - {name} for name, path in paths.items()}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(name, ()))
    return seen


def test_the_graph_sees_the_known_imports() -> None:
    graph = import_graph()
    assert "massage_guide.conversation" in graph["massage_guide.handlers.base"]
    assert "massage_guide.handlers.learning" in graph["massage_guide.skill_builder"]


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = import_graph()
    cycles = sorted(name for name in graph if name in reachable(graph, name))
    assert cycles == [], f"modules on an import cycle: {cycles}"


def test_nothing_below_the_handlers_imports_them() -> None:
    graph = import_graph()
    lower = [name for name in graph if not name.startswith("massage_guide.handlers")]
    lower.remove("massage_guide.skill_builder")  # the one module that wires handlers in
    upward = {
        name: sorted(n for n in reachable(graph, name) if n.startswith("massage_guide.handlers"))
        for name in lower
    }
    assert {name: found for name, found in upward.items() if found} == {}


def test_handler_groups_do_not_import_each_other() -> None:
    """Activities share code through base, benefits and guidance, never sideways."""
    graph = import_graph()
    shared = {"__init__", "base", "benefits", "guidance"}
    groups = {path.stem for path in (PACKAGE / "handlers").glob("*.py")} - shared
    assert {"learning", "tour", "settings", "session", "safety", "touch"} <= groups
    for group in groups:
        name = f"massage_guide.handlers.{group}"
        sideways = {n.rpartition(".")[2] for n in graph[name]} & (groups - {group})
        assert not sideways, f"{name} imports {sideways}"
