"""Listener memory through the real skill, real envelopes and real stores: SQLite, DynamoDB Local.

Every behaviour test runs on both stores. DynamoDB runs against Amazon's
DynamoDB Local (started once for the session, stopped by PID); faults use a
second server that is killed, a closed port, a socket that never answers,
and botocore's Stubber for the errors DynamoDB Local cannot produce.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import socket
import sqlite3
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

from massage_guide import persistence
from massage_guide.memory import MARKER_KEY
from massage_guide.skill_builder import build_skill
from massage_guide.state import STATE_KEY
from massage_guide.stores.base import ListenerStore
from massage_guide.stores.dynamodb_http import DynamoDBHttpClient
from massage_guide.stores.dynamodb_store import DynamoDBStore
from massage_guide.stores.sqlite_store import SQLiteStore
from skill_tools.dynamodb_local import DynamoDBLocal
from skill_tools.envelopes import Listener, Session, Slot, skill_disabled_event
from skill_tools.loopback import free_port, tcp_server
from tests.support import assert_valid_response, says, speech_text, variants_of

HASH_KEY = "persistence-test-hash-key"
DAY = 86_400
TURN_LIMIT_SECONDS = 3.0


# --- servers -------------------------------------------------------------------------------


@pytest.fixture
def doomed_dynamodb() -> Iterator[DynamoDBLocal]:
    """A second DynamoDB Local of the test's own, to be killed mid-session."""
    with DynamoDBLocal().start() as server:
        yield server


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        server.close()


# --- stores and the skill ------------------------------------------------------------------


class CountingStore(AbstractPersistenceAdapter):
    """Counts the SDK-level calls the skill makes on a real store."""

    def __init__(self, inner: ListenerStore) -> None:
        self.inner = inner
        self.gets = 0
        self.saves = 0
        self.deletes = 0

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        self.gets += 1
        return self.inner.get_attributes(request_envelope)

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: Any) -> None:
        self.saves += 1
        self.inner.save_attributes(request_envelope, attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.deletes += 1
        self.inner.delete_attributes(request_envelope)

    def calls(self) -> tuple[int, int, int]:
        return self.gets, self.saves, self.deletes


def dynamodb_env(endpoint: str, table: str | None = None, **extra: str) -> dict[str, str]:
    return {
        "DYNAMODB_TABLE": table or f"listeners-{uuid.uuid4().hex[:12]}",
        "DYNAMODB_ENDPOINT": endpoint,
        "DYNAMODB_CREATE_TABLE": "1",
        "USER_ID_HASH_KEY": HASH_KEY,
        "AWS_REGION": "us-east-1",
        **extra,
    }


def store_from(env: dict[str, str]) -> ListenerStore:
    """A store exactly as the skill would configure it from these variables."""
    store = persistence.adapter_from_environment(env)
    assert isinstance(store, ListenerStore)
    return store


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.java)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ListenerStore:
    if request.param == "sqlite":
        sqlite = store_from(
            {"SQLITE_PATH": str(tmp_path / "listeners.sqlite3"), "USER_ID_HASH_KEY": HASH_KEY}
        )
        assert isinstance(sqlite, SQLiteStore)
        return sqlite
    server: DynamoDBLocal = request.getfixturevalue("dynamodb_local")
    dynamo = store_from(dynamodb_env(server.endpoint))
    assert isinstance(dynamo, DynamoDBStore)
    return dynamo


class Skill:
    """The real skill on one store, answering envelopes as lambda_handler would."""

    def __init__(self, adapter: ListenerStore) -> None:
        self.store = CountingStore(adapter)
        self.skill = build_skill(self.store)

    def __call__(self, session: Session, event: dict[str, Any]) -> dict[str, Any]:
        envelope = self.skill.serializer.deserialize(
            payload=json.dumps(event), obj_type=RequestEnvelope
        )
        response = self.skill.serializer.serialize(
            self.skill.invoke(request_envelope=envelope, context=None)
        )
        assert isinstance(response, dict)
        assert_valid_response(response)
        session.update(response)
        return response

    def timed(self, session: Session, event: dict[str, Any]) -> dict[str, Any]:
        started = time.monotonic()
        response = self(session, event)
        elapsed = time.monotonic() - started
        assert elapsed < TURN_LIMIT_SECONDS, f"turn took {elapsed:.2f}s"
        return response


