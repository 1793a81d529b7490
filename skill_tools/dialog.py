"""Talk to the skill in a terminal, like `ask dialog`, with no AWS account.

What you type goes through the local resolver (our own interaction model),
becomes a real Alexa request envelope, and is handed to the same
lambda_handler that runs on Lambda. Sessions behave as on a device: the
first request of a session is new, session attributes travel with each turn,
a response that ends the session makes the next utterance open a new one,
and leaving mid-session sends the SessionEndedRequest Alexa would send.

    python -m skill_tools.dialog                       # interactive
    python -m skill_tools.dialog --replay turns.json   # an ASK CLI replay file
    python -m skill_tools.dialog --replay turns.json --json
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from skill_tools.envelopes import (
    DEFAULT_SKILL_ID,
    JSON,
    DeviceKind,
    Listener,
    Session,
    Slot,
    SlotArg,
)
from skill_tools.paths import REPO_ROOT
from skill_tools.resolver import Resolution, Resolver, SlotValue

Handler = Callable[[JSON, Any], JSON]
QUIT_WORDS = frozenset({"quit", "exit", ".quit", ".exit"})
ALEXA_TIMEOUT_MS = 8000  # how long Alexa waits for a skill's answer
LOCAL_LISTENER_ID = "amzn1.ask.account.LOCAL-DIALOG-LISTENER"


def model_path_for(locale: str) -> Path:
    """The interaction model the skill ships for a locale."""
    return REPO_ROOT / "interaction_models" / f"{locale}.json"


def default_handler() -> Handler:
    """The skill's own lambda_handler, the one that ships to Lambda.

    Imported when asked for, not with this module, so that a skill that fails to
    import is reported by main() as such, and tests can pass a handler of their own.
    """
    from lambda_function import lambda_handler  # noqa: PLC0415 - see the docstring

    handler: Handler = lambda_handler
    return handler


class LambdaContext:
    """The few attributes of AWS Lambda's context object a handler may look at."""

    def __init__(self) -> None:
        self.function_name = "back-massage-guide-local"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"
        )
        self._deadline = time.monotonic() + ALEXA_TIMEOUT_MS / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class SkillResponseError(RuntimeError):
    """The skill answered with something Alexa could not use."""


# -- turning a response into what the listener hears and sees ---------------

