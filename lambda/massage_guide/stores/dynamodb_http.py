"""A DynamoDB client small enough for a cold start: JSON over HTTPS, signed with SigV4 here.

The store needs three calls (GetItem, PutItem, DeleteItem), plus three more
for a local table. botocore does them well but costs a cold start far more
(importing it and loading its models and endpoint rules) than this module,
which needs only ``http.client``, ``hmac`` and ``hashlib`` from the standard
library; the measured figures are in docs/bench-coldstart.md.

It is used only when it can be exactly right: credentials in the environment
(as the Lambda runtime always sets them) or explicit local ones, and a region
whose endpoint follows the public pattern. Anything else keeps botocore.

Behaviour kept from the botocore client the store used: connect and read
timeouts, a bounded number of attempts with retries only for throttling,
5xx and connection failures, the CRC32 check DynamoDB sends with every
response, errors that carry ``response["Error"]["Code"]``, and a kept-alive
connection the server has since closed being replaced without counting as an
attempt (urllib3, under botocore, likewise replaces a pooled connection it
finds closed before using it).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import re
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from massage_guide.bounded_http import (
    DeadlineExceededError,
    ResponseTooLargeError,
    bound,
    read_capped,
    remaining,
)

SERVICE: Final = "dynamodb"
TARGET_PREFIX: Final = "DynamoDB_20120810."
CONTENT_TYPE: Final = "application/x-amz-json-1.0"
RETRYABLE_CODES: Final = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "CRC32Mismatch",
    }
)
CALL_DEADLINE_SECONDS: Final = 1.2
"""All of one call, both attempts included: a turn makes at most two calls (a read, a write)."""
MAX_RESPONSE_BYTES: Final = 256 * 1024
"""An item of this skill is well under 1 KiB; DynamoDB's own limit is 400 KB. More is refused."""
MAX_IDLE_CONNECTIONS: Final = 4
_PUBLIC_REGION: Final = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d{1,2}")
_CHINA_REGION: Final = re.compile(r"cn-[a-z]+-\d{1,2}")


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None


def environment_credentials(env: Mapping[str, str] | None = None) -> Credentials | None:
    """The credentials the Lambda runtime puts in the environment, if they are there."""
    env = os.environ if env is None else env
    access_key = env.get("AWS_ACCESS_KEY_ID", "").strip()
    secret_key = env.get("AWS_SECRET_ACCESS_KEY", "").strip()
    if not access_key or not secret_key:
        return None
    return Credentials(access_key, secret_key, env.get("AWS_SESSION_TOKEN", "").strip() or None)


def public_endpoint(region: str) -> str | None:
    """``https://dynamodb.<region>.amazonaws.com`` (``.com.cn`` in China); None when unsure."""
    if _CHINA_REGION.fullmatch(region):
        return f"https://dynamodb.{region}.amazonaws.com.cn"
    if _PUBLIC_REGION.fullmatch(region):
        return f"https://dynamodb.{region}.amazonaws.com"
    return None


