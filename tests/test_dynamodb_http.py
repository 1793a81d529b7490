"""The standard-library DynamoDB client: botocore's exact signature, real calls, bounded retries."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import tracemalloc
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from massage_guide.stores.dynamodb_http import (
    MAX_IDLE_CONNECTIONS,
    MAX_RESPONSE_BYTES,
    Credentials,
    DynamoDBError,
    DynamoDBHttpClient,
    environment_credentials,
    public_endpoint,
    sign,
)
from skill_tools.dynamodb_local import DynamoDBLocal
from skill_tools.loopback import tcp_server

MOMENT = time.strptime("2024-03-05T06:07:08", "%Y-%m-%dT%H:%M:%S")


def botocore_headers(
    monkeypatch: pytest.MonkeyPatch,
    credentials: Credentials,
    *,
    region: str,
    host: str,
    target: str,
    body: bytes,
) -> dict[str, str]:
    """What botocore's own SigV4 signer produces for the same request at the same moment."""
    import datetime

    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    fixed = datetime.datetime(*MOMENT[:6])
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_a, **_k: fixed)
    request = AWSRequest(
        method="POST",
        url=f"https://{host}/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target},
    )
    signer = botocore.auth.SigV4Auth(
        BotoCredentials(credentials.access_key, credentials.secret_key, credentials.token),
        "dynamodb",
        region,
    )
    signer.add_auth(request)
    return dict(request.headers)


@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzE" + "x" * 300])
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "cn-north-1"])
def test_signature_is_the_one_botocore_computes(
    monkeypatch: pytest.MonkeyPatch, token: str | None, region: str
) -> None:
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    body = json.dumps({"TableName": "t", "Key": {"id": {"S": "é k"}}}).encode()
    host = f"dynamodb.{region}.amazonaws.com"
    ours = sign(credentials, region, host, "DynamoDB_20120810.GetItem", body, now=MOMENT)
    theirs = botocore_headers(
        monkeypatch,
        credentials,
        region=region,
        host=host,
        target="DynamoDB_20120810.GetItem",
        body=body,
    )
    assert ours["Authorization"] == theirs["Authorization"]
    assert ours["X-Amz-Date"] == theirs["X-Amz-Date"]
    assert ours.get("X-Amz-Security-Token") == theirs.get("X-Amz-Security-Token")


def test_credentials_and_endpoints_only_when_certain() -> None:
    assert environment_credentials({}) is None
    assert environment_credentials({"AWS_ACCESS_KEY_ID": "a"}) is None
    found = environment_credentials(
        {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}
    )
    assert found == Credentials("a", "s", "t")
    assert public_endpoint("us-east-1") == "https://dynamodb.us-east-1.amazonaws.com"
    assert public_endpoint("us-gov-west-1") == "https://dynamodb.us-gov-west-1.amazonaws.com"
    assert public_endpoint("cn-northwest-1") == "https://dynamodb.cn-northwest-1.amazonaws.com.cn"
    assert public_endpoint("us-iso-east-1") is None  # other partitions: botocore decides
    assert public_endpoint("not a region") is None


def client_for(endpoint: str, attempts: int = 2) -> DynamoDBHttpClient:
    return DynamoDBHttpClient(
        region="us-east-1",
        endpoint_url=endpoint,
        credentials=Credentials("local", "local"),
        connect_timeout=1.0,
        read_timeout=2.0,
        total_attempts=attempts,
    )


@pytest.mark.java
def test_real_calls_against_dynamodb_local(dynamodb_local: DynamoDBLocal) -> None:
    client = client_for(dynamodb_local.endpoint)
    table = f"http-{uuid.uuid4().hex[:10]}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert client.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    item = {"id": {"S": "k1"}, "tour": {"N": "3"}, "pace": {"S": "slow ünïcode"}}
    assert client.put_item(TableName=table, Item=item) == {}
    got = client.get_item(TableName=table, Key={"id": {"S": "k1"}}, ConsistentRead=True)
    assert got["Item"] == item
    # What botocore sees in the same table is what this client wrote.
    assert (
        dynamodb_local.client().get_item(TableName=table, Key={"id": {"S": "k1"}})["Item"] == item
    )
    client.delete_item(TableName=table, Key={"id": {"S": "k1"}})
    assert "Item" not in client.get_item(TableName=table, Key={"id": {"S": "k1"}})
    with pytest.raises(DynamoDBError) as refused:
        client.get_item(TableName="no-such-table", Key={"id": {"S": "k1"}})
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert not refused.value.retryable


