"""The gunicorn services under test: which ones, started and stopped, and what their logs show.

Every service runs from the production config (webservice/gunicorn.conf.py)
with signature verification on; each is told apart only by its WSGI target and
a few environment settings.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from skill_tools.loopback import ServerStartError, free_port, wait_until_up
from skill_tools.paths import REPO_ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")
CONFIG = "webservice/gunicorn.conf.py"
HELLO = "hello-world (flask-ask-sdk baseline)"
SKILL = "Back Massage Guide, MEMORY=off"
SKILL_SQLITE = "Back Massage Guide, SQLite memory (local default)"
# name -> (WSGI target, extra environment)
SERVICES: dict[str, tuple[str, dict[str, str]]] = {
    HELLO: ("bench.baselines.hello_webservice:create_hello_app()", {}),
    SKILL: ("webservice.wsgi:app", {"MEMORY": "off"}),
    SKILL_SQLITE: ("webservice.wsgi:app", {}),
}
#: The listener-id hash key of every service, and of the rehearsal that builds their requests.
BENCH_HASH_KEY = "bench-only-hash-key-never-in-production-0123456789"


@contextmanager
def services(
    env: dict[str, str],
    logs: Path,
    extra_args: list[str],
    wanted: dict[str, tuple[str, dict[str, str]]] = SERVICES,
) -> Iterator[dict[str, int]]:
    ports: dict[str, int] = {}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, (target, extra) in wanted.items():
            port = free_port()
            log = (logs / f"{port}.log").open("wb")
            process = subprocess.Popen(
                [str(GUNICORN), "-c", CONFIG, *extra_args, target],
                cwd=REPO_ROOT,
                env={**env, **extra, "PORT": str(port)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            processes.append(process)
            try:
                wait_until_up(process, port)
            except ServerStartError as error:
                raise SystemExit(f"bench: {name}: {error} (log: {log.name})") from None
            ports[name] = port
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def server_errors(logs: Path) -> int:
    return sum(log.read_text(errors="replace").count("Traceback") for log in logs.glob("*.log"))
