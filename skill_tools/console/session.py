"""One console conversation: the local dialog, timed per runtime, with state and records.

Every turn the page shows is built here as JSON: what was said and how the NLU
read it, the request and response, what Alexa says and how long it takes to
hear, the session attributes and what changed, which runtime answered and how
long it took. A conversation saves as an ASK CLI replay file plus a transcript,
and a replay re-runs against a transcript to list every difference.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any, Final

from skill_tools.console.nlu import nlu_view
from skill_tools.console.runtimes import Runtimes
from skill_tools.dialog.simulator import LambdaContext, LocalDialog
from skill_tools.dialog.turns import Turn, speech_of
from skill_tools.envelopes import (
    DEFAULT_SKILL_ID,
    JSON,
    Listener,
    Session,
    can_fulfill_request,
    skill_disabled_event,
)
from skill_tools.spoken_length import measure

SESSION_END_REASONS: Final = ("USER_INITIATED", "EXCEEDED_MAX_REPROMPTS", "ERROR")
RENDER_DOCUMENT: Final = "Alexa.Presentation.APL.RenderDocument"


def new_listener_id() -> str:
    """A listener nobody has been: the skill meets them for the first time."""
    return f"amzn1.ask.account.CONSOLE-{uuid.uuid4().hex.upper()}"


def changes(before: JSON, after: JSON, prefix: str = "") -> dict[str, list[Any]]:
    """Every leaf that differs between two attribute trees: path -> [before, after]."""
    found: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        path = f"{prefix}{key}"
        if isinstance(old, dict) and isinstance(new, dict):
            found.update(changes(old, new, f"{path}."))
        elif old != new:
            found[path] = [old, new]
    return found


def spoken(ssml: str | None) -> JSON | None:
    if not ssml:
        return None
    try:
        length = measure(ssml)
    except ValueError:
        return None
    return {
        "words": length.words,
        "seconds": length.seconds,
        "secondsAtNormalPace": length.seconds_at_normal_pace,
    }


def screen_of(response: JSON | None) -> JSON | None:
    """The APL document, data and token of a RenderDocument directive, if the response has one."""
    for directive in ((response or {}).get("response") or {}).get("directives") or []:
        if directive.get("type") == RENDER_DOCUMENT:
            return {
                "token": directive.get("token"),
                "document": directive.get("document"),
                "datasources": directive.get("datasources") or {},
            }
    return None


class ConsoleSession:
    """A listener on a device, talking to the skill through one of the runtimes."""

    def __init__(
        self,
        runtimes: Runtimes,
        *,
        locale: str = "en-US",
        device: str = "speaker",
        runtime: str = "in-process",
        user_id: str | None = None,
        skill_id: str = DEFAULT_SKILL_ID,
    ) -> None:
        self.runtimes = runtimes
        self.runtime = runtime
        runtimes.get(runtime)  # an unknown name fails here, before any turn
        self.dialog = LocalDialog(
            handler=self._answer,
            locale=locale,
            device=device,  # type: ignore[arg-type]  # checked by the app against DEVICES
            skill_id=skill_id,
            user_id=user_id or new_listener_id(),
        )
        self.turns: list[JSON] = []
        self._last_ms = 0.0

    @property
    def listener(self) -> Listener:
        return self.dialog.listener

    def _answer(self, envelope: JSON, context: Any) -> JSON:
        started = time.perf_counter()
        try:
            return self.runtimes.get(self.runtime)(envelope, context)
        finally:
            self._last_ms = (time.perf_counter() - started) * 1000

    # -- turns ---------------------------------------------------------------

    def _view(self, kind: str, turn: Turn | None, before: JSON, user: str | None) -> JSON:
        after = self.dialog.attributes if turn is None or not turn.ended else {}
        if turn is not None and turn.response is not None:
            after = dict(turn.response.get("sessionAttributes") or {})
        view: JSON = {
            "index": len(self.turns),
            "kind": kind,
            "user": user,
            "runtime": self.runtime,
            "ms": round(self._last_ms, 1),
            "nlu": nlu_view(turn.resolution) if turn else None,
            "request": turn.request if turn else None,
            "response": turn.response if turn else None,
            "requestType": _read(lambda: turn.request_type) if turn else None,
            "intent": _read(lambda: turn.intent) if turn else None,
            "speech": turn.speech if turn else "",
            "ssml": turn.ssml if turn else None,
            "reprompt": turn.reprompt if turn else None,
            "repromptSsml": _reprompt_ssml(turn.response) if turn else None,
            "card": _card(turn),
            "spoken": spoken(turn.ssml) if turn else None,
            "attributes": after,
            "changed": changes(before, after),
            "ended": turn.ended if turn else False,
            "newSession": turn.new_session if turn else False,
            "screen": screen_of(turn.response) if turn else None,
            "inSession": self.dialog.in_session,
        }
        self.turns.append(view)
        return view

    def say(self, text: str) -> JSON:
        before = self.dialog.attributes
        turn = self.dialog.say(text) if text.strip() else self.dialog.silence()
        return self._view("utterance" if text.strip() else "silence", turn, before, text or None)

    def silence(self) -> JSON:
        return self.say("")

    def touch(self, arguments: list[Any], token: str, source_id: str) -> JSON:
        before = self.dialog.attributes
        turn = self.dialog.touch(arguments, token, source_id)
        return self._view("touch", turn, before, f"(touches {source_id})")

    def end_session(self, reason: str) -> JSON:
        if reason not in SESSION_END_REASONS:
            raise ValueError(f"a session ends for one of {', '.join(SESSION_END_REASONS)}")
        before = self.dialog.attributes
        error = {"type": "INVALID_RESPONSE", "message": "sent from the console"}
        turn = self.dialog.end(reason, error if reason == "ERROR" else None)
        if turn is None:  # no session open: Alexa would send nothing, show it on a fresh one
            request = Session(self.listener).session_ended(reason)
            response = self.dialog.send(request)
            turn = Turn(None, None, request, response, ended=True)
        return self._view("crafted", turn, before, f"(session ends: {reason})")

    def skill_disabled(self) -> JSON:
        request = skill_disabled_event(self.listener)
        return self._raw("crafted", request, "(disables the skill)")

    def can_fulfill(self, text: str) -> JSON:
        """What a name-free request would send: the utterance's intent and spoken slot values."""
        resolution = self.dialog.resolver.resolve(text)
        intent = resolution.intent or "AMAZON.FallbackIntent"
        slots = {name: slot.value for name, slot in resolution.slots.items()}
        request = can_fulfill_request(self.listener, intent, slots)
        view = self._raw("crafted", request, f"(name-free: {text})")
        view["nlu"] = nlu_view(resolution)
        return view

    def send_json(self, envelope: JSON) -> JSON:
        """The developer console's manual JSON: sent as is; the conversation is untouched."""
        return self._raw("manual", envelope, "(manual JSON)")

    def _raw(self, kind: str, request: JSON, user: str) -> JSON:
        before = self.dialog.attributes
        response = self.dialog.handler(request, LambdaContext())
        body = response.get("response") if isinstance(response, dict) else None
        speech, ssml = speech_of((body or {}).get("outputSpeech"))
        turn = Turn(None, None, request, response, speech=speech or "", ssml=ssml)
        view = self._view(kind, turn, before, user)
        view["attributes"], view["changed"] = before, {}
        return view

    # -- replay files ---------------------------------------------------------

    def replay_file(self) -> JSON:
        """The ASK CLI replay file of what was said (silence as an empty line)."""
        said = [t["user"] or "" for t in self.turns if t["kind"] in {"utterance", "silence"}]
        return {
            "skillId": self.listener.skill_id,
            "locale": self.listener.locale,
            "type": "text",
            "userInput": said,
        }

    def transcript(self) -> list[JSON]:
        """What each utterance got back: the lines a re-run is held to."""
        return [transcript_line(t) for t in self.turns if t["kind"] in {"utterance", "silence"}]


