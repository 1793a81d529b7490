"""A device and the Alexa service in one object, for the local dialog and the tests.

What is said goes through the local resolver (our own interaction model),
becomes a real Alexa request envelope, and is handed to the same
lambda_handler that runs on Lambda. Sessions behave as on a device: the
first request of a session is new, session attributes travel with each turn,
a response that ends the session makes the next utterance open a new one,
and leaving mid-session sends the SessionEndedRequest Alexa would send.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skill_tools.devices import DeviceKind
from skill_tools.dialog.resolver import Resolution, Resolver, SlotValue
from skill_tools.dialog.turns import Card, Turn, speech_of
from skill_tools.envelopes import (
    DEFAULT_SKILL_ID,
    JSON,
    Listener,
    Session,
    Slot,
    SlotArg,
)
from skill_tools.paths import REPO_ROOT

Handler = Callable[[JSON, Any], JSON]
ALEXA_TIMEOUT_MS = 8000  # how long Alexa waits for a skill's answer


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
        self.resolver = Resolver.from_file(model_path or model_path_for(locale), locale)
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

    def touch(self, arguments: list[Any], token: str, source_id: str) -> Turn:
        """Touch something on the screen: the APL UserEvent its SendEvent command sends."""
        return self._exchange(None, None, lambda s: s.user_event(arguments, token, source_id))

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
        self, text: str | None, resolution: Resolution | None, build: Callable[[Session], JSON]
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