class DynamoDBError(Exception):
    """A refused or failed call; ``response`` has the same shape as botocore's ClientError."""

    def __init__(self, code: str, status: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.response: dict[str, Any] = {
            "Error": {"Code": code},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE_CODES or (self.status is not None and self.status >= 500)


def sign(
    credentials: Credentials,
    region: str,
    host: str,
    target: str,
    body: bytes,
    *,
    now: time.struct_time | None = None,
) -> dict[str, str]:
    """The headers of a SigV4-signed DynamoDB POST to ``/`` (the signature covers all of them)."""
    moment = now or time.gmtime()
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", moment)
    day = amz_date[:8]
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Host": host,
        "X-Amz-Date": amz_date,
        "X-Amz-Target": target,
    }
    if credentials.token:
        headers["X-Amz-Security-Token"] = credentials.token
    canonical = sorted((name.lower(), " ".join(value.split())) for name, value in headers.items())
    signed_headers = ";".join(name for name, _ in canonical)
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            "".join(f"{name}:{value}\n" for name, value in canonical),
            signed_headers,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{SERVICE}/aws4_request"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ]
    )
    key = ("AWS4" + credentials.secret_key).encode("utf-8")
    for part in (day, region, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return headers


class DynamoDBHttpClient:
    """The six DynamoDB calls the store makes, each within one deadline, on kept-alive connections.

    Every call has a total ``deadline`` (seconds, both attempts together), whatever
    the endpoint does: trickling bytes, never answering, or answering more than
    :data:`MAX_RESPONSE_BYTES`. Concurrent calls (threads of a web service) each
    take a connection of their own; up to :data:`MAX_IDLE_CONNECTIONS` are kept.
    """

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str,
        credentials: Credentials,
        connect_timeout: float,
        read_timeout: float,
        total_attempts: int,
        deadline: float = CALL_DEADLINE_SECONDS,
    ) -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("endpoint must be an http(s) URL")
        self.region = region
        self.credentials = credentials
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_attempts = max(1, total_attempts)
        self.deadline = deadline
        self._https = parts.scheme == "https"
        self._hostname = parts.hostname
        self._port = parts.port
        default_port = 443 if self._https else 80
        self._host_header = parts.hostname
        if parts.port not in (None, default_port):
            self._host_header = f"{parts.hostname}:{parts.port}"
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()  # guards the idle list only; never held during a call

    # The operations the store uses, named and called as on botocore's client.
    def get_item(self, **params: Any) -> Any:
        return self._call("GetItem", params)

    def put_item(self, **params: Any) -> Any:
        return self._call("PutItem", params)

    def delete_item(self, **params: Any) -> Any:
        return self._call("DeleteItem", params)

    def create_table(self, **params: Any) -> Any:
        return self._call("CreateTable", params)

    def describe_table(self, **params: Any) -> Any:
        return self._call("DescribeTable", params)

    def update_time_to_live(self, **params: Any) -> Any:
        return self._call("UpdateTimeToLive", params)

    def idle_connections(self) -> int:
        """How many kept-alive connections wait for the next call."""
        with self._lock:
            return len(self._idle)

    def _call(self, operation: str, params: dict[str, Any]) -> Any:
        body = json.dumps(params, separators=(",", ":")).encode("utf-8")
        target = TARGET_PREFIX + operation
        deadline = time.monotonic() + self.deadline
        for attempt in range(1, self.total_attempts + 1):
            try:
                return self._send(target, body, deadline)
            except DynamoDBError as error:
                if not error.retryable or attempt == self.total_attempts:
                    raise
            except (OSError, http.client.HTTPException):
                if attempt == self.total_attempts:
                    raise
            pause = 0.02 * attempt  # a short pause before the one retry
            if time.monotonic() + pause >= deadline:
                raise DeadlineExceededError("DynamoDB call deadline passed")
            time.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _open(self, deadline: float) -> http.client.HTTPConnection:
        """A new connection, connected within what is left of the deadline."""
        timeout = min(self.connect_timeout, remaining(deadline))
        connection: http.client.HTTPConnection
        if self._https:
            import ssl  # noqa: PLC0415 - only for real AWS; a local endpoint is http

            connection = http.client.HTTPSConnection(
                self._hostname, self._port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(self._hostname, self._port, timeout=timeout)
        try:
            connection.connect()
        except BaseException:
            connection.close()
            raise
        return connection

    def _take(self, deadline: float) -> tuple[http.client.HTTPConnection, bool]:
        """An idle kept-alive connection (True) or a new one (False): a call never waits."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._open(deadline), False

    def _keep(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < MAX_IDLE_CONNECTIONS:
                self._idle.append(connection)
                return
        connection.close()

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        headers: dict[str, str],
        body: bytes,
        deadline: float,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """One POST and its whole response (at most MAX_RESPONSE_BYTES), within the deadline."""
        bound(connection, deadline, self.read_timeout)
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        try:
            return response, read_capped(response, MAX_RESPONSE_BYTES)
        except ResponseTooLargeError:
            raise DynamoDBError("ResponseTooLarge", response.status) from None

    def _send(self, target: str, body: bytes, deadline: float) -> Any:
        headers = sign(self.credentials, self.region, self._host_header, target, body)
        connection, reused = self._take(deadline)
        try:
            try:
                response, payload = self._exchange(connection, headers, body, deadline)
            except ConnectionError:
                if not reused:
                    raise
                # DynamoDB (and whatever is in front of it) closes connections left idle; the
                # first use after that fails at once. Reconnecting then is not a retry: it
                # must not use up the one attempt a throttled call needs. Every call here is
                # idempotent, so sending it again is safe.
                connection.close()
                connection = self._open(deadline)
                response, payload = self._exchange(connection, headers, body, deadline)
        except BaseException:
            connection.close()  # a half-used connection is never reused
            raise
        expected_crc = response.getheader("x-amz-crc32")
        if expected_crc is not None and str(zlib.crc32(payload)) != expected_crc.strip():
            connection.close()
            raise DynamoDBError("CRC32Mismatch", response.status)
        if response.getheader("Connection", "").lower() == "close" or response.will_close:
            connection.close()
        else:
            self._keep(connection)
        if response.status == 200:
            return json.loads(payload) if payload else {}
        raise DynamoDBError(_error_code(payload, response.status), response.status)


def _error_code(payload: bytes, status: int) -> str:
    """The short error name from DynamoDB's ``__type`` (``...#ResourceNotFoundException``)."""
    try:
        kind = json.loads(payload).get("__type", "")
    except (ValueError, AttributeError):
        kind = ""
    code = kind.rsplit("#", 1)[-1] if isinstance(kind, str) else ""
    return code or f"HTTP{status}"
