"""Playing lines of input through a LocalDialog and printing what happens, turn by turn.

The same transcript serves a terminal, a pipe and a replay file: one line per
utterance, what Alexa says, the reprompt, the card and any directives, or the
turns as one JSON list for scripts.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Iterable, Iterator
from typing import TextIO

from skill_tools.dialog.simulator import LocalDialog
from skill_tools.dialog.turns import Turn

QUIT_WORDS = frozenset({"quit", "exit", ".quit", ".exit"})


def format_turn(turn: Turn, verbose: bool = False) -> list[str]:
    """The transcript lines for one turn (without the user's line)."""
    lines: list[str] = []
    if verbose and turn.request is not None:
        lines.append(_understood(turn))
    if turn.request is None or turn.request_type != "SessionEndedRequest":
        lines.append(f"Alexa: {turn.speech}" if turn.speech else "Alexa: (says nothing)")
    if turn.reprompt:
        lines.append(f"  reprompt: {turn.reprompt}")
    if turn.card:
        text = "\n        ".join(line for line in turn.card.text.splitlines() if line.strip())
        lines.append(f"  card: {turn.card.title}: {text}")
    if turn.directives:
        lines.append(f"  directives: {', '.join(turn.directives)}")
    if turn.request_type == "SessionEndedRequest":
        reason = turn.request["request"]["reason"] if turn.request else ""
        lines.append(f"  [session closed: {reason}]")
    elif turn.ended:
        lines.append("  [session ended]")
    return lines


def _understood(turn: Turn) -> str:
    """The verbose line: intent, how it was found and how sure, runners-up, each slot."""
    resolution = turn.resolution
    how = ""
    if resolution is not None and resolution.method == "launch":
        how = " (launch)"
    elif resolution is not None:
        others = "".join(f", then {i} {c:.2f}" for i, c in resolution.runners_up)
        how = f" ({resolution.method} {resolution.confidence:.2f}{others})"
    slots = " ".join(
        f"{name}={slot['value']!r} {slot['status']}" + (f" id={slot['id']}" if slot["id"] else "")
        for name, slot in turn.slots.items()
    )
    new = " [new session]" if turn.new_session else ""
    return f"  -> {turn.intent}{how} {slots}".rstrip() + new


def typed_lines(stream: TextIO, interactive: bool) -> Iterator[str]:
    """What the user types: prompted on a terminal, read line by line from a pipe."""
    while True:
        if interactive:
            try:
                yield input("You> ")
            except EOFError:
                print()
                return
            continue
        line = stream.readline()
        if not line:
            return
        yield line.rstrip("\n")


def _respond(dialog: LocalDialog, text: str) -> Turn | None:
    """One line of input: words are spoken, an empty line is silence."""
    return dialog.say(text) if text else dialog.silence()


def play(
    dialog: LocalDialog,
    inputs: Iterable[str],
    out: TextIO,
    *,
    as_json: bool = False,
    verbose: bool = False,
    echo: bool = True,
) -> int:
    """Play utterances through the dialog; print a transcript or, with as_json, a JSON list.

    Returns 0, or 1 when the skill raised or gave an unusable response.
    """
    failed = False
    turns: list[Turn] = []
    printed: list[str] = []
    for line in inputs:
        text = line.strip()
        if text.lower() in QUIT_WORDS:
            break
        printed = [f"You> {line}" if text else "You> (silence)"] if echo else []
        try:
            turn = _respond(dialog, text)
        except Exception:
            failed = True
            print(f"the skill failed on {text!r}:", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            printed.append("Alexa: There was a problem with the requested skill's response")
            turn = None
        else:
            if turn is None:
                printed.append("  (nothing happens: no session is listening)")
            else:
                turns.append(turn)
                printed.extend(format_turn(turn, verbose))
        if not as_json:
            print("\n".join(printed), file=out, flush=True)
    try:
        closing = dialog.end("USER_INITIATED")
    except Exception:
        failed = True
        print("the skill failed on SessionEndedRequest:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        closing = None
    if as_json:
        print(json.dumps([t.as_json() for t in turns], indent=2), file=out)
    elif closing is not None:
        print("\n".join(format_turn(closing, verbose)), file=out)
    return 1 if failed else 0
