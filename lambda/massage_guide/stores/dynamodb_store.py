"""Listeners remembered in DynamoDB, through a client created on first use (small or botocore).

Why not ask-sdk-dynamodb-persistence-adapter and boto3: importing that adapter
imports boto3 and builds a boto3 resource in a default argument, at import
time, which costs every cold start before any request needs it (and fails
without a region; docs/bench-coldstart.md has the figures). This module imports
only the standard library, and the client is built by the first request that
actually reads or writes: the small standard-library one in ``dynamodb_http``
whenever credentials are in the environment, as on Lambda, or local; botocore
(far slower to import and load) otherwise, or when ``transport="botocore"``. The
item is tiny and its shape fixed, so DynamoDB's typed JSON is written here by
hand and no boto3 serializer is needed.

Every call is bounded: on the small client by a total deadline of 1.2 s
(both attempts, connect, send and every byte of the answer together) and a
256 KiB cap on the answer; on botocore by its connect and read timeouts of a
second and two attempts. A turn makes at most two calls, and none after one
has failed, so a slow, trickling or unreachable DynamoDB costs a turn under
three seconds, well inside Alexa's eight. Errors come out as
:class:`StorageError` carrying only the error code, never a key or message.

Only GetItem, PutItem and DeleteItem are used at run time, the three actions
the function's IAM policy allows. CreateTable and UpdateTimeToLive are used
only when ``create_table`` is set, for a local DynamoDB.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Final

from massage_guide.stores.base import DEFAULT_TTL_DAYS, ListenerStore, StorageError

KEY_ATTRIBUTE: Final = "id"
EXPIRY_ATTRIBUTE: Final = "expires_at"
WRITTEN_ATTRIBUTE: Final = "written_at"
"""When the record was last written (N, epoch seconds): a skill event older than that keeps it."""
CONNECT_TIMEOUT_SECONDS: Final = 1.0
READ_TIMEOUT_SECONDS: Final = 1.0
TOTAL_ATTEMPTS: Final = 2
CALL_DEADLINE_SECONDS: Final = 1.2
"""The small client's limit for one call, both attempts included (stores/dynamodb_http.py)."""
TABLE_ACTIVE_WAIT_SECONDS: Final = 10.0
LOCAL_CREDENTIALS: Final = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def to_item(
    key: str, fields: dict[str, Any], expires_at: int, written_at: int | None = None
) -> dict[str, dict[str, str]]:
    """DynamoDB typed JSON for one listener: strings as S, integers as N."""
    item = {
        KEY_ATTRIBUTE: {"S": key},
        EXPIRY_ATTRIBUTE: {"N": str(expires_at)},
        WRITTEN_ATTRIBUTE: {"N": str(int(time.time()) if written_at is None else written_at)},
    }
    for name, value in fields.items():
        if name in item or isinstance(value, bool):
            continue
        if isinstance(value, str):
            item[name] = {"S": value}
        elif isinstance(value, int):
            item[name] = {"N": str(value)}
    return item


