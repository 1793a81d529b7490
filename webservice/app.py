"""The Flask app: the skill behind flask-ask-sdk's SkillAdapter, with Alexa's checks in front.

The SDK's own path deserializes a body *before* its verifiers run, and its
deserializer puts the whole body into its error messages, which the adapter
logs with a traceback. So the checks here run first, on the raw bytes
(``webservice.verify.RequestGate``); the adapter only ever sees requests that
passed them, with its broken default verifiers switched off.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.skill import CustomSkill
from cryptography.x509.verification import Store
from flask import Flask, Response, abort, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response as WerkzeugResponse

from massage_guide.log_policy import withheld_traceback
from massage_guide.persistence import is_loopback
from webservice.chain_cache import Fetcher, SigningCertificates
from webservice.compat import (
    VERIFY_SIGNATURE_APP_CONFIG,
    VERIFY_TIMESTAMP_APP_CONFIG,
    SkillAdapter,
)
from webservice.fetchers import DirectoryFetcher, UrllibFetcher
from webservice.refusal import RefusedError
from webservice.settings import Settings
from webservice.trust import load_trust_store
from webservice.verify import CERT_URL_HEADER, SIGNATURE_HEADER, Clock, RequestGate, utc_now

log = logging.getLogger("webservice")

EXTENSION = "webservice"

LOUD_WARNING = (
    "\n" + "!" * 72 + "\n"
    "!!  VERIFY_SIGNATURE=0: Alexa request signatures are NOT checked.\n"
    "!!  Anyone who can reach this port can impersonate Alexa. Local tools only;\n"
    "!!  the service binds and answers loopback (127.0.0.1 / ::1) only. Never run\n"
    "!!  it so on a machine reachable from outside, even behind a proxy or tunnel.\n" + "!" * 72
)
PROXY_HEADERS = frozenset(
    name.lower()
    for name in (
        # the standard one (RFC 7239) and the de facto X-Forwarded family
        "Forwarded",
        "Via",
        "X-Forwarded-For",
        "X-Forwarded-Host",
        "X-Forwarded-Proto",
        "X-Forwarded-Port",
        "X-Forwarded-Server",
        "X-Forwarded-Prefix",
        "X-Forwarded-Scheme",
        "X-Forwarded-Ssl",
        "X-Original-Forwarded-For",
        # what nginx setups, CDNs, load balancers and tunnels add
        "X-Real-IP",
        "X-Client-IP",
        "X-Cluster-Client-IP",
        "True-Client-IP",
        "CF-Connecting-IP",
        "CF-Ray",
        "Fastly-Client-IP",
        "X-Envoy-External-Address",
        "X-Amzn-Trace-Id",
    )
)
"""Headers a reverse proxy, CDN or tunnel adds: a request with one did not start on this machine."""

TEST_HOOK_WARNING = (
    "TEST HOOKS ON: certificate chains are %s, loopback clients only. "
    "Never use this configuration in production."
)


class RedactExceptionText(logging.Filter):
    """Keep tracebacks in logs but drop exception messages, which may carry request data.

    The ASK SDK's exceptions quote payload values (and whole bodies) in their
    messages; the frames and the exception type are what an operator needs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            error = record.exc_info[1]
            if error is not None:
                record.exc_text = withheld_traceback(error)
            record.exc_info = None
        return True


class DropEnvelopeRefusalTracebacks(logging.Filter):
    """The adapter logs a traceback for every envelope the SDK will not read.

    Those envelopes are the caller's fault: the view answers them with a 400 and
    logs one ``refused request`` line, so the adapter's traceback is dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, SerializationException)


def _build_gate(
    settings: Settings,
    fetcher: Fetcher | None,
    trust_store: Store | None,
    clock: Clock,
) -> RequestGate:
    if not settings.verify_signature:
        log.warning(LOUD_WARNING)
        if settings.skill_id is None:
            log.warning("SKILL_ID is unset: the application id is not checked either")
        return RequestGate(skill_id=settings.skill_id, certificates=None, clock=clock)
    if fetcher is None:
        if settings.test_hooks and settings.cert_chain_dir is not None:
            log.warning(TEST_HOOK_WARNING, "read from CERT_CHAIN_DIR")
            fetcher = DirectoryFetcher(settings.cert_chain_dir)
        elif settings.test_hooks and settings.cert_chain_origin is not None:
            log.warning(TEST_HOOK_WARNING, "downloaded from CERT_CHAIN_ORIGIN")
            fetcher = UrllibFetcher(
                timeout=settings.cert_fetch_timeout, origin=settings.cert_chain_origin
            )
        else:
            fetcher = UrllibFetcher(timeout=settings.cert_fetch_timeout)
    store = trust_store if trust_store is not None else load_trust_store(settings.trust_store)
    return RequestGate(
        skill_id=settings.skill_id,
        certificates=SigningCertificates(fetcher, store),
        clock=clock,
    )


def read_body(limit: int) -> bytes:
    """The whole request body, or a 413 when it is longer than ``limit`` however it was sent."""
    body = request.get_data(cache=True)
    if len(body) > limit:
        abort(413, "request body too large")
    return body


def loopback_clients_only() -> None:
    """Refuse (403) anything but a direct loopback client: the loopback-only modes' rule."""
    # Second line of defence for a WSGI server bound elsewhere than settings say.
    if not is_loopback(request.remote_addr or ""):
        abort(403, "this configuration serves loopback clients only")
    # Behind a proxy on this machine (nginx, ngrok, cloudflared) every client is
    # 127.0.0.1; such proxies say so in these headers, and local tools never send them.
    if any(name.lower() in PROXY_HEADERS for name, _ in request.headers):
        abort(403, "this configuration refuses requests that came through a proxy")
    # nginx's default proxy_pass speaks HTTP/1.0 and adds no header at all; every
    # local tool (curl, Python's http.client, the skill's own) speaks HTTP/1.1.
    if request.environ.get("SERVER_PROTOCOL", "") == "HTTP/1.0":
        abort(403, "this configuration refuses HTTP/1.0, a proxy's default")


