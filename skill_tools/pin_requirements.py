"""Pin a requirements ``.in`` file, with the sha256 of every file, for ``pip --require-hashes``.

``python -m skill_tools.pin_requirements requirements-webservice.in requirements-webservice.txt``
(``make pin-webservice``). pip itself resolves the ``.in`` against the configured index
(``pip install --dry-run --report``), so the pins are exactly what pip would install
here, and each hash is that of the file pip chose for this platform and Python.
Wheels with compiled code (cryptography, cffi, MarkupSafe, charset-normalizer)
differ per platform: regenerate on the platform that deploys.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def resolve(requirements_in: Path) -> list[tuple[str, str, str]]:
    """(name, version, sha256) of everything pip would install for the file, sorted by name."""
    with tempfile.TemporaryDirectory(prefix="pin-") as scratch:
        report = Path(scratch) / "report.json"
        subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [
                sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                "--quiet", "--report", str(report), "-r", str(requirements_in),
            ],
            check=True,
        )  # fmt: skip
        data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    pins = []
    for item in data["install"]:
        hashes = item["download_info"].get("archive_info", {}).get("hashes", {})
        if "sha256" not in hashes:
            raise SystemExit(f"pin: no sha256 for {item['metadata']['name']}")
        pins.append((item["metadata"]["name"], item["metadata"]["version"], hashes["sha256"]))
    return sorted(pins, key=lambda pin: pin[0].lower())


def render(source: Path, pins: list[tuple[str, str, str]]) -> str:
    where = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    lines = [
        f"# Generated from {source.name} by `make pin-webservice` ({where}); do not edit.",
        "# Every package pinned with the hash of the file pip chose here; compiled wheels differ",
        "# per platform, so regenerate on the platform that deploys. Installed by",
        "# `make webservice-venv`: pip install --require-hashes --no-deps -r this file.",
    ]
    for name, version, digest in pins:
        lines += [f"{name}=={version} \\", f"    --hash=sha256:{digest}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m skill_tools.pin_requirements IN_FILE OUT_FILE", file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    target.write_text(render(source, resolve(source)), encoding="utf-8")
    print(f"pin: wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
