"""The web service's production requirements: pinned, hashed, in step with what the tests run.

requirements-webservice.txt is generated (``make pin-webservice``); these checks
keep it honest without the network: every package pinned with a hash, nothing
for tests or tools in it, each pin the very version the development venv (and
so every test) runs, and everything the service imports listed.
"""

from __future__ import annotations

import re
from importlib import metadata

from skill_tools.paths import REPO_ROOT

PINNED = REPO_ROOT / "requirements-webservice.txt"
SOURCE = REPO_ROOT / "requirements-webservice.in"
NEVER = {"pytest", "hypothesis", "ruff", "mypy", "cfn-lint", "boto3", "ask-smapi-model"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes), from the generated file."""
    found: dict[str, tuple[str, list[str]]] = {}
    text = PINNED.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        requirement, *options = line.split()
        name, _, version = requirement.partition("==")
        hashes = [option.removeprefix("--hash=sha256:") for option in options]
        found[canonical(name)] = (version, hashes)
    return found


def top_level(path: str) -> dict[str, str]:
    wanted: dict[str, str] = {}
    for raw in (REPO_ROOT / path).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            name, _, version = line.partition("==")
            wanted[canonical(name)] = version
    return wanted


def test_every_package_is_pinned_with_a_hash() -> None:
    found = pins()
    assert found
    for name, (version, hashes) in found.items():
        assert re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", version), name
        assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in hashes), name


def test_what_the_service_needs_is_there_and_nothing_for_tests() -> None:
    found = pins()
    wanted = {**top_level("requirements.txt"), **top_level("requirements-webservice.in")}
    for name, version in wanted.items():
        assert found.get(name, ("missing",))[0] == version, name
    assert not NEVER & set(found)


def test_the_pins_are_what_the_tests_run() -> None:
    for name, (version, _) in pins().items():
        assert metadata.version(name) == version, name
