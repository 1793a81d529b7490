"""The system programs the tests and the console use: Debian's chromium, espeak-ng and nginx.

None comes from PyPI or npm (Playwright never downloads a browser here: it
drives the system's Chromium; the web service's proxy tests run Debian's nginx in
its default configuration). ``make test`` and ``make console`` run
``python -m skill_tools.system_tools``: as root with apt-get, it installs what is
missing; otherwise it prints the one command to run, and the tests that need a
missing program skip with the same words instead of failing obscurely.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Final

CHROMIUM: Final = "/usr/bin/chromium"
#: program -> the Debian package that provides it
PROGRAMS: Final = {"chromium": "chromium", "espeak-ng": "espeak-ng", "nginx": "nginx"}


def missing() -> list[str]:
    """The Debian packages whose programs are not on PATH."""
    path = f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin"  # nginx lives in sbin
    return [
        package for program, package in PROGRAMS.items() if shutil.which(program, path=path) is None
    ]


def install_hint(packages: list[str]) -> str:
    return f"sudo apt-get install -y {' '.join(packages)}"


def browser_missing_reason() -> str | None:
    """Why a browser test cannot run here, or None when Chromium is installed."""
    if shutil.which("chromium") is None:
        return f"Debian's chromium is not installed: {install_hint(['chromium'])}"
    return None


def install(packages: list[str]) -> bool:
    """apt-get install the packages when we may (root, apt-get present); True on success."""
    apt = shutil.which("apt-get")
    if not packages or apt is None or os.geteuid() != 0:
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    update = subprocess.run([apt, "update", "-qq"], env=env, check=False)  # noqa: S603
    if update.returncode != 0:
        return False
    command = [apt, "install", "-y", "-qq", "--no-install-recommends", *packages]
    return subprocess.run(command, env=env, check=False).returncode == 0  # noqa: S603


def main() -> int:
    """Install what is missing when possible; otherwise say what to install. Never fails."""
    packages = missing()
    if packages and not install(packages):
        print(
            f"missing {', '.join(packages)} (the browser tests skip without chromium, the "
            f"proxy tests without nginx; speech plays only with espeak-ng): "
            f"{install_hint(packages)}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