YES = "AMAZON.YesIntent"


def tour_to_circulation(skill: Skill, listener: Listener) -> Session:
    """First visit: open, start the tour, hear three benefits (up to circulation), stop."""
    session = Session(listener)
    assert "Welcome to Back Massage Guide" in speech_text(skill(session, session.launch()))
    assert (
        "muscle relaxation"
        in speech_text(skill(session, session.intent("StartTourIntent"))).lower()
    )
    assert "pain relief" in speech_text(skill(session, session.intent(YES))).lower()
    assert "circulation" in speech_text(skill(session, session.intent(YES))).lower()
    skill(session, session.intent("AMAZON.StopIntent"))
    return session


def hashed(user_id: str) -> str:
    return hmac.new(HASH_KEY.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def raw_records(store: ListenerStore, dynamodb: DynamoDBLocal | None) -> list[dict[str, Any]]:
    """Everything the store holds, read around the skill: a table scan or the SQLite rows."""
    if isinstance(store, SQLiteStore):
        with sqlite3.connect(store.path) as db:
            rows = db.execute("SELECT id, expires_at, written_at, fields FROM listeners").fetchall()
        names = ("id", "expires_at", "written_at")
        return [{**dict(zip(names, r[:3], strict=True)), **json.loads(r[3])} for r in rows]
    assert isinstance(store, DynamoDBStore) and dynamodb is not None
    items = dynamodb.client().scan(TableName=store.table)["Items"]
    return [{name: next(iter(typed.values())) for name, typed in item.items()} for item in items]


def server_for(store: ListenerStore, request: pytest.FixtureRequest) -> DynamoDBLocal | None:
    return request.getfixturevalue("dynamodb_local") if isinstance(store, DynamoDBStore) else None


# --- behaviour, on both stores -------------------------------------------------------------


def test_a_listener_who_stops_mid_tour_is_offered_the_next_benefit(store: ListenerStore) -> None:
    skill = Skill(store)
    listener = Listener()
    tour_to_circulation(skill, listener)
    assert skill.store.calls() == (1, 4, 0)  # one read; visit, then three tour steps

    again = Session(listener)
    welcome = speech_text(skill(again, again.launch()))
    assert welcome in variants_of(
        "welcome_resume", benefit="better circulation", next="more flexibility"
    )
    assert "more flexibility" in speech_text(skill(again, again.intent(YES))).lower()
    assert skill.store.calls() == (2, 6, 0)


def test_someone_else_is_a_new_listener(store: ListenerStore) -> None:
    skill = Skill(store)
    tour_to_circulation(skill, Listener())
    stranger = Session(Listener())
    assert "Welcome to Back Massage Guide" in speech_text(skill(stranger, stranger.launch()))


def test_returning_listener_without_a_tour_gets_the_short_welcome(store: ListenerStore) -> None:
    skill = Skill(store)
    listener = Listener()
    first = Session(listener)
    skill(first, first.launch())
    skill(first, first.intent("AMAZON.StopIntent"))
    second = Session(listener)
    assert speech_text(skill(second, second.launch())) in variants_of("welcome_returning")
    assert second.attributes[STATE_KEY]["visits"] == 2


def test_preferences_are_remembered(store: ListenerStore) -> None:
    skill = Skill(store)
    listener = Listener()
    first = Session(listener)
    skill(first, first.launch())
    skill(first, first.intent("AnswerLengthIntent", {"length": Slot("in detail", "detailed")}))
    skill(first, first.intent("SpeechPaceIntent", {"pace": Slot("slower", "slow")}))

    second = Session(listener)
    response = skill(second, second.launch())
    assert "<prosody" in response["response"]["outputSpeech"]["ssml"]
    conversation = second.attributes[STATE_KEY]
    assert (conversation["length"], conversation["pace"]) == ("detailed", "slow")


def test_one_read_per_session_and_writes_only_when_something_changed(
    store: ListenerStore,
) -> None:
    skill = Skill(store)
    session = Session(Listener())
    skill(session, session.launch())
    for intent in ("AMAZON.HelpIntent", "AMAZON.RepeatIntent", "WhyMassageHelpsIntent"):
        skill(session, session.intent(intent))
    skill(session, session.session_ended())
    assert skill.store.calls() == (1, 1, 0)  # the visit is the only change
    skill(session, session.intent("BenefitIntent", {"benefit": Slot("posture", "posture")}))
    assert skill.store.calls() == (1, 2, 0)


def test_a_one_shot_request_without_launch_loads_once_too(store: ListenerStore) -> None:
    skill = Skill(store)
    listener = Listener()
    tour_to_circulation(skill, listener)
    session = Session(listener)
    skill(session, session.intent("TellMeMoreIntent"))
    assert session.attributes[STATE_KEY]["benefit"] == "circulation"
    assert session.attributes[STATE_KEY]["visits"] == 2
    assert skill.store.gets == 2


def test_forget_me_deletes_everything_and_nothing_is_saved_again(
    store: ListenerStore, request: pytest.FixtureRequest
) -> None:
    dynamodb = server_for(store, request)
    skill = Skill(store)
    listener = Listener()
    tour_to_circulation(skill, listener)
    session = Session(listener)
    skill(session, session.launch())
    skill(session, session.intent("ForgetMeIntent"))
    assert len(raw_records(store, dynamodb)) == 1, "asking is not yet forgetting"
    saves = skill.store.saves
    done = speech_text(skill(session, session.intent(YES)))
    assert "Done. I've forgotten your progress and preferences." in done
    assert raw_records(store, dynamodb) == []
    assert skill.store.deletes == 1
    # The reset state differs from what was stored, yet nothing is written back...
    assert skill.store.saves == saves
    # ...nor later in that session, whatever the listener changes.
    skill(session, session.intent("SpeechPaceIntent", {"pace": Slot("slower", "slow")}))
    skill(session, session.intent("StartTourIntent"))
    assert raw_records(store, dynamodb) == []

    fresh = Session(listener)
    assert "Welcome to Back Massage Guide" in speech_text(skill(fresh, fresh.launch()))


def test_declining_to_forget_keeps_the_record(
    store: ListenerStore, request: pytest.FixtureRequest
) -> None:
    skill = Skill(store)
    listener = Listener()
    tour_to_circulation(skill, listener)
    session = Session(listener)
    skill(session, session.launch())
    skill(session, session.intent("ForgetMeIntent"))
    skill(session, session.intent("AMAZON.NoIntent"))
    assert skill.store.deletes == 0
    assert raw_records(store, server_for(store, request))[0]["tour"] in (2, "2")


def test_skill_disabled_deletes_the_record_and_answers_nothing(
    store: ListenerStore, request: pytest.FixtureRequest
) -> None:
    dynamodb = server_for(store, request)
    skill = Skill(store)
    listener, other = Listener(), Listener()
    tour_to_circulation(skill, listener)
    tour_to_circulation(skill, other)
    assert len(raw_records(store, dynamodb)) == 2
    response = skill(Session(listener), skill_disabled_event(listener))
    assert response["response"] == {}
    assert "sessionAttributes" not in response
    remaining = raw_records(store, dynamodb)
    assert [r["id"] for r in remaining] == [hashed(other.user_id)]
    # Disabling again, with nothing stored, is just as quiet.
    assert skill(Session(listener), skill_disabled_event(listener))["response"] == {}


def test_a_replayed_skill_disabled_event_deletes_nothing_written_after_it(
    store: ListenerStore, request: pytest.FixtureRequest
) -> None:
    """The review's replay: a signed SkillDisabled is valid for an hour, and the listener
    who disabled the skill may have enabled it again and been remembered since."""
    dynamodb = server_for(store, request)
    skill = Skill(store)
    listener = Listener()
    disabled_at = datetime.now(UTC) - timedelta(minutes=10)
    tour_to_circulation(skill, listener)  # remembered after the event was created
    replayed = skill(Session(listener), skill_disabled_event(listener, created=disabled_at))
    assert replayed["response"] == {}
    assert [r["id"] for r in raw_records(store, dynamodb)] == [hashed(listener.user_id)]
    # The event itself, newer than the record, still deletes it.
    skill(Session(listener), skill_disabled_event(listener))
    assert raw_records(store, dynamodb) == []


def test_records_hold_only_the_keyed_hash_the_remembered_fields_and_an_expiry(
    store: ListenerStore, request: pytest.FixtureRequest
) -> None:
    dynamodb = server_for(store, request)
    skill = Skill(store)
    listener = Listener()
    tour_to_circulation(skill, listener)
    (record,) = raw_records(store, dynamodb)
    assert record["id"] == hashed(listener.user_id)
    assert set(record) == {
        "id", "expires_at", "written_at", "benefit", "tour", "length", "pace", "visits"
    }  # fmt: skip
    assert time.time() - 120 < int(record["written_at"]) <= time.time()
    expires_in = int(record["expires_at"]) - time.time()
    assert 180 * DAY - 120 < expires_in <= 180 * DAY + 5
    everything = json.dumps(raw_records(store, dynamodb))
    assert listener.user_id not in everything
    assert listener.user_id.split(".")[-1] not in everything
    if isinstance(store, SQLiteStore):
        for path in store.path.parent.iterdir():
            assert listener.user_id.encode() not in path.read_bytes()


@pytest.mark.java
def test_memory_ttl_days_sets_the_expiry(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    for store in (
        store_from(
            {
                "SQLITE_PATH": str(tmp_path / "week.sqlite3"),
                "USER_ID_HASH_KEY": HASH_KEY,
                "MEMORY_TTL_DAYS": "7",
            }
        ),
        store_from(
            dynamodb_env(request.getfixturevalue("dynamodb_local").endpoint, MEMORY_TTL_DAYS="7")
        ),
    ):
        skill = Skill(store)
        session = Session()
        skill(session, session.launch())
        (record,) = raw_records(store, server_for(store, request))
        assert 7 * DAY - 120 < int(record["expires_at"]) - time.time() <= 7 * DAY + 5


def test_an_expired_record_is_not_remembered(store: ListenerStore) -> None:
    skill = Skill(store)
    listener = Listener()
    tour_to_circulation(skill, listener)
    key = hashed(listener.user_id)
    store._put(key, {"tour": 2, "visits": 5}, int(time.time()) - 1)
    session = Session(listener)
    assert "Welcome to Back Massage Guide" in speech_text(skill(session, session.launch()))


def test_a_save_that_fails_is_retried_on_the_next_turn(store: ListenerStore) -> None:
    skill = Skill(store)
    listener = Listener()
    session = Session(listener)
    skill(session, session.launch())
    real_put = store._put
    failing = {"on": True}

    def flaky_put(key: str, fields: dict[str, Any], expires_at: int) -> None:
        if failing["on"]:
            raise persistence_error()
        real_put(key, fields, expires_at)

    store._put = flaky_put  # type: ignore[method-assign]
    skill(session, session.intent("StartTourIntent"))
    failing["on"] = False
    skill(session, session.intent("AMAZON.HelpIntent"))  # nothing new, but the save is owed
    store._put = real_put  # type: ignore[method-assign]
    assert store.get_attributes(envelope_for(listener))["tour"] == 0


def persistence_error() -> Exception:
    from massage_guide.stores.base import StorageError

    return StorageError("test fault")


def envelope_for(listener: Listener) -> RequestEnvelope:
    skill = build_skill(None)
    event = Session(listener).launch()
    envelope = skill.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
    assert isinstance(envelope, RequestEnvelope)
    return envelope


def test_no_log_line_names_the_listener(
    store: ListenerStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    skill = Skill(store)
    listener = Listener()
    tour_to_circulation(skill, listener)
    session = Session(listener)
    skill(session, session.launch())
    skill(session, session.intent("ForgetMeIntent"))
    skill(session, session.intent(YES))
    skill(Session(listener), skill_disabled_event(listener))
    assert caplog.records, "expected some logging to inspect"
    for record in caplog.records:
        line = record.getMessage()
        assert listener.user_id not in line
        assert hashed(listener.user_id) not in line


# --- DynamoDB faults -------------------------------------------------------------------------


def faulty_store(endpoint: str, *, transport: str = "auto", **extra: str) -> DynamoDBStore:
    env = dynamodb_env(endpoint, **extra)
    env["DYNAMODB_CREATE_TABLE"] = "0"
    store = store_from(env)
    assert isinstance(store, DynamoDBStore)
    store.transport = transport
    # Build the client now: the timed turns measure the network bounds, not the import.
    assert store.client is not None
    return store


def assert_answers_without_memory(skill: Skill, listener: Listener) -> Session:
    session = Session(listener)
    assert "Welcome to Back Massage Guide" in speech_text(skill.timed(session, session.launch()))
    turns: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("tour", lambda: session.intent("StartTourIntent")),
        ("muscle", lambda: session.intent(YES)),  # an answer, not the error apology
        ("brief", lambda: session.intent("AnswerLengthIntent", {"length": Slot("short", "brief")})),
        ("forget", lambda: session.intent("ForgetMeIntent")),
        ("forgotten", lambda: session.intent(YES)),
    ]
    expected = {
        "tour": "benefit 1 of 7",
        "muscle": "benefit 2 of 7",
        "brief": "keep",
        "forget": "forget",
        "forgotten": "forgotten",
    }
    for name, event in turns:
        said = speech_text(skill.timed(session, event())).lower()
        assert "sorry" not in said and expected[name] in said, (name, said)
    assert skill.timed(session, session.session_ended())["response"] == {}
    disabled = skill.timed(Session(listener), skill_disabled_event(listener))
    assert disabled["response"] == {}
    return session


def test_a_closed_port_costs_nothing_but_memory(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="massage_guide")
    skill = Skill(faulty_store(f"http://127.0.0.1:{free_port()}"))
    listener = Listener()
    assert_answers_without_memory(skill, listener)
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("massage_guide")]
    assert warnings and all("listener memory unavailable" in w for w in warnings)
    assert all(listener.user_id not in w and hashed(listener.user_id) not in w for w in warnings)
    # The failed read turned memory off for the session: no read on every turn.
    assert skill.store.gets == 1


def test_an_endpoint_that_never_answers_still_leaves_every_turn_answered_in_time(
    silent_endpoint: str,
) -> None:
    skill = Skill(faulty_store(silent_endpoint))
    assert_answers_without_memory(skill, Listener())


@pytest.mark.parametrize("fault", ["trickling", "oversized"])
def test_a_trickling_or_flooding_dynamodb_leaves_every_turn_answered_in_time(fault: str) -> None:
    """One byte every half second, or 300 MB: each call ends at its deadline or its cap."""
    from tests.test_dynamodb_http import flooding, trickling

    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
    serve: Callable[[socket.socket], None] = (
        (lambda c: trickling(c, head=head))
        if fault == "trickling"
        else (lambda c: flooding(c, length_header=False))
    )
    with tcp_server(serve) as port:
        skill = Skill(faulty_store(f"http://127.0.0.1:{port}"))
        assert_answers_without_memory(skill, Listener())


class MutableProxy:
    """A loopback TCP relay to a real server that can go silent: it keeps every
    connection open but stops passing bytes, as a hung network path would."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.muted = threading.Event()
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.1)
        self.endpoint = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.sockets: list[socket.socket] = [self.server]
        self.closing = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            if not self.muted.is_set():
                sink.sendall(data)

    def close(self) -> None:
        self.closing.set()
        for sock in self.sockets:
            sock.close()


@pytest.mark.java
def test_writes_to_a_dynamodb_that_goes_silent_are_bounded_too(
    dynamodb_local: DynamoDBLocal,
) -> None:
    proxy = MutableProxy(dynamodb_local.port)
    try:
        skill = Skill(store_from(dynamodb_env(proxy.endpoint)))
        session = Session(Listener())
        skill.timed(session, session.launch())
        proxy.muted.set()
        for intent in ("StartTourIntent", YES):
            assert "Sorry" not in speech_text(skill.timed(session, session.intent(intent)))
        assert session.attributes[STATE_KEY]["tour"] == 1
        assert skill.store.saves == 3
    finally:
        proxy.close()


@pytest.mark.java
def test_dynamodb_dying_mid_session_does_not_silence_the_skill(
    doomed_dynamodb: DynamoDBLocal,
) -> None:
    store = faulty_store(doomed_dynamodb.endpoint)
    store.create_table = True
    store._table_ready = False
    skill = Skill(store)
    listener = Listener()
    session = Session(listener)
    skill.timed(session, session.launch())
    skill.timed(session, session.intent("StartTourIntent"))
    saves = skill.store.saves
    doomed_dynamodb.kill()
    for expected in ("pain relief", "circulation", "flexibility"):
        assert expected in speech_text(skill.timed(session, session.intent(YES))).lower()
    assert session.attributes[STATE_KEY]["tour"] == 3  # the session itself keeps its place
    assert skill.store.saves == saves + 3  # each turn tried once, owed, tried again
    skill.timed(session, session.session_ended())
    fresh = Session(listener)
    assert "Welcome to Back Massage Guide" in speech_text(skill.timed(fresh, fresh.launch()))


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "AccessDeniedException"]
)
def test_throttling_and_access_denied_leave_the_skill_answering(
    code: str, caplog: pytest.LogCaptureFixture
) -> None:
    from botocore.stub import ANY, Stubber

    caplog.set_level(logging.WARNING, logger="massage_guide")
    # botocore's Stubber fakes the errors, so this store uses the botocore transport.
    store = faulty_store(f"http://127.0.0.1:{free_port()}", transport="botocore")
    skill = Skill(store)
    listener = Listener()
    key = {"id": {"S": hashed(listener.user_id)}}
    with Stubber(store.client) as stub:
        # A refused read: this session answers without memory, and never writes over the record.
        stub.add_client_error("get_item", code, expected_params=None)
        session = Session(listener)
        assert "Welcome to Back Massage Guide" in speech_text(skill(session, session.launch()))
        skill(session, session.intent("StartTourIntent"))
        stub.assert_no_pending_responses()

        # A good read, a refused write, and the write owed to the next turn.
        stub.add_response(
            "get_item",
            {
                "Item": {
                    **key,
                    "expires_at": {"N": str(int(time.time()) + DAY)},
                    "tour": {"N": "1"},
                    "visits": {"N": "3"},
                }
            },
            {"TableName": store.table, "Key": key, "ConsistentRead": True},
        )
        stub.add_client_error("put_item", code)
        stub.add_response("put_item", {}, {"TableName": store.table, "Item": ANY})
        session = Session(listener)
        welcome = speech_text(skill(session, session.launch()))
        assert says(welcome, "welcome_resume", benefit="pain relief", next="better circulation")
        skill(session, session.intent("AMAZON.HelpIntent"))
        stub.assert_no_pending_responses()

        # Forget me, refused: answered, then the delete is retried on the next turn.
        stub.add_client_error("delete_item", code)
        stub.add_response("delete_item", {}, {"TableName": store.table, "Key": key})
        skill(session, session.intent("ForgetMeIntent"))
        skill(session, session.intent(YES))
        assert session.attributes[MARKER_KEY].get("owed_delete") is True
        skill(session, session.intent("AMAZON.HelpIntent"))
        stub.assert_no_pending_responses()
        assert "owed_delete" not in session.attributes[MARKER_KEY]
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("massage_guide")]
    assert sum(code in w for w in warnings) == 3, warnings


@pytest.mark.parametrize("transport", ["auto", "botocore"])
@pytest.mark.java
def test_dynamodb_calls_are_only_get_put_delete_and_one_get_per_session(
    dynamodb_local: DynamoDBLocal, transport: str
) -> None:
    store = store_from(dynamodb_env(dynamodb_local.endpoint))
    assert isinstance(store, DynamoDBStore)
    store.transport = transport
    skill = Skill(store)
    listener = Listener()
    session = Session(listener)
    skill(session, session.launch())  # creates the table on first use (local only)
    seen: list[str] = []
    client = store.client
    if transport == "botocore":
        client.meta.events.register(
            "before-call.dynamodb.*", lambda model, **_: seen.append(model.name)
        )
    else:
        assert isinstance(client, DynamoDBHttpClient)
        send = client._call

        def recording(operation: str, params: dict[str, Any]) -> Any:
            seen.append(operation)
            return send(operation, params)

        client._call = recording  # type: ignore[method-assign]
    skill(session, session.intent("StartTourIntent"))
    skill(session, session.intent("AMAZON.HelpIntent"))
    skill(session, session.intent("AMAZON.StopIntent"))
    again = Session(listener)
    skill(again, again.launch())
    skill(again, again.intent("ForgetMeIntent"))
    skill(again, again.intent(YES))
    assert seen == ["PutItem", "GetItem", "PutItem", "DeleteItem"]


def test_a_warning_sign_is_never_stored_or_logged(
    store: ListenerStore, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    """Health details are not the skill's to keep: not in the record, the file, nor the log."""
    caplog.set_level(logging.DEBUG)
    skill = Skill(store)
    session = Session(Listener())
    skill(session, session.launch())
    skill(session, session.intent("StartTourIntent"))  # progress worth remembering
    signs = {
        "pregnancy": "pregnant",
        "leg_numbness": "numbness in my legs",
        "blood_thinners": "warfarin",
    }
    for sign_id, said in signs.items():
        slot = Slot(said, sign_id, said)
        heard = speech_text(skill(session, session.intent("WarningSignIntent", {"sign": slot})))
        assert "doctor" in heard or "emergency" in heard
    # After a warning sign "next" leads nowhere near a benefit; the tour is asked for again.
    skill(session, session.intent("StartTourIntent"))
    skill(session, session.intent("AMAZON.NextIntent"))  # the tour goes on, and is saved again
    skill(session, session.session_ended())
    records = raw_records(store, server_for(store, request))
    assert len(records) == 1 and int(records[0]["tour"]) == 1
    dumped = json.dumps(records).lower()
    stored_bytes = b""
    if isinstance(store, SQLiteStore):
        for path in store.path.parent.glob(store.path.name + "*"):  # the database, WAL and SHM
            stored_bytes += path.read_bytes().lower()
    logged = caplog.text.lower()
    for sign_id, said in signs.items():
        for secret in (sign_id, said):
            assert secret not in dumped and secret not in logged, secret
            assert secret.encode() not in stored_bytes, secret


def test_the_sqlite_file_and_its_wal_and_shm_are_private_to_the_service_user(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "memory"
    path = folder / "listeners.sqlite3"
    previous = os.umask(0)  # the harshest umask: whatever is private is so by choice
    try:
        store = SQLiteStore(path, b"k")
        store.save_attributes(envelope_for(Listener()), {"tour": 2})
        # WAL and shared memory exist while a connection is open, as in a running service.
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        modes = {file.name: stat.S_IMODE(file.stat().st_mode) for file in files}
    finally:
        os.umask(previous)
    assert modes == dict.fromkeys(modes, 0o600)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_an_existing_sqlite_file_readable_by_others_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "listeners.sqlite3"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    store = SQLiteStore(path, b"k")
    store.save_attributes(envelope_for(Listener()), {"tour": 2})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.with_name(path.name + "-wal").stat().st_mode) == 0o600


def test_an_sqlite_file_from_before_written_at_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE listeners (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL,"
            " fields TEXT NOT NULL)"
        )
        db.execute("INSERT INTO listeners VALUES ('old', ?, '{\"tour\": 2}')", (2_000_000_000,))
    path.chmod(0o600)
    store = SQLiteStore(path, HASH_KEY.encode())
    store._delete("old", not_written_after=int(time.time()) - 3600)  # unknown age: deleted
    store._put("new", {"tour": 3}, 2_000_000_000)
    store._delete("new", not_written_after=int(time.time()) - 3600)  # written since: kept
    assert store._get("old") is None
    assert store._get("new") == ({"tour": 3}, 2_000_000_000)


def test_an_sqlite_file_deleted_while_serving_comes_back_private_and_working(
    tmp_path: Path,
) -> None:
    """The review's case: deleted under a running service, the file came back 0644 and
    every later call failed until a restart."""
    path = tmp_path / "listeners.sqlite3"
    previous = os.umask(0o022)  # a common umask: anything SQLite made itself would be 0644
    try:
        store = SQLiteStore(path, b"k")
        first, second = Listener(), Listener()
        store.save_attributes(envelope_for(first), {"tour": 2})
        for name in (path.name, path.name + "-wal", path.name + "-shm"):
            (tmp_path / name).unlink(missing_ok=True)
        outcomes: list[object] = []

        def other_thread() -> None:  # a thread with no connection yet, as a new worker thread
            try:
                store.save_attributes(envelope_for(second), {"tour": 4})
                outcomes.append(store.get_attributes(envelope_for(second)))
            except Exception as error:
                outcomes.append(error)

        store.save_attributes(envelope_for(first), {"tour": 3})  # this thread's old connection
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(10)
        assert store.get_attributes(envelope_for(first)) == {"tour": 3}
        assert outcomes == [{"tour": 4}]
        modes = {
            file.name: stat.S_IMODE(file.stat().st_mode)
            for file in tmp_path.iterdir()
            if file.name.startswith(path.name)
        }
    finally:
        os.umask(previous)
    assert path.name in modes and modes == dict.fromkeys(modes, 0o600)
