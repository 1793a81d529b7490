"""The app through Flask's test client: the real skill, real signed envelopes, hostile input."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from bench.baselines.hello_webservice import HELLO
from skill_tools.envelopes import Listener, Session, skill_disabled_event, timestamp
from skill_tools.testpki import AlexaSigner, TestPKI
from tests.support import assert_valid_response
from tests.webservice.conftest import OTHER_SKILL_ID, SKILL_ID, AppFactory
from webservice import compat


def _post(client: FlaskClient, body: bytes, headers: dict[str, str]) -> Any:
    return client.post("/", data=body, headers=headers)


def _spoken(client: FlaskClient, signer: AlexaSigner, envelope: dict[str, Any]) -> dict[str, Any]:
    response = _post(client, *signer.sign(envelope))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return assert_valid_response(response.get_json())


def _refused(response: Any, status: int, reason: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    payload = response.get_json()
    assert reason in payload["error"]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "<html" not in text.lower()


# ---------------------------------------------------------------- genuine traffic


def test_launch_and_a_question_get_spoken_answers(
    client: FlaskClient, signer: AlexaSigner, session: Session
) -> None:
    launch = _spoken(client, signer, session.launch())
    assert launch["response"]["outputSpeech"]["ssml"].startswith("<speak>")
    session.update(launch)
    answer = _spoken(client, signer, session.intent("WhyMassageHelpsIntent"))
    assert "outputSpeech" in answer["response"]


def test_session_end_and_skill_events_are_accepted(
    client: FlaskClient, signer: AlexaSigner, session: Session, listener: Listener
) -> None:
    session.launch()
    ended = _post(client, *signer.sign(session.session_ended()))
    assert ended.status_code == 200
    assert_valid_response(ended.get_json())
    event = _post(client, *signer.sign(skill_disabled_event(listener)))
    assert event.status_code == 200
    assert_valid_response(event.get_json())


def test_session_end_with_a_reason_newer_than_the_sdk_is_accepted_as_on_lambda(
    client: FlaskClient, signer: AlexaSigner, session: Session
) -> None:
    session.launch()
    future = session.session_ended("A_REASON_FROM_THE_FUTURE", {"type": "NEW", "message": "m"})
    ended = _post(client, *signer.sign(future))
    assert ended.status_code == 200
    assert "outputSpeech" not in assert_valid_response(ended.get_json())["response"]


def test_known_request_type_the_skill_does_not_handle_gets_a_spoken_reply(
    client: FlaskClient, signer: AlexaSigner, session: Session
) -> None:
    envelope = session.launch()
    envelope["request"]["type"] = "Alexa.Presentation.APL.UserEvent"
    envelope["request"]["arguments"] = ["nothing"]
    response = _post(client, *signer.sign(envelope))
    assert response.status_code == 200
    assert_valid_response(response.get_json())


def test_hello_world_baseline_is_served_the_same_way(
    hello_client: FlaskClient, signer: AlexaSigner, session: Session
) -> None:
    answer = _spoken(hello_client, signer, session.launch())
    assert HELLO in answer["response"]["outputSpeech"]["ssml"]


def test_health(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


# ---------------------------------------------------------------- hostile input


def test_malformed_json_is_a_400(client: FlaskClient, signer: AlexaSigner) -> None:
    body = b'{"version": "1.0", "request": '
    _refused(_post(client, body, signer.headers(body)), 400, "well-formed")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1", ""],
)
def test_wrong_content_type_is_a_415(
    client: FlaskClient, signer: AlexaSigner, session: Session, content_type: str
) -> None:
    body, headers = signer.sign(session.launch())
    headers["Content-Type"] = content_type
    _refused(_post(client, body, headers), 415, "")


def test_body_over_the_limit_is_a_413(client: FlaskClient, signer: AlexaSigner) -> None:
    body = b'{"pad": "' + b"x" * (128 * 1024) + b'"}'
    _refused(_post(client, body, signer.headers(body)), 413, "")


def test_limit_follows_max_body(make_app: AppFactory, signer: AlexaSigner) -> None:
    small = make_app(max_body=4096).test_client()
    body = b'{"pad": "' + b"x" * 5000 + b'"}'
    _refused(_post(small, body, signer.headers(body)), 413, "")


def test_missing_signature_headers_are_a_400(
    client: FlaskClient, signer: AlexaSigner, session: Session
) -> None:
    body, _ = signer.sign(session.launch())
    _refused(_post(client, body, {"Content-Type": "application/json"}), 400, "headers missing")


def test_bad_signature_is_a_400(client: FlaskClient, signer: AlexaSigner, session: Session) -> None:
    body, headers = signer.sign(session.launch())
    headers["Signature-256"] = signer.signature(body + b" ")
    _refused(_post(client, body, headers), 400, "signature does not match")


def test_bad_chain_url_is_a_400(client: FlaskClient, signer: AlexaSigner, session: Session) -> None:
    body, headers = signer.sign(session.launch())
    headers["SignatureCertChainUrl"] = "https://s3.amazonaws.com:8443/echo.api/x.pem"
    _refused(_post(client, body, headers), 400, "port")


def test_replayed_old_request_is_a_400(
    client: FlaskClient, signer: AlexaSigner, session: Session
) -> None:
    envelope = session.launch()
    body, headers = signer.sign(envelope)
    assert _post(client, body, headers).status_code == 200
    later = make_clock(datetime.now(UTC) + timedelta(minutes=5))
    app = client.application
    app.extensions["webservice"]["gate"].clock = later
    _refused(_post(client, body, headers), 400, "timestamp")


def make_clock(moment: datetime) -> Any:
    return lambda: moment


def test_old_timestamp_is_a_400(client: FlaskClient, signer: AlexaSigner, session: Session) -> None:
    envelope = session.launch()
    envelope["request"]["timestamp"] = timestamp(datetime.now(UTC) - timedelta(minutes=10))
    _refused(_post(client, *signer.sign(envelope)), 400, "timestamp")


def test_another_skills_id_is_a_400(client: FlaskClient, signer: AlexaSigner) -> None:
    envelope = Session(Listener(skill_id=OTHER_SKILL_ID)).launch()
    _refused(_post(client, *signer.sign(envelope)), 400, "application id")


def test_unknown_request_type_is_a_400(
    client: FlaskClient, signer: AlexaSigner, session: Session
) -> None:
    envelope = session.launch()
    envelope["request"]["type"] = "Alexa.Totally.Invented"
    _refused(_post(client, *signer.sign(envelope)), 400, "not supported")


def test_signed_envelope_the_sdk_cannot_read_is_a_400_not_a_500(
    client: FlaskClient, signer: AlexaSigner, session: Session
) -> None:
    envelope = session.intent("WhyMassageHelpsIntent")
    envelope["request"]["intent"]["slots"] = "not an object"
    _refused(_post(client, *signer.sign(envelope)), 400, "not readable")


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_other_methods_are_a_405(client: FlaskClient, method: str) -> None:
    response = getattr(client, method)("/")
    _refused(response, 405, "")
    assert "POST" in response.headers["Allow"]


def test_unknown_path_is_a_404(client: FlaskClient) -> None:
    _refused(client.post("/admin", data=b"{}"), 404, "")


# ---------------------------------------------------------------- logging


def test_nothing_identifying_a_listener_is_logged(
    client: FlaskClient,
    signer: AlexaSigner,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    listener = Listener(skill_id=SKILL_ID)
    session = Session(listener)
    stranger = Listener(skill_id=OTHER_SKILL_ID)
    envelopes = [session.launch(), session.intent("WhyMassageHelpsIntent")]
    for envelope in envelopes:
        assert _post(client, *signer.sign(envelope)).status_code == 200
    unreadable = Session(listener).intent("WhyMassageHelpsIntent")
    unreadable["request"]["intent"]["slots"] = "x"
    bad = [
        signer.sign(Session(stranger).launch()),
        signer.sign(unreadable),
        (json.dumps(session.launch()).encode(), {"Content-Type": "application/json"}),
    ]
    for body, headers in bad:
        assert _post(client, body, headers).status_code == 400
    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    assert "refused request" in logged  # the refusals were logged ...
    for secret in (listener.user_id, listener.device_id, stranger.user_id, session.session_id):
        assert secret not in logged  # ... without who asked
    assert '"request"' not in logged


# ---------------------------------------------------------------- unverified local mode


def test_unverified_mode_serves_loopback_clients_only(make_app: AppFactory) -> None:
    app = make_app(verify_signature=False, skill_id=None)
    body = json.dumps(Session(Listener()).launch()).encode()
    headers = {"Content-Type": "application/json"}
    local = app.test_client()
    assert_valid_response(local.post("/", data=body, headers=headers).get_json())
    remote = app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    _refused(remote.post("/", data=body, headers=headers), 403, "loopback")


def test_unverified_mode_still_checks_a_configured_skill_id(make_app: AppFactory) -> None:
    app = make_app(verify_signature=False)
    body = json.dumps(Session(Listener(skill_id=OTHER_SKILL_ID)).launch()).encode()
    response = app.test_client().post("/", data=body, content_type="application/json")
    _refused(response, 400, "application id")


def test_verified_mode_serves_any_client_address(
    client: FlaskClient, signer: AlexaSigner, session: Session
) -> None:
    client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert _post(client, *signer.sign(session.launch())).status_code == 200


def test_flask_ask_sdk_imports_here_with_its_default_verifier_failing_closed(
    pki: TestPKI,
) -> None:
    from ask_sdk_webservice_support.verifier import RequestVerifier, VerificationException

    assert compat.SkillAdapter.__module__ == "flask_ask_sdk.skill_adapter"
    if compat.CERTVALIDATOR_PLACEHOLDER:
        with pytest.raises(VerificationException):
            RequestVerifier()._validate_cert_chain(pki.chain_pem)


def test_building_many_apps_does_not_grow_the_shared_skills_user_agent(
    make_app: AppFactory,
) -> None:
    from massage_guide.skill_builder import get_skill

    make_app()
    before = get_skill().custom_user_agent
    for _ in range(3):
        make_app()
    assert get_skill().custom_user_agent == before
    assert before is not None and before.count("flask-ask-sdk") == 1


def test_a_503_says_which_limit_refused_it(
    make_app: AppFactory, signer: AlexaSigner, session: Session
) -> None:
    """The docs name the 503 reasons; the review got "internal error" for every one."""
    app = make_app()
    certificates = app.extensions["webservice"]["gate"].certificates
    certificates.downloads_per_minute = certificates._unknown_lane.per_minute = 0  # spent
    response = _post(app.test_client(), *signer.sign(session.launch()))
    _refused(response, 503, "certificate download limit reached")
