"""``python -m skill_tools.dialog`` (``make run``): the local dialog, typed or from a replay."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from skill_tools.devices import DEVICES
from skill_tools.dialog.replay import ReplayError, load_replay
from skill_tools.dialog.simulator import LocalDialog, default_handler, model_path_for
from skill_tools.dialog.transcript import play, typed_lines
from skill_tools.envelopes import DEFAULT_SKILL_ID

LOCAL_LISTENER_ID = "amzn1.ask.account.LOCAL-DIALOG-LISTENER"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m skill_tools.dialog",
        description="Talk to the skill locally, like `ask dialog`, with no AWS account.",
    )
    parser.add_argument("--replay", metavar="FILE", help="run an ASK CLI replay file")
    parser.add_argument("--json", action="store_true", help="print the turns as a JSON list")
    parser.add_argument(
        "--device",
        choices=sorted(DEVICES),
        default="speaker",
        help="the device to be: its screen, and the interfaces skill.json lets it report",
    )
    parser.add_argument("--locale", default=None, help="locale of the requests (en-US)")
    parser.add_argument("--model", metavar="FILE", help="interaction model to resolve with")
    parser.add_argument(
        "--user-id",
        default=LOCAL_LISTENER_ID,
        help="Alexa user id for every session (default: the same local listener each run, "
        "so the skill welcomes you back)",
    )
    parser.add_argument("--skill-id", help="skill id sent as the application id")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show each resolved intent and slot"
    )
    args = parser.parse_args(argv)

    replay = None
    if args.replay:
        try:
            replay = load_replay(args.replay)
        except ReplayError as error:
            print(f"dialog: bad replay file: {error}", file=sys.stderr)
            return 2
    locale = args.locale or (replay.locale if replay else None) or "en-US"
    skill_id = args.skill_id or (replay.skill_id if replay else None) or DEFAULT_SKILL_ID
    model = Path(args.model) if args.model else model_path_for(locale)
    if not model.is_file():
        print(f"dialog: no interaction model for {locale} at {model}", file=sys.stderr)
        return 2
    try:
        handler = default_handler()
    except ImportError as error:
        print(f"dialog: cannot load the skill from lambda/: {error}", file=sys.stderr)
        return 1
    try:
        dialog = LocalDialog(
            model,
            handler,
            locale=locale,
            device=args.device,
            skill_id=skill_id,
            user_id=args.user_id,
        )
    except (ValueError, KeyError, TypeError) as error:
        print(f"dialog: cannot read the interaction model {model}: {error!r}", file=sys.stderr)
        return 2

    if replay is not None:
        return play(dialog, replay.inputs, sys.stdout, as_json=args.json, verbose=args.verbose)

    interactive = sys.stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401, PLC0415  (line editing and history for input())
    if not args.json:
        name = dialog.resolver.invocation_name
        print(
            f"Local Alexa dialog ({locale}, {args.device}). Say 'open {name}', or ask "
            f"a question straight away. An empty line is silence; 'quit' or Ctrl-D leaves."
        )
    lines = typed_lines(sys.stdin, interactive)
    try:
        return play(
            dialog,
            lines,
            sys.stdout,
            as_json=args.json,
            verbose=args.verbose,
            echo=not interactive,
        )
    except KeyboardInterrupt:
        print()
        with contextlib.suppress(Exception):
            dialog.end("USER_INITIATED")
        return 0
