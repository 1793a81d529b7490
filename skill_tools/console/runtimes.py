"""Who answers the console's requests: the skill in-process, on awslambdaric, or over HTTP.

Each runtime is a handler ``(envelope, context) -> response``, the shape the
local dialog already calls, so the conversation is the same whichever answers.

* ``in-process``: lambda_function.lambda_handler in this process (fast).
* ``lambda``: the zip ``make package`` builds, unpacked and run by AWS's runtime
  interface client behind a local Runtime API (skill_tools.lambda_runtime),
  with Lambda's environment and timeout.
* ``webservice``: ``python -m webservice`` on a loopback port, every request
  signed as Alexa signs them, by a test PKI the service is told to trust.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Final

from skill_tools import lambda_runtime, lambda_zip
from skill_tools.dialog.simulator import Handler, default_handler
from skill_tools.envelopes import JSON
from skill_tools.loopback import free_port, wait_until_up
from skill_tools.paths import REPO_ROOT
from skill_tools.testpki import TestPKI

RUNTIMES: Final = {
    "in-process": "lambda_handler in the console's own process",
    "lambda": "the built zip under awslambdaric, behind a local Runtime API",
    "webservice": "the Flask web service over HTTP, requests signed by a test PKI",
}
#: Settings handed on to the skill in another process, so it remembers alike.
PASSED_ON: Final = (
    "USER_ID_HASH_KEY", "SQLITE_PATH", "MEMORY", "MEMORY_TTL_DAYS", "DYNAMODB_TABLE",
    "DYNAMODB_ENDPOINT", "DYNAMODB_CREATE_TABLE", "DYNAMODB_TRANSPORT", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "LOG_LEVEL",
)  # fmt: skip


class RuntimeUnavailableError(RuntimeError):
    """A runtime that cannot start here, with the reason for the page."""


def _passed_on() -> dict[str, str]:
    return {name: os.environ[name] for name in PASSED_ON if os.environ.get(name)}


class LambdaRuntime:
    """The built zip run by awslambdaric; built and unpacked once per console."""

    def __init__(self, skill_id: str) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="console-lambda-")
        self.skill_id = skill_id
        self.function: lambda_runtime.LambdaFunction | None = None
        self._lock = threading.Lock()

    def _ready(self) -> lambda_runtime.LambdaFunction:
        with self._lock:
            if self.function is None:
                python = lambda_runtime.runtime_python()
                if not (lambda_runtime.runtime_dir(python) / "awslambdaric").is_dir():
                    raise RuntimeUnavailableError(
                        f"awslambdaric is not installed for {python.describe()}: "
                        "run `make lambda-runtime`"
                    )
                root = Path(self._scratch.name)
                build = lambda_zip.build_lambda_zip(root / "lambda.zip")
                task_root = lambda_runtime.unpack(build.path, root / "task")
                env = {"SKILL_ID": self.skill_id, **_passed_on()}
                self.function = lambda_runtime.LambdaFunction(
                    task_root, python=python, environment=env
                )
            return self.function

    def describe(self) -> str:
        return f"awslambdaric on {lambda_runtime.runtime_python().describe()}"

    def __call__(self, envelope: JSON, _context: Any) -> JSON:
        answer = self._ready().invoke(envelope)
        if not isinstance(answer, dict):
            raise RuntimeUnavailableError(f"the function answered {answer!r:.100}")
        return answer

    def close(self) -> None:
        if self.function is not None:
            self.function.close()
        self._scratch.cleanup()


class WebServiceRuntime:
    """``python -m webservice`` on loopback, trusting a test PKI that signs every request."""

    def __init__(self, skill_id: str) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="console-webservice-")
        self.skill_id = skill_id
        self.pki: TestPKI | None = None
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _ready(self) -> int:
        with self._lock:
            if self.process is None or self.process.poll() is not None:
                self.pki = TestPKI.create()
                self.port = free_port()
                env = self.pki.service_env(
                    Path(self._scratch.name), self.skill_id, PORT=str(self.port), **_passed_on()
                )
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "webservice"],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                wait_until_up(self.process, self.port, timeout=30)
            assert self.port is not None  # noqa: S101 - set above
            return self.port

    def describe(self) -> str:
        return "the web service (python -m webservice) over HTTP, signed by a test PKI"

    def __call__(self, envelope: JSON, _context: Any) -> JSON:
        port = self._ready()
        assert self.pki is not None  # noqa: S101 - set by _ready
        body, headers = self.pki.signer().sign(envelope)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("POST", "/", body, {**headers, "Content-Type": "application/json"})
            reply = connection.getresponse()
            data = reply.read()
        finally:
            connection.close()
        if reply.status != 200:
            raise RuntimeUnavailableError(
                f"the web service answered {reply.status}: {data.decode(errors='replace')[:200]}"
            )
        answer = json.loads(data)
        if not isinstance(answer, dict):
            raise RuntimeUnavailableError("the web service answered no JSON object")
        return answer

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._scratch.cleanup()


class InProcessRuntime:
    def __init__(self) -> None:
        self.handler: Handler = default_handler()

    def describe(self) -> str:
        return "lambda_handler in the console's process"

    def __call__(self, envelope: JSON, context: Any) -> JSON:
        return self.handler(envelope, context)

    def close(self) -> None:
        """Nothing to stop."""


Runtime = InProcessRuntime | LambdaRuntime | WebServiceRuntime


class Runtimes:
    """The three runtimes, each started on first use and kept for the console's life."""

    def __init__(self, skill_id: str) -> None:
        self.skill_id = skill_id
        self._started: dict[str, Runtime] = {}

    def get(self, name: str) -> Runtime:
        if name not in RUNTIMES:
            raise RuntimeUnavailableError(f"no runtime named {name!r}")
        if name not in self._started:
            if name == "lambda":
                self._started[name] = LambdaRuntime(self.skill_id)
            elif name == "webservice":
                self._started[name] = WebServiceRuntime(self.skill_id)
            else:
                self._started[name] = InProcessRuntime()
        return self._started[name]

    def close(self) -> None:
        for runtime in self._started.values():
            runtime.close()
        self._started.clear()
