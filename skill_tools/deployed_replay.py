"""A replay file aimed at the deployed skill, for `ask dialog --replay` (`make ask-dialog`).

The project's replay files (replays/*.json) name a placeholder skill id, which
is all `make run` needs. The ASK CLI's dialog command takes the skill id from
the replay file alone (its --skill-id does not override it in replay mode), so
this writes a copy carrying the id that `ask deploy` recorded in
.ask/ask-states.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from skill_tools.skill_package import ASK_STATES


def deployed_skill_id(states: Path = ASK_STATES, profile: str = "default") -> str:
    """The skill id the ASK CLI recorded for ``profile``; an error says to deploy first."""
    try:
        recorded = json.loads(states.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    skill_id = recorded.get("profiles", {}).get(profile, {}).get("skillId")
    if not isinstance(skill_id, str) or not skill_id:
        raise LookupError(f"no deployed skill for profile {profile!r} in {states}: run make deploy")
    return skill_id


def for_deployed_skill(replay: Path, out: Path, skill_id: str) -> dict[str, Any]:
    """Write ``replay`` to ``out`` with ``skill_id`` in place of its own; returns what it wrote."""
    content = json.loads(replay.read_text(encoding="utf-8"))
    content["skillId"] = skill_id
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    return dict(content)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("replay", type=Path, help="a replay file, e.g. replays/tour.json")
    parser.add_argument("out", type=Path, help="where to write the copy for `ask dialog --replay`")
    parser.add_argument("--profile", default="default", help="ASK CLI profile (default: default)")
    parser.add_argument("--states", type=Path, default=ASK_STATES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        skill_id = deployed_skill_id(args.states, args.profile)
        for_deployed_skill(args.replay, args.out, skill_id)
    except (LookupError, OSError, ValueError) as error:
        print(f"deployed_replay: {error}", file=sys.stderr)
        return 2
    print(f"{args.out}: {args.replay} for skill {skill_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