_BREAK = re.compile(r"<break\b[^>]*/?>", re.IGNORECASE)
_AUDIO = re.compile(r"<audio\b[^>]*/?>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(?:p|s)>|<(?:p|s)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def ssml_to_text(ssml: str) -> str:
    """What the listener hears, as text: tags gone, pauses as " … ", entities decoded."""
    text = _BREAK.sub(" … ", ssml)
    text = _AUDIO.sub(" [audio] ", text)
    text = _BLOCK_END.sub(" ", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = re.sub(r"…(?:\s*…)+", "…", " ".join(text.split()))
    return text.strip(" …")


def speech_of(output: JSON | None) -> tuple[str | None, str | None]:
    """(plain text, ssml) of an outputSpeech object; (None, None) when there is none."""
    if not output:
        return None, None
    if output.get("type") == "SSML":
        ssml = str(output.get("ssml", ""))
        return ssml_to_text(ssml), ssml
    return str(output.get("text", "")), None


@dataclass(frozen=True)
class Card:
    """A card shown in the Alexa app: its title and text."""

    type: str
    title: str
    text: str

    @classmethod
    def from_json(cls, card: JSON | None) -> Card | None:
        if not card:
            return None
        text = card.get("content") or card.get("text") or ""
        return cls(str(card.get("type", "Simple")), str(card.get("title", "")), str(text))


@dataclass
class Turn:
    """One exchange: what was said, what was sent, and what Alexa says back."""

    user: str | None
    resolution: Resolution | None
    request: JSON | None
    response: JSON | None
    speech: str = ""
    ssml: str | None = None
    reprompt: str | None = None
    card: Card | None = None
    directives: list[str] = field(default_factory=list)
    ended: bool = False
    new_session: bool = False

    @property
    def request_type(self) -> str | None:
        return self.request["request"]["type"] if self.request else None

    @property
    def intent(self) -> str | None:
        """The intent sent, or the request type when it was not an IntentRequest."""
        if not self.request:
            return None
        request = self.request["request"]
        return str(request["intent"]["name"]) if "intent" in request else str(request["type"])

    @property
    def slots(self) -> dict[str, JSON]:
        """Filled slots as sent: name -> {"value", "id", "name"} (id None when unresolved)."""
        filled = self.resolution.slots if self.resolution else {}
        return {
            name: {"value": slot.value, "id": slot.id, "name": slot.canonical}
            for name, slot in filled.items()
        }

    @property
    def session_attributes(self) -> JSON:
        return dict((self.response or {}).get("sessionAttributes") or {})

    def as_json(self) -> JSON:
        card = self.card
        return {
            "user": self.user,
            "requestType": self.request_type,
            "intent": self.intent,
            "slots": self.slots,
            "speech": self.speech,
            "ssml": self.ssml,
            "reprompt": self.reprompt,
            "card": {"title": card.title, "text": card.text} if card else None,
            "directives": self.directives,
            "newSession": self.new_session,
            "endSession": self.ended,
        }


class LocalDialog:
    """A device and the Alexa service in one object: say things, get turns back.

    >>> dialog = LocalDialog()                          # doctest: +SKIP
    >>> dialog.say("open back massage guide").speech    # doctest: +SKIP
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        handler: Handler | None = None,
        *,
        locale: str = "en-US",
        device: DeviceKind = "speaker",
        skill_id: str = DEFAULT_SKILL_ID,
        user_id: str | None = None,
    ) -> None:
        self.resolver = Resolver.from_file(model_path or model_path_for(locale))
        self.handler = handler or default_handler()
        self.listener = Listener(skill_id=skill_id, locale=locale, device=device)
        if user_id:
            self.listener.user_id = user_id
        self.session: Session | None = None
        self.turns: list[Turn] = []
        self._reprompt: str | None = None
        self._reprompted = False
        self._listening = False

    @property
    def in_session(self) -> bool:
        return self.session is not None

    @property
    def attributes(self) -> JSON:
        """The session attributes Alexa would send with the next request."""
        return dict(self.session.attributes) if self.session else {}

    # -- what a listener does ------------------------------------------------

    def say(self, text: str) -> Turn:
        """Speak one utterance; opens a session first when none is open."""
        resolution = self.resolver.resolve(text)
        if resolution.invoked and self.session is not None:
            # Saying the invocation name again starts over with a fresh session.
            self.end("USER_INITIATED")
        if resolution.request_type == "LaunchRequest":
            return self._exchange(text, resolution, lambda s: s.launch())
        intent = resolution.intent or "AMAZON.FallbackIntent"
        slots = self._slot_args(intent, resolution.slots)
        types = self.resolver.slot_types(intent)
        return self._exchange(text, resolution, lambda s: s.intent(intent, slots, types))

    def launch(self) -> Turn:
        """Open the skill, as "open back massage guide" does."""
        return self.say(f"open {self.resolver.invocation_name}")

    def intent(self, name: str, **slots: SlotArg) -> Turn:
        """Send an intent directly, bypassing the resolver (for tests of odd requests)."""
        types = self.resolver.slot_types(name)
        args: dict[str, SlotArg] = dict.fromkeys(types)
        args.update(slots)
        resolution = Resolution(
            "IntentRequest",
            name,
            {
                n: SlotValue(a.value, a.id, a.canonical) if isinstance(a, Slot) else SlotValue(a)
                for n, a in slots.items()
                if a is not None
            },
            method="exact",
        )
        return self._exchange(None, resolution, lambda s: s.intent(name, args, types))

    def silence(self) -> Turn | None:
        """Say nothing: Alexa speaks the reprompt once, then gives up on the session."""
        if self.session is None or not self._listening:
            return None
        if self._reprompt is not None and not self._reprompted:
            self._reprompted = True
            return self._record(Turn("", None, None, None, speech=self._reprompt))
        return self.end("EXCEEDED_MAX_REPROMPTS")

    def end(self, reason: str = "USER_INITIATED", error: JSON | None = None) -> Turn | None:
        """Close an open session with the SessionEndedRequest Alexa sends; None if none is open."""
        session = self.session
        if session is None:
            return None
        self.session = None
        request = session.session_ended(reason, error)
        response = self.send(request)
        turn = Turn(None, None, request, response, ended=True)
        return self._record(turn)

    # -- plumbing ------------------------------------------------------------

    def send(self, envelope: JSON) -> JSON:
        """Hand one envelope to the skill and check that the answer is a response."""
        response = self.handler(envelope, LambdaContext())
        if not isinstance(response, dict) or not isinstance(response.get("response"), dict):
            raise SkillResponseError(f"the skill returned no response object: {response!r:.200}")
        return response

    def _slot_args(self, intent: str, filled: dict[str, SlotValue]) -> dict[str, SlotArg]:
        """Every slot of the intent, as Alexa sends them: filled ones with resolutions."""
        args: dict[str, SlotArg] = dict.fromkeys(self.resolver.slot_types(intent))
        for name, slot in filled.items():
            args[name] = Slot(slot.value, slot.id, slot.canonical)
        return args

    def _exchange(
        self, text: str | None, resolution: Resolution, build: Callable[[Session], JSON]
    ) -> Turn:
        session = self.session or Session(self.listener)
        self.session = session
        new = session.new
        request = build(session)
        try:
            response = self.send(request)
        except Exception:
            # Alexa drops a session whose skill failed; the next utterance starts afresh.
            self.session = None
            self._listening = False
            raise
        session.update(response)
        body = response["response"]
        speech, ssml = speech_of(body.get("outputSpeech"))
        reprompt, _ = speech_of((body.get("reprompt") or {}).get("outputSpeech"))
        should_end = body.get("shouldEndSession")
        # Left out, shouldEndSession ends the session on a speaker but not on a screen.
        ended = should_end is True or (should_end is None and self.listener.device == "speaker")
        if ended:
            self.session = None
        self._reprompt, self._reprompted = reprompt, False
        self._listening = should_end is False
        turn = Turn(
            user=text,
            resolution=resolution,
            request=request,
            response=response,
            speech=speech or "",
            ssml=ssml,
            reprompt=reprompt,
            card=Card.from_json(body.get("card")),
            directives=[str(d.get("type")) for d in body.get("directives") or []],
            ended=ended,
            new_session=new,
        )
        return self._record(turn)

    def _record(self, turn: Turn) -> Turn:
        self.turns.append(turn)
        return turn


# -- the command line ------------------------------------------------------------


class ReplayError(ValueError):
    """A replay file we cannot run, with a message fit for the user."""


@dataclass(frozen=True)
class Replay:
    skill_id: str | None
    locale: str | None
    inputs: list[str]


def load_replay(path: str | Path) -> Replay:
    """Read an ASK CLI replay file: {"skillId", "locale", "type": "text", "userInput": [...]}."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReplayError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReplayError(f"{path}: cannot read it ({error})") from None
    except json.JSONDecodeError as error:
        raise ReplayError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ReplayError(f"{path}: expected a JSON object with a userInput list")
    inputs = data.get("userInput")
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        raise ReplayError(f"{path}: userInput must be a list of strings")
    if not inputs:
        raise ReplayError(f"{path}: userInput is empty")
    if data.get("type", "text") != "text":
        raise ReplayError(f"{path}: only replay files of type 'text' are supported")
    for key in ("skillId", "locale"):
        if key in data and not isinstance(data[key], str):
            raise ReplayError(f"{path}: {key} must be a string")
    return Replay(data.get("skillId") or None, data.get("locale") or None, inputs)


def format_turn(turn: Turn, verbose: bool = False) -> list[str]:
    """The transcript lines for one turn (without the user's line)."""
    lines: list[str] = []
    if verbose and turn.request is not None:
        slots = " ".join(
            f"{n}={s['value']!r}->{s['id'] or 'NO_MATCH'}" for n, s in turn.slots.items()
        )
        how = f" ({turn.resolution.method})" if turn.resolution else ""
        new = " [new session]" if turn.new_session else ""
        lines.append(f"  -> {turn.intent}{how} {slots}".rstrip() + new)
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


def _lines(stream: TextIO, interactive: bool) -> Iterator[str]:
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


def _play(dialog: LocalDialog, text: str) -> Turn | None:
    """One line of input: words are spoken, an empty line is silence."""
    return dialog.say(text) if text else dialog.silence()


def run(
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
            turn = _play(dialog, text)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m skill_tools.dialog",
        description="Talk to the skill locally, like `ask dialog`, with no AWS account.",
    )
    parser.add_argument("--replay", metavar="FILE", help="run an ASK CLI replay file")
    parser.add_argument("--json", action="store_true", help="print the turns as a JSON list")
    parser.add_argument("--device", choices=["speaker", "show"], default="speaker")
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
        return run(dialog, replay.inputs, sys.stdout, as_json=args.json, verbose=args.verbose)

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
    lines = _lines(sys.stdin, interactive)
    try:
        return run(
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


if __name__ == "__main__":
    sys.exit(main())