def from_item(item: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The remembered fields and expiry from a typed item; anything unexpected is skipped."""
    fields: dict[str, Any] = {}
    expires_at = 0
    for name, typed in item.items():
        if not isinstance(typed, dict) or len(typed) != 1:
            continue
        ((kind, raw),) = typed.items()
        if kind == "N" and isinstance(raw, str):
            try:
                number = int(raw)
            except ValueError:
                continue
            if name == EXPIRY_ATTRIBUTE:
                expires_at = number
            elif name != WRITTEN_ATTRIBUTE:
                fields[name] = number
        elif kind == "S" and isinstance(raw, str) and name != KEY_ATTRIBUTE:
            fields[name] = raw
    return fields, expires_at


def error_kind(error: Exception) -> str:
    """A loggable label: the DynamoDB error code, or the botocore exception class name."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if isinstance(code, str) and code:
            return code
    return type(error).__name__


class DynamoDBStore(ListenerStore):
    """One item per listener: ``id`` (S, keyed hash), ``expires_at`` (N, TTL), remembered fields."""

    def __init__(
        self,
        table: str,
        secret: bytes,
        ttl_days: int = DEFAULT_TTL_DAYS,
        *,
        region: str,
        endpoint_url: str | None = None,
        create_table: bool = False,
        dummy_credentials: bool = False,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        read_timeout: float = READ_TIMEOUT_SECONDS,
        total_attempts: int = TOTAL_ATTEMPTS,
        call_deadline: float = CALL_DEADLINE_SECONDS,
        transport: str = "auto",
    ) -> None:
        super().__init__(secret, ttl_days)
        self.table = table
        self.region = region
        self.endpoint_url = endpoint_url
        self.create_table = create_table
        self.dummy_credentials = dummy_credentials
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_attempts = total_attempts
        self.call_deadline = call_deadline
        self.transport = transport
        self._client: Any = None
        self._table_ready = not create_table
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        """The DynamoDB client, built (and its module imported) the first time it is needed."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._new_client()
        return self._client

    def _new_client(self) -> Any:
        if self.transport == "auto":
            client = self._small_client()
            if client is not None:
                return client
        return self._botocore_client()

    def _small_client(self) -> Any:
        """The standard-library client (stores/dynamodb_http.py) when it can be exactly right.

        It needs credentials in the environment (the Lambda runtime sets them) or the
        local dummy ones, and an endpoint: the configured one or the region's public one.
        """
        from massage_guide.stores import dynamodb_http  # noqa: PLC0415 - lazy like botocore

        if self.dummy_credentials:
            credentials: dynamodb_http.Credentials | None = dynamodb_http.Credentials(
                LOCAL_CREDENTIALS["aws_access_key_id"], LOCAL_CREDENTIALS["aws_secret_access_key"]
            )
        else:
            credentials = dynamodb_http.environment_credentials()
        endpoint = self.endpoint_url or dynamodb_http.public_endpoint(self.region)
        if credentials is None or endpoint is None:
            return None
        return dynamodb_http.DynamoDBHttpClient(
            region=self.region,
            endpoint_url=endpoint,
            credentials=credentials,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            total_attempts=self.total_attempts,
            deadline=self.call_deadline,
        )

    def _botocore_client(self) -> Any:
        import botocore.session  # noqa: PLC0415 - deliberately lazy, see the module docstring
        from botocore.config import Config  # noqa: PLC0415

        config = Config(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"total_max_attempts": self.total_attempts, "mode": "standard"},
        )
        # botocore's DEBUG log prints request bodies, hashed keys included: never let it.
        botocore_log = logging.getLogger("botocore")
        if botocore_log.getEffectiveLevel() < logging.INFO:
            botocore_log.setLevel(logging.INFO)
        credentials = LOCAL_CREDENTIALS if self.dummy_credentials else {}
        return botocore.session.get_session().create_client(
            "dynamodb",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            config=config,
            **credentials,
        )

    def _call(self, operation: str, **params: Any) -> Any:
        try:
            if not self._table_ready:
                self._ensure_table()
            return getattr(self.client, operation)(**params)
        except StorageError:
            raise
        except Exception as error:
            raise StorageError(f"dynamodb {error_kind(error)}") from error

    def _get(self, key: str) -> tuple[dict[str, Any], int] | None:
        # Strongly consistent: a listener who reopens the skill at once sees the last save.
        answer = self._call(
            "get_item",
            TableName=self.table,
            Key={KEY_ATTRIBUTE: {"S": key}},
            ConsistentRead=True,
        )
        item = answer.get("Item") if isinstance(answer, dict) else None
        return from_item(item) if isinstance(item, dict) else None

    def _put(self, key: str, fields: dict[str, Any], expires_at: int) -> None:
        self._call("put_item", TableName=self.table, Item=to_item(key, fields, expires_at))

    def _delete(self, key: str, not_written_after: int | None = None) -> None:
        if not_written_after is None:
            self._call("delete_item", TableName=self.table, Key={KEY_ATTRIBUTE: {"S": key}})
            return
        try:
            self._call(
                "delete_item",
                TableName=self.table,
                Key={KEY_ATTRIBUTE: {"S": key}},
                ConditionExpression="attribute_not_exists(#written) OR #written <= :event",
                ExpressionAttributeNames={"#written": WRITTEN_ATTRIBUTE},
                ExpressionAttributeValues={":event": {"N": str(not_written_after)}},
            )
        except StorageError as error:
            if error.kind != "dynamodb ConditionalCheckFailedException":
                raise
            # written after the event: the listener came back since, and the record stays

    def _ensure_table(self) -> None:
        """Local use only: create the table, wait until it is active, switch TTL on if possible."""
        with self._lock:
            if self._table_ready:
                return
        client = self.client
        try:
            client.create_table(
                TableName=self.table,
                KeySchema=[{"AttributeName": KEY_ATTRIBUTE, "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": KEY_ATTRIBUTE, "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
        except Exception as error:
            if error_kind(error) != "ResourceInUseException":
                raise
        deadline = time.monotonic() + TABLE_ACTIVE_WAIT_SECONDS
        while client.describe_table(TableName=self.table)["Table"]["TableStatus"] != "ACTIVE":
            if time.monotonic() > deadline:
                raise StorageError("dynamodb table not active")
            time.sleep(0.1)
        try:
            client.update_time_to_live(
                TableName=self.table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": EXPIRY_ATTRIBUTE},
            )
        except Exception as error:
            # Already on, or a local server without TTL: the attribute is written anyway.
            if error_kind(error) not in ("ValidationException", "UnknownOperationException"):
                raise
        self._table_ready = True