class Scripted(BaseHTTPRequestHandler):
    """Answers from a script of (status, body, crc_override) and records each target."""

    script: ClassVar[list[tuple[int, dict[str, Any], str | None]]] = []
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append(self.headers["X-Amz-Target"])
        assert self.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=local/")
        status, body, crc = type(self).script.pop(0)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amz-crc32", crc or str(zlib.crc32(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args: Any) -> None:
        return


def _serve(handler: type[Scripted]) -> Iterator[str]:
    """A fresh script, and ``handler`` serving it on a free loopback port until closed."""
    Scripted.script, Scripted.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def scripted() -> Iterator[str]:
    yield from _serve(Scripted)


THROTTLED = {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"}
INVALID = {"__type": "com.amazon.coral.validate#ValidationException", "message": "no"}


def test_throttling_is_retried_once_then_succeeds(scripted: str) -> None:
    Scripted.script = [(400, THROTTLED, None), (200, {"Item": {"id": {"S": "k"}}}, None)]
    got = client_for(scripted).get_item(TableName="t", Key={"id": {"S": "k"}})
    assert got == {"Item": {"id": {"S": "k"}}}
    assert Scripted.seen == ["DynamoDB_20120810.GetItem"] * 2


def test_attempts_are_bounded(scripted: str) -> None:
    Scripted.script = [(500, {"__type": "InternalServerError"}, None)] * 2
    with pytest.raises(DynamoDBError) as failed:
        client_for(scripted).put_item(TableName="t", Item={})
    assert failed.value.response["Error"]["Code"] == "InternalServerError"
    assert len(Scripted.seen) == 2


def test_a_refusal_is_not_retried(scripted: str) -> None:
    Scripted.script = [(400, INVALID, None)]
    with pytest.raises(DynamoDBError) as refused:
        client_for(scripted).delete_item(TableName="t", Key={})
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert len(Scripted.seen) == 1


def test_a_corrupted_response_is_caught_by_its_crc(scripted: str) -> None:
    Scripted.script = [(200, {"Item": {}}, "12345"), (200, {"Item": {}}, "12345")]
    with pytest.raises(DynamoDBError) as corrupted:
        client_for(scripted).get_item(TableName="t", Key={})
    assert corrupted.value.response["Error"]["Code"] == "CRC32Mismatch"
    assert len(Scripted.seen) == 2


def test_a_closed_port_fails_fast() -> None:
    from skill_tools.loopback import free_port

    started = time.monotonic()
    with pytest.raises(OSError):
        client_for(f"http://127.0.0.1:{free_port()}").get_item(TableName="t", Key={})
    assert time.monotonic() - started < 2.0


class ClosesIdleConnections(Scripted):
    """Like Scripted, but keeps connections alive and closes one left idle for 0.2 s,
    as DynamoDB and every load balancer in front of it do (after longer)."""

    protocol_version = "HTTP/1.1"
    timeout = 0.2

    def log_error(self, *_args: Any) -> None:
        return


@pytest.fixture
def closes_idle() -> Iterator[str]:
    yield from _serve(ClosesIdleConnections)


def test_a_stale_kept_alive_connection_does_not_use_up_the_retry(closes_idle: str) -> None:
    """The server closed the idle connection; then the call is throttled once. The
    reconnect is free, so the one retry is still there for the throttling."""
    Scripted.script = [
        (200, {}, None),
        (400, THROTTLED, None),
        (200, {"Item": {"id": {"S": "k"}}}, None),
    ]
    client = client_for(closes_idle)
    assert client.put_item(TableName="t", Item={}) == {}
    time.sleep(0.6)  # the server has closed the kept-alive connection by now
    got = client.get_item(TableName="t", Key={"id": {"S": "k"}})
    assert got == {"Item": {"id": {"S": "k"}}}
    assert Scripted.seen == [
        "DynamoDB_20120810.PutItem",
        "DynamoDB_20120810.GetItem",
        "DynamoDB_20120810.GetItem",
    ]


def test_a_fresh_connection_that_is_dropped_is_an_attempt() -> None:
    """Only a reused connection gets the free reconnect: a server that drops every new
    connection unanswered still costs exactly the two attempts, no more."""
    accepted: list[int] = []

    def drop(connection: socket.socket) -> None:
        accepted.append(1)
        with connection:
            connection.recv(65536)

    with tcp_server(drop) as port, pytest.raises(OSError):
        client_for(f"http://127.0.0.1:{port}").get_item(TableName="t", Key={})
    assert len(accepted) == 2


# --- endpoints that answer too slowly, too much, or for too many at once -------------------


def trickling(connection: socket.socket, *, head: bytes, pause: float = 0.5) -> None:
    """Read a request, then send ``head`` and a body one byte every ``pause`` seconds (10 s)."""
    with connection:
        connection.settimeout(15)
        with suppress(OSError):
            connection.recv(65536)
            connection.sendall(head)
            for _ in range(int(10 / pause)):
                connection.sendall(b" ")
                time.sleep(pause)


def test_a_trickling_answer_is_cut_at_the_call_deadline() -> None:
    """The review's case: one byte every half second held a turn 57 s (each read was quick)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
    with tcp_server(lambda c: trickling(c, head=head)) as port:
        client = client_for(f"http://127.0.0.1:{port}")
        started = time.monotonic()
        with pytest.raises(OSError):
            client.get_item(TableName="t", Key={})
        elapsed = time.monotonic() - started
    assert elapsed < client.deadline + 0.3, elapsed


def test_trickling_headers_are_cut_at_the_call_deadline_too() -> None:
    with tcp_server(lambda c: trickling(c, head=b"HTTP/1.1 200 OK\r\nX-Slow: ")) as port:
        client = client_for(f"http://127.0.0.1:{port}")
        started = time.monotonic()
        with pytest.raises((OSError, http.client.HTTPException)):
            client.get_item(TableName="t", Key={})
    assert time.monotonic() - started < client.deadline + 0.3


def flooding(connection: socket.socket, *, length_header: bool) -> None:
    """Read a request, then answer 200 with up to 300 MB of zeros (as fast as it is taken)."""
    size = 300 * 1024 * 1024
    head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
    head += f"Content-Length: {size}\r\n\r\n" if length_header else "Connection: close\r\n\r\n"
    with connection, suppress(OSError):
        connection.settimeout(5)
        connection.recv(65536)
        connection.sendall(head.encode())
        block = b"0" * 65536
        for _ in range(size // len(block)):
            connection.sendall(block)


@pytest.mark.parametrize("length_header", [True, False], ids=["content-length", "until-close"])
def test_an_oversized_answer_is_refused_without_being_read(length_header: bool) -> None:
    """A 300 MB answer took the process to 637 MB; a Lambda has 512 MB."""
    with tcp_server(lambda c: flooding(c, length_header=length_header)) as port:
        client = client_for(f"http://127.0.0.1:{port}")
        tracemalloc.start()
        try:
            with pytest.raises(DynamoDBError) as refused:
                client.get_item(TableName="t", Key={})
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert refused.value.code == "ResponseTooLarge"
    assert not refused.value.retryable
    assert peak < 8 * MAX_RESPONSE_BYTES


class SlowAnswers(Scripted):
    """Every call takes 0.9 s, then succeeds: a DynamoDB having a slow moment."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        time.sleep(0.9)
        with self.lock:
            type(self).script.append((200, {}, None))
        super().do_POST()

    lock: ClassVar[threading.Lock] = threading.Lock()


def test_concurrent_calls_do_not_queue_behind_one_connection() -> None:
    """The review's case: 7 of 8 concurrent launches waited for one locked connection."""
    elapsed: list[float] = []
    with contextmanager(_serve)(SlowAnswers) as endpoint:
        client = client_for(endpoint)

        def call() -> None:
            started = time.monotonic()
            client.put_item(TableName="t", Item={})
            elapsed.append(time.monotonic() - started)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert len(elapsed) == 8
    assert max(elapsed) < 2.5, elapsed  # queued behind one connection: 7.2 s and more
    # ...and the connections are kept for the next calls, a few at most.
    assert 1 <= client.idle_connections() <= MAX_IDLE_CONNECTIONS