def _default_skill() -> CustomSkill:
    # Imported here so the hello-world baseline never loads the real skill.
    from massage_guide.skill_builder import get_skill  # noqa: PLC0415

    return get_skill()


def create_app(
    settings: Settings | None = None,
    *,
    skill: CustomSkill | None = None,
    fetcher: Fetcher | None = None,
    trust_store: Store | None = None,
    clock: Clock = utc_now,
) -> Flask:
    """Build the service. Settings default to the environment (ConfigError if unsafe).

    ``skill`` defaults to the massage guide's cached skill; ``fetcher``,
    ``trust_store`` and ``clock`` exist so tests can use their own PKI and time.
    """
    settings = settings or Settings.from_env()
    settings.validate()
    gate = _build_gate(settings, fetcher, trust_store, clock)
    skill = skill if skill is not None else _default_skill()

    app = Flask("webservice")
    app.logger.addFilter(DropEnvelopeRefusalTracebacks())
    app.logger.addFilter(RedactExceptionText())
    # One byte over the limit: a chunked body has no length to check up front, and Werkzeug
    # stops reading it *at* the limit without saying it was cut, so the view reads one byte
    # more than it accepts and refuses the body if that byte came (read_body).
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body + 1
    app.config[VERIFY_SIGNATURE_APP_CONFIG] = False  # replaced by the gate (see module doc)
    app.config[VERIFY_TIMESTAMP_APP_CONFIG] = False
    tagged = skill.custom_user_agent
    adapter = SkillAdapter(skill=skill, skill_id=settings.skill_id or "unverified-local", app=app)
    if tagged and "flask-ask-sdk" in tagged:
        # The adapter appends its name to the shared skill's user agent on every app built
        # around it; with the process-wide skill (tests build many apps) tag it only once.
        skill.custom_user_agent = tagged
    app.extensions[EXTENSION] = {"settings": settings, "gate": gate, "adapter": adapter}

    if settings.loopback_only:
        app.before_request(loopback_clients_only)

    @app.post("/")
    def invoke_skill() -> Any:
        if request.mimetype != "application/json":
            abort(415, "content type must be application/json")
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in {"utf-8", "utf8"}:
            abort(415, "charset must be utf-8")
        body = read_body(settings.max_body)
        try:
            gate.check(
                body,
                signature=request.headers.get(SIGNATURE_HEADER),
                cert_url=request.headers.get(CERT_URL_HEADER),
            )
        except RefusedError as refused:
            log.warning("refused request: %s", refused.reason)
            abort(refused.status, refused.reason)
        try:
            return adapter.dispatch_request()
        except InternalServerError as error:
            # The adapter turns every SDK exception into a 500. A signed envelope the SDK
            # cannot deserialize is the caller's fault, not ours: say so with a 400.
            if isinstance(error.__context__, SerializationException):
                log.warning("refused request: envelope not readable by the SDK")
                abort(400, "request envelope not readable")
            raise

    @app.get("/health")
    def health() -> Response:
        return jsonify(status="ok")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> WerkzeugResponse:
        # Keep werkzeug's status and headers (Allow on 405), swap the HTML page for JSON.
        response = error.get_response()
        code = error.code or 500
        # A refusal's reason is a fixed string (503 "certificate download busy" included);
        # only a genuine fault says no more than "internal error".
        message = "internal error" if code == 500 else error.description
        response.set_data(json.dumps({"error": message}))
        response.content_type = "application/json"
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        app.logger.error("unhandled error", exc_info=error)
        return jsonify(error="internal error"), 500

    return app
