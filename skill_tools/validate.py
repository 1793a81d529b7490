"""`make validate`: Amazon's pre-certification checks for every locale, with the pinned ASK CLI.

SMAPI runs the checks that certification runs first (the manifest, example phrases,
the privacy and policy links, ...) on the skill's development stage. This submits
them for every locale in skill-package/skill.json with ``ask smapi
submit-skill-validation``, polls ``ask smapi get-skill-validations`` until they are
done, and prints each check's result. It needs an ASK CLI login and a deployed
skill; without them it says so in one line and exits 2.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from skill_tools import deployed_replay, node_tools
from skill_tools.skill_package import ASK_STATES, SKILL_PACKAGE

ASK: Final = node_tools.NODE_MODULES / ".bin" / "ask"
POLL_SECONDS: Final = 5.0
TIMEOUT_SECONDS: Final = 600.0
NEEDS: Final = (
    "make validate needs an ASK CLI login (.tools/node_modules/.bin/ask configure, or "
    "ASK_REFRESH_TOKEN, ASK_VENDOR_ID and AWS keys in the environment) and the skill id "
    "(`ask deploy` records it in .ask/ask-states.json, or set SKILL_ID=amzn1.ask.skill...)"
)

Runner = Callable[[list[str]], dict[str, Any]]


def has_login(environ: Mapping[str, str], home: Path, profile: str) -> bool:
    """Whether the ASK CLI will find credentials: an env profile, or the named profile."""
    if environ.get("ASK_REFRESH_TOKEN") or environ.get("ASK_ACCESS_TOKEN"):
        return bool(environ.get("ASK_VENDOR_ID"))
    try:
        config = json.loads((home / ".ask" / "cli_config").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(config.get("profiles", {}).get(profile, {}).get("token"))


def skill_id(environ: Mapping[str, str], states: Path, profile: str) -> str | None:
    """The skill to validate: $SKILL_ID, else what `ask deploy` recorded."""
    given = environ.get("SKILL_ID", "").strip()
    if given:
        return given
    try:
        return deployed_replay.deployed_skill_id(states, profile)
    except (LookupError, OSError, ValueError):
        return None


def locales(package: Path = SKILL_PACKAGE) -> list[str]:
    manifest = json.loads((package / "skill.json").read_text(encoding="utf-8"))
    return sorted(manifest["manifest"]["publishingInformation"]["locales"])


def ask_runner(ask: Path, profile: str, environ: Mapping[str, str]) -> Runner:
    """Run one `ask smapi` command under the pinned Node; its JSON answer."""

    def run(args: list[str]) -> dict[str, Any]:
        env = {**environ, "PATH": node_tools.node_path_env(environ.get("PATH", ""))}
        if not (environ.get("ASK_REFRESH_TOKEN") or environ.get("ASK_ACCESS_TOKEN")):
            args = [*args, "--profile", profile]
        proc = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [str(ask), "smapi", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"ask smapi {args[0]} failed: {(proc.stderr or proc.stdout).strip()}"
            )
        start = proc.stdout.find("{")
        answer = json.loads(proc.stdout[start:]) if start >= 0 else {}
        return answer if isinstance(answer, dict) else {}

    return run


def validate(
    run: Runner,
    skill: str,
    wanted: list[str],
    *,
    stage: str = "development",
    poll_seconds: float | None = None,
    timeout_seconds: float = TIMEOUT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Submit the checks and wait for their outcome; SMAPI's final answer."""
    base = ["--skill-id", skill, "--stage", stage]
    submitted = run(["submit-skill-validation", *base, "--locales", ",".join(wanted)])
    validation_id = submitted.get("id")
    if not validation_id:
        raise RuntimeError(f"SMAPI gave no validation id: {submitted}")
    pause = POLL_SECONDS if poll_seconds is None else poll_seconds
    waited = 0.0
    while True:
        answer = run(["get-skill-validations", *base, "--validation-id", str(validation_id)])
        if answer.get("status") != "IN_PROGRESS":
            return answer
        if waited >= timeout_seconds:
            raise RuntimeError(f"validation {validation_id} still in progress after {waited:.0f} s")
        sleep(pause)
        waited += pause


def report(answer: Mapping[str, Any]) -> list[str]:
    """One line per check, failures first, then the overall status."""
    checks = answer.get("result", {}).get("validations", []) or []
    order = {"FAILED": 0, "SUCCESSFUL": 1}
    lines = []
    for check in sorted(checks, key=lambda c: order.get(str(c.get("status")), 2)):
        where = check.get("locale") or ",".join(check.get("locales", []) or []) or "all locales"
        importance = check.get("importance", "")
        title = check.get("title") or check.get("description") or check.get("id", "")
        lines.append(f"{check.get('status', '?'):10} {importance:9} {where:6} {title}".rstrip())
        if check.get("status") == "FAILED" and check.get("description"):
            lines.append(f"{'':10} {check['description']}")
    lines.append(f"validation {answer.get('id', '?')}: {answer.get('status', '?')}")
    return lines


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--profile", default="default", help="ASK CLI profile")
    parser.add_argument("--stage", default="development", choices=["development", "live"])
    parser.add_argument("--states", type=Path, default=ASK_STATES)
    args = parser.parse_args(argv)
    env = dict(os.environ if environ is None else environ)
    home = Path(env.get("HOME", str(Path.home())))
    skill = skill_id(env, args.states, args.profile)
    if skill is None or not has_login(env, home, args.profile):
        print(NEEDS, file=sys.stderr)
        return 2
    node_tools.ensure_installed("ask-cli")
    wanted = locales()
    print(f"validating {skill} ({args.stage}) for {', '.join(wanted)}")
    try:
        answer = validate(ask_runner(ASK, args.profile, env), skill, wanted, stage=args.stage)
    except RuntimeError as error:
        print(f"make validate: {error}", file=sys.stderr)
        return 1
    print("\n".join(report(answer)))
    return 0 if answer.get("status") == "SUCCESSFUL" else 1


if __name__ == "__main__":
    raise SystemExit(main())
