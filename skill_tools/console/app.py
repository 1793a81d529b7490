"""The console's routes: one page, its static files, the APL renderer, and a small JSON API.

Everything is served from this checkout: the page and its script from
``static/``, the renderer from the pinned ``apl-viewhost-web`` in ``.tools/``
(never committed). A Content-Security-Policy keeps the page, and the renderer's
own font and package downloads, on this origin: nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Final

from flask import Flask, Response, abort, jsonify, request, send_file
from werkzeug.exceptions import HTTPException

from skill_tools.console import guard, speech
from skill_tools.console.runtimes import RUNTIMES, Runtimes, RuntimeUnavailableError
from skill_tools.console.session import ConsoleSession, differences, transcript_line
from skill_tools.devices import DEVICES
from skill_tools.dialog.replay import ReplayError
from skill_tools.envelopes import DEFAULT_SKILL_ID, SKILL_JSON, Listener, Session
from skill_tools.paths import REPO_ROOT

STATIC: Final = Path(__file__).parent / "static"
VIEWHOST: Final = REPO_ROOT / ".tools" / "node_modules" / "apl-viewhost-web" / "index.js"
LOCALES: Final = tuple(sorted(p.stem for p in (REPO_ROOT / "interaction_models").glob("*.json")))
DEVICE_NAMES: Final = {
    "speaker": "Echo (no screen)",
    "show5": "Echo Show 5",
    "show": "Echo Show 8",
    "show15": "Echo Show 15",
    "spot": "Echo Spot",
    "tv": "Fire TV",
    "phone": "Alexa app (phone)",
}
CSP: Final = (
    "default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)


class BadRequestError(ValueError):
    """What the developer sent cannot be used; said back as a 400."""


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequestError("send a JSON object")
    return data


def _text(data: dict[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise BadRequestError(f"{key} must be a string")
    return value


def device_view(name: str) -> dict[str, Any]:
    """A device as the picker shows it: only the interfaces skill.json lets it report."""
    listener = Listener(device=name)  # type: ignore[arg-type]  # name comes from DEVICES
    profile = DEVICES[name]
    viewport = profile.viewport if listener.renders_apl else None
    return {
        "name": name,
        "label": DEVICE_NAMES.get(name, name),
        "description": profile.description,
        "interfaces": sorted(listener.supported_interfaces()),
        "viewport": viewport,
    }


def create_app(  # noqa: PLR0915 - the routes, one small closure each
    token: str, port: int, *, skill_id: str = DEFAULT_SKILL_ID
) -> Flask:
    """The console for one run: ``token`` is this run's secret, ``port`` where it listens."""
    app = Flask(__name__, static_folder=None)
    runtimes = Runtimes(skill_id)
    lock = threading.Lock()
    state: dict[str, ConsoleSession] = {}
    app.extensions["console"] = {"runtimes": runtimes, "state": state}

    def current() -> ConsoleSession:
        if "session" not in state:
            state["session"] = ConsoleSession(runtimes, skill_id=skill_id)
        return state["session"]

    @app.before_request
    def only_the_developer() -> None:
        reason = guard.refusal(request, token, port)
        if reason is not None:
            abort(403, reason)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        if request.args.get("token") == token:
            response.set_cookie(guard.COOKIE, token, httponly=True, samesite="Strict")
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        return jsonify(error=error.description), error.code or 500

    @app.errorhandler(BadRequestError)
    @app.errorhandler(ReplayError)
    @app.errorhandler(RuntimeUnavailableError)
    def bad_request(error: Exception) -> tuple[Response, int]:
        status = 503 if isinstance(error, RuntimeUnavailableError) else 400
        return jsonify(error=str(error)), status

    @app.errorhandler(Exception)
    def failure(error: Exception) -> tuple[Response, int]:
        # The skill or a runtime failed: say so in the page; the console keeps running.
        app.logger.warning("console request failed: %s", type(error).__name__)
        return jsonify(error=f"{type(error).__name__}: {error}"[:500]), 500

    @app.get("/")
    def page() -> Response:
        return send_file(STATIC / "index.html", mimetype="text/html")

    @app.get("/static/<name>")
    def static_file(name: str) -> Response:
        allowed = {"console.js": "text/javascript", "console.css": "text/css"}
        if name not in allowed:
            abort(404)
        return send_file(STATIC / name, mimetype=allowed[name])

    @app.get("/viewhost.js")
    def viewhost() -> Response:
        if not VIEWHOST.is_file():
            abort(404, "apl-viewhost-web is not installed: run `make console` (npm ci)")
        return send_file(VIEWHOST, mimetype="text/javascript")

    @app.get("/api/meta")
    def meta() -> Response:
        manifest = json.loads(SKILL_JSON.read_text(encoding="utf-8"))["manifest"]
        declared = [i["type"] for i in manifest["apis"]["custom"].get("interfaces", [])]
        return jsonify(
            locales=LOCALES,
            devices=[device_view(name) for name in DEVICE_NAMES if name in DEVICES],
            runtimes=RUNTIMES,
            declared=declared,
            espeak=speech.available(),
            espeakNote=None if speech.available() else speech.INSTALL_NOTE,
            sessionEndReasons=["USER_INITIATED", "EXCEEDED_MAX_REPROMPTS", "ERROR"],
        )

    @app.post("/api/session")
    def new_session() -> Response:
        data = _body()
        locale = _text(data, "locale", "en-US")
        device = _text(data, "device", "speaker")
        runtime = _text(data, "runtime", "in-process")
        user_id = data.get("userId") or None
        if locale not in LOCALES:
            raise BadRequestError(f"no interaction model for {locale!r}")
        if device not in DEVICES:
            raise BadRequestError(f"no device named {device!r}")
        if runtime not in RUNTIMES:
            raise BadRequestError(f"no runtime named {runtime!r}")
        if user_id is not None and not isinstance(user_id, str):
            raise BadRequestError("userId must be a string")
        with lock:
            old = state.get("session")
            if old is not None and old.dialog.in_session:
                old.dialog.end("USER_INITIATED")
            state["session"] = ConsoleSession(
                runtimes,
                locale=locale,
                device=device,
                runtime=runtime,
                user_id=user_id,
                skill_id=skill_id,
            )
            listener = state["session"].listener
        return jsonify(
            locale=locale, device=device_view(device), runtime=runtime, userId=listener.user_id
        )

    @app.post("/api/runtime")
    def switch_runtime() -> Response:
        runtime = _text(_body(), "runtime")
        if runtime not in RUNTIMES:
            raise BadRequestError(f"no runtime named {runtime!r}")
        with lock:
            current().runtime = runtime
        return jsonify(runtime=runtime)

    @app.post("/api/say")
    def say() -> Response:
        text = _text(_body(), "text")
        if len(text) > 500:
            raise BadRequestError("an utterance is at most 500 characters")
        with lock:
            return jsonify(current().say(text))

    @app.post("/api/touch")
    def touch() -> Response:
        data = _body()
        arguments = data.get("arguments")
        if not isinstance(arguments, list):
            raise BadRequestError("arguments must be a list")
        with lock:
            return jsonify(
                current().touch(arguments, _text(data, "token", ""), _text(data, "source", ""))
            )

    @app.post("/api/craft")
    def craft() -> Response:
        data = _body()
        kind = _text(data, "kind")
        with lock:
            session = current()
            if kind == "SessionEndedRequest":
                return jsonify(session.end_session(_text(data, "reason", "USER_INITIATED")))
            if kind == "SkillDisabled":
                return jsonify(session.skill_disabled())
            if kind == "CanFulfillIntentRequest":
                return jsonify(session.can_fulfill(_text(data, "text")))
        raise BadRequestError(f"no crafted request named {kind!r}")

    @app.post("/api/send")
    def send() -> Response:
        envelope = _body().get("envelope")
        if not isinstance(envelope, dict):
            raise BadRequestError("envelope must be a JSON object")
        with lock:
            return jsonify(current().send_json(envelope))

    @app.get("/api/record")
    def record() -> Response:
        with lock:
            return jsonify(stored_record(current(), forget=False))

    @app.post("/api/forget")
    def forget() -> Response:
        with lock:
            return jsonify(stored_record(current(), forget=True))

    @app.post("/api/speak")
    def speak() -> Response:
        data = _body()
        if not speech.available():
            return Response(
                json.dumps({"error": speech.INSTALL_NOTE}), 503, mimetype="application/json"
            )
        wav = speech.speak(_text(data, "ssml"), _text(data, "locale", "en-US"))
        return Response(wav, mimetype="audio/wav")

    @app.get("/api/export")
    def export() -> Response:
        with lock:
            session = current()
            return jsonify(replay=session.replay_file(), transcript=session.transcript())

    @app.post("/api/replay")
    def replay() -> Response:
        data = _body()
        replay_file = data.get("replay")
        transcript = data.get("transcript") or []
        if not isinstance(replay_file, dict) or not isinstance(transcript, list):
            raise BadRequestError("send {replay: <ASK CLI replay file>, transcript: [...]}")
        inputs = replay_file.get("userInput")
        if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
            raise ReplayError("userInput must be a list of strings")
        locale = replay_file.get("locale") or "en-US"
        if locale not in LOCALES:
            raise BadRequestError(f"no interaction model for {locale!r}")
        with lock:
            old = current()
            device, runtime = old.listener.device, old.runtime
            if old.dialog.in_session:
                old.dialog.end("USER_INITIATED")
            # A replay meets the skill as a new listener, as when it was recorded.
            session = ConsoleSession(
                runtimes, locale=locale, device=device, runtime=runtime, skill_id=skill_id
            )
            state["session"] = session
            turns = [session.say(text) for text in inputs]
            got = [transcript_line(t) for t in turns]
        return jsonify(
            turns=turns,
            differences=differences(transcript, got) if transcript else [],
            compared=bool(transcript),
            userId=session.listener.user_id,
        )

    return app


def stored_record(session: ConsoleSession, *, forget: bool) -> dict[str, Any]:
    """The listener's stored record as the skill's configured store holds it."""
    from ask_sdk_core.serialize import DefaultSerializer  # noqa: PLC0415 - only here
    from ask_sdk_model import RequestEnvelope  # noqa: PLC0415

    from massage_guide import persistence  # noqa: PLC0415 - the skill's own configuration

    adapter = persistence.adapter_from_environment()
    if adapter is None:
        return {"store": None, "record": None, "note": "the skill runs without memory here"}
    envelope = Session(session.listener).launch()
    parsed = DefaultSerializer().deserialize(json.dumps(envelope), RequestEnvelope)
    if forget:
        adapter.delete_attributes(parsed)
    record = adapter.get_attributes(parsed)
    note = None
    if session.runtime == "lambda" and "DYNAMODB_TABLE" not in os.environ:
        note = "on the Lambda runtime the skill runs without memory unless DYNAMODB_TABLE is set"
    return {"store": type(adapter).__name__, "record": record, "forgotten": forget, "note": note}
