"""Amazon's APL linter (npm apl-suggester), one of the pinned Node tools, run offline.

It is pinned with the other Node tools in tools/package.json and installed by
``make ask-cli`` (which ``make test`` runs); ``python -m skill_tools.apl_lint
DOC.json...`` prints what it finds. The screen tests call :func:`lint` on every
document in lambda/massage_guide/apl/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

from skill_tools import node_tools
from skill_tools.paths import REPO_ROOT

LINT_SCRIPT: Final = REPO_ROOT / "tools" / "apl-lint.js"
LINT_TIMEOUT_SECONDS: Final = 120

Finding = dict[str, Any]


def lint(documents: list[Path]) -> dict[str, list[Finding]]:
    """Each document's findings, as apl-suggester's StaticAplTemplateValidator reports them."""
    modules = node_tools.ensure_installed("apl-suggester").parent
    node = node_tools.node()  # the pinned Node 22 once the tools are installed
    if node is None:
        raise RuntimeError("node is needed to run apl-suggester")
    with tempfile.TemporaryDirectory(prefix="apl-lint-") as scratch:
        out = Path(scratch) / "findings.json"
        subprocess.run(  # noqa: S603 - fixed arguments
            [node, str(LINT_SCRIPT), str(out), *map(str, documents)],
            check=True,
            capture_output=True,
            timeout=LINT_TIMEOUT_SECONDS,
            env={**os.environ, "NODE_PATH": str(modules)},
        )
        findings: dict[str, list[Finding]] = json.loads(out.read_text(encoding="utf-8"))
    return findings


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m skill_tools.apl_lint DOC.json...", file=sys.stderr)
        return 2
    findings = lint([Path(arg) for arg in argv])
    for document, found in findings.items():
        for finding in found:
            print(f"{document}: {finding['level']} {finding['path']}: {finding['errorMessage']}")
    return 1 if any(findings.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