def transcript_line(view: JSON) -> JSON:
    return {
        "user": view["user"] or "",
        "intent": view["intent"],
        "speech": view["speech"],
        "reprompt": view["reprompt"],
        "card": view["card"],
        "screen": (view["screen"] or {}).get("token"),
        "ended": view["ended"],
    }


def differences(expected: list[JSON], got: list[JSON]) -> list[JSON]:
    """Every field of every turn that differs between a transcript and a re-run."""
    found: list[JSON] = []
    for index in range(max(len(expected), len(got))):
        old = expected[index] if index < len(expected) else {}
        new = got[index] if index < len(got) else {}
        for field in sorted(set(old) | set(new)):
            if old.get(field) != new.get(field):
                found.append(
                    {
                        "turn": index + 1,
                        "field": field,
                        "expected": old.get(field),
                        "got": new.get(field),
                    }
                )
    return found


def _read(field: Callable[[], str | None]) -> str | None:
    """A field of a request the developer may have written by hand: None when it is not there."""
    try:
        return field()
    except (KeyError, TypeError, IndexError):
        return None


def _card(turn: Turn | None) -> JSON | None:
    if turn is None or turn.card is None:
        return None
    return {"title": turn.card.title, "text": turn.card.text}


def _reprompt_ssml(response: JSON | None) -> str | None:
    body = (response or {}).get("response") or {}
    _, ssml = speech_of((body.get("reprompt") or {}).get("outputSpeech"))
    return ssml


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
