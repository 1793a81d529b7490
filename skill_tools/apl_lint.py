"""Amazon's APL linter (npm apl-suggester), installed into .tools/apl and run offline.

``python -m skill_tools.apl_lint --install`` installs it from the committed
tools/apl/package.json and package-lock.json (``make apl-lint`` does this);
``python -m skill_tools.apl_lint DOC.json...`` prints what it finds. The screen
tests call :func:`lint` on every document in lambda/massage_guide/apl/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

from skill_tools.paths import REPO_ROOT

SOURCE: Final = REPO_ROOT / "tools" / "apl"
PREFIX: Final = REPO_ROOT / ".tools" / "apl"
MODULES: Final = PREFIX / "node_modules"
LINT_SCRIPT: Final = SOURCE / "lint.js"
INSTALL_TIMEOUT_SECONDS: Final = 600
LINT_TIMEOUT_SECONDS: Final = 120

Finding = dict[str, Any]


def installed() -> bool:
    return (MODULES / "apl-suggester" / "package.json").is_file()


def install() -> None:
    """npm ci of the pinned linter into .tools/apl (a package install from the registry)."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install apl-suggester")
    PREFIX.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(SOURCE / name, PREFIX / name)
    subprocess.run(  # noqa: S603 - fixed arguments
        [npm, "ci", "--silent", "--no-audit", "--no-fund", "--prefix", str(PREFIX)],
        check=True,
        timeout=INSTALL_TIMEOUT_SECONDS,
    )


def lint(documents: list[Path]) -> dict[str, list[Finding]]:
    """Each document's findings, as apl-suggester's StaticAplTemplateValidator reports them."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is needed to run apl-suggester")
    if not installed():
        install()
    with tempfile.TemporaryDirectory(prefix="apl-lint-") as scratch:
        out = Path(scratch) / "findings.json"
        subprocess.run(  # noqa: S603 - fixed arguments
            [node, str(LINT_SCRIPT), str(out), *map(str, documents)],
            check=True,
            capture_output=True,
            timeout=LINT_TIMEOUT_SECONDS,
            env={**os.environ, "NODE_PATH": str(MODULES)},
        )
        findings: dict[str, list[Finding]] = json.loads(out.read_text(encoding="utf-8"))
    return findings


def main(argv: list[str]) -> int:
    if argv == ["--install"]:
        install()
        return 0
    if not argv:
        print("usage: python -m skill_tools.apl_lint --install | DOC.json...", file=sys.stderr)
        return 2
    findings = lint([Path(arg) for arg in argv])
    for document, found in findings.items():
        for finding in found:
            print(f"{document}: {finding['level']} {finding['path']}: {finding['errorMessage']}")
    return 1 if any(findings.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
