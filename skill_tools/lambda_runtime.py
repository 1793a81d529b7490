"""The built zip run through AWS Lambda's own runtime interface, on this machine.

On Lambda, the function's process is AWS's runtime interface client
(``awslambdaric``), which long-polls the Runtime API for the next event, calls
``lambda_function.lambda_handler`` and posts the answer back. Here a small
Runtime API server on 127.0.0.1 plays Lambda's part: it queues one event at a
time, gives the client Lambda's environment (``AWS_LAMBDA_RUNTIME_API``,
``_HANDLER``, ``LAMBDA_TASK_ROOT`` and the rest), waits for the response or the
function error, and ends the process when the function's timeout passes, as
Lambda does. The client runs isolated (``python -S``: no site-packages) with
only the unpacked zip (the task root) and the runtime client on its path, so a
module the zip forgot fails here as it would on Lambda.

Lambda's Python (``lambda_zip.DEFAULT_TARGET_PYTHON``) is used when this machine
has it, else the running Python; :func:`runtime_python` says which.
``python -m skill_tools.lambda_runtime`` installs the runtime client for it
(``make lambda-runtime``, part of ``make test`` and ``make console``).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, Final

from skill_tools.lambda_zip import DEFAULT_TARGET_PYTHON, find_target_interpreter
from skill_tools.paths import REPO_ROOT

RUNTIME_DIRS: Final = REPO_ROOT / "build" / "lambda-runtime"
"""Where the runtime client is installed, one folder per Python version (Lambda's /var/runtime)."""
HANDLER: Final = "lambda_function.lambda_handler"
FUNCTION_NAME: Final = "back-massage-guide-local"
DEFAULT_TIMEOUT_S: Final = 8.0  # Alexa gives a skill 8 seconds; the template's timeout is within it
DEFAULT_MEMORY_MB: Final = 512
_API: Final = "/2018-06-01/runtime"


class LambdaRuntimeError(RuntimeError):
    """The function could not answer: it failed to start, raised, or ran out of time."""


@dataclass(frozen=True)
class RuntimePython:
    """The interpreter the client runs on, and whether it is Lambda's version."""

    executable: str
    version: str  # "3.13"
    is_lambdas: bool

    def describe(self) -> str:
        if self.is_lambdas:
            return f"Lambda's Python {self.version} ({self.executable})"
        return (
            f"the running Python {self.version} ({self.executable}); Lambda's Python "
            f"{DEFAULT_TARGET_PYTHON} is not installed here"
        )


def runtime_python() -> RuntimePython:
    """Lambda's Python when this machine has it, else the interpreter running us."""
    found = find_target_interpreter(DEFAULT_TARGET_PYTHON)
    if found:
        return RuntimePython(found, DEFAULT_TARGET_PYTHON, is_lambdas=True)
    running = getattr(sys, "_base_executable", None) or sys.executable
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return RuntimePython(running, version, is_lambdas=version == DEFAULT_TARGET_PYTHON)


def pinned_runtime_client(requirements: Path = REPO_ROOT / "requirements-dev.txt") -> str:
    """The ``awslambdaric==X`` line requirements-dev.txt pins."""
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("awslambdaric=="):
            return line.strip()
    raise LambdaRuntimeError(f"{requirements.name} pins no awslambdaric")


def runtime_dir(python: RuntimePython) -> Path:
    return RUNTIME_DIRS / f"python{python.version}"


def install_runtime_client(python: RuntimePython) -> Path:
    """Install the pinned awslambdaric for ``python`` into its own folder, once.

    pip's ``--python`` installs for the other interpreter, so it needs no pip of
    its own. The folder is complete only once its marker (the pin) is written.
    """
    target = runtime_dir(python)
    pin = pinned_runtime_client()
    marker = target / ".installed"
    if marker.is_file() and marker.read_text(encoding="utf-8") == pin:
        return target
    command = [sys.executable, "-m", "pip", "--python", python.executable, "install"]
    command += ["--quiet", "--disable-pip-version-check", "--upgrade", "--target", str(target)]
    proc = subprocess.run([*command, pin], capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise LambdaRuntimeError(f"installing {pin} for {python.executable} failed:\n{proc.stderr}")
    marker.write_text(pin, encoding="utf-8")
    return target


def unpack(zip_path: Path, task_root: Path) -> Path:
    """Unpack the Lambda zip as Lambda does into its task root (/var/task)."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(task_root)
    return task_root


@dataclass
class _Invocation:
    request_id: str
    event: bytes
    deadline_ms: int
    done: threading.Event = field(default_factory=threading.Event)
    response: bytes | None = None
    error: dict[str, Any] | None = None


class _RuntimeAPI(ThreadingHTTPServer):
    """Lambda's side of the Runtime API: next, response, error and init error."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RuntimeAPIHandler)
        self.pending: queue.Queue[_Invocation] = queue.Queue()
        self.current: dict[str, _Invocation] = {}
        self.init_error: dict[str, Any] | None = None
        self.init_failed = threading.Event()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class _RuntimeAPIHandler(BaseHTTPRequestHandler):
    server: _RuntimeAPI

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the console and the tests report what matters."""

    def _reply(
        self, status: HTTPStatus, body: bytes = b"{}", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        if self.path != f"{_API}/invocation/next":
            self._reply(HTTPStatus.NOT_FOUND)
            return
        invocation = self.server.pending.get()  # long poll, as Lambda's
        self.server.current[invocation.request_id] = invocation
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": (
                f"arn:aws:lambda:us-east-1:000000000000:function:{FUNCTION_NAME}"
            ),
            "Lambda-Runtime-Trace-Id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}",
        }
        self._reply(HTTPStatus.OK, invocation.event, headers)

    def do_POST(self) -> None:
        body = self._body()
        if self.path == f"{_API}/init/error":
            self.server.init_error = _json_or_text(body)
            self.server.init_failed.set()
            self._reply(HTTPStatus.ACCEPTED)
            return
        parts = self.path.removeprefix(f"{_API}/invocation/").split("/")
        invocation = self.server.current.pop(parts[0], None) if len(parts) == 2 else None
        if invocation is None or parts[1] not in {"response", "error"}:
            self._reply(HTTPStatus.NOT_FOUND)
            return
        if parts[1] == "response":
            invocation.response = body
        else:
            invocation.error = _json_or_text(body)
        self._reply(HTTPStatus.ACCEPTED)
        invocation.done.set()


def _json_or_text(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {"errorMessage": body.decode(errors="replace")}
    return value if isinstance(value, dict) else {"errorMessage": str(value)}


class LambdaFunction:
    """One function: the unpacked zip in its task root, run by awslambdaric on demand.

    The process starts at the first invoke (a cold start) and stays warm; a
    function error leaves it running, as on Lambda; a timeout ends it, and the
    next invoke starts a fresh one.
    """

    def __init__(
        self,
        task_root: Path,
        *,
        python: RuntimePython | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_mb: int = DEFAULT_MEMORY_MB,
        environment: dict[str, str] | None = None,
    ) -> None:
        self.task_root = Path(task_root)
        self.python = python or runtime_python()
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.extra_environment = dict(environment or {})
        self._api: _RuntimeAPI | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._lock = threading.Lock()
        self.cold_starts = 0

    def environment(self, api_address: str) -> dict[str, str]:
        """What Lambda puts in the function's environment (the documented reserved variables)."""
        runtime = runtime_dir(self.python)
        env = {
            "AWS_LAMBDA_RUNTIME_API": api_address,
            "_HANDLER": HANDLER,
            "LAMBDA_TASK_ROOT": str(self.task_root),
            "LAMBDA_RUNTIME_DIR": str(runtime),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{self.python.version}",
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(self.timeout_s)),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[$LATEST]{uuid.uuid4().hex}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin/:/bin",
            "PYTHONPATH": os.pathsep.join([str(self.task_root), str(runtime)]),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.update(self.extra_environment)
        return env

    def _start(self) -> tuple[_RuntimeAPI, subprocess.Popen[bytes]]:
        if not (runtime_dir(self.python) / "awslambdaric").is_dir():
            raise LambdaRuntimeError(
                f"awslambdaric is not installed for {self.python.describe()}: "
                "run `make lambda-runtime`"
            )
        api = _RuntimeAPI()
        threading.Thread(target=api.serve_forever, daemon=True).start()
        # What the function prints (its logs, as CloudWatch would get them), kept for errors.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _stop()
        process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [self.python.executable, "-S", "-m", "awslambdaric", HANDLER],
            cwd=self.task_root,
            env=self.environment(api.address),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.cold_starts += 1
        return api, process

    def invoke(self, event: Any) -> Any:
        """Send one event through the Runtime API and return the function's JSON answer.

        Raises LambdaRuntimeError on an init error, a function error (with its
        errorType and errorMessage) or a timeout.
        """
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._stop()
                self._api, self._process = self._start()
            api, process = self._api, self._process
            assert api is not None  # noqa: S101 - set just above
            deadline = time.time() + self.timeout_s
            invocation = _Invocation(
                request_id=str(uuid.uuid4()),
                event=json.dumps(event).encode(),
                deadline_ms=int(deadline * 1000),
            )
            api.pending.put(invocation)
            while not invocation.done.wait(0.02):
                if api.init_failed.is_set() or process.poll() is not None:
                    error = api.init_error or {"errorMessage": self.log_tail()}
                    self._stop()
                    raise LambdaRuntimeError(f"the function failed to start: {error}")
                if time.time() > deadline:
                    self._stop()
                    raise LambdaRuntimeError(
                        f"Task timed out after {self.timeout_s:.2f} seconds (the process was ended)"
                    )
            if invocation.error is not None:
                raise LambdaRuntimeError(
                    f"{invocation.error.get('errorType', 'Error')}: "
                    f"{invocation.error.get('errorMessage', '')}"
                )
            return json.loads(invocation.response or b"null")

    def log_tail(self, characters: int = 2000) -> str:
        """The end of what the function printed (its log)."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-characters:]

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait(5)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._api is not None:
            self._api.shutdown()
            self._api.server_close()
            self._api = None

    def close(self) -> None:
        with self._lock:
            self._stop()

    def __enter__(self) -> LambdaFunction:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> int:
    """Install the runtime client for Lambda's Python (or the running one) and say which."""
    python = runtime_python()
    target = install_runtime_client(python)
    print(f"awslambdaric for {python.describe()}: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
