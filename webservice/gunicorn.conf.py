# ruff: noqa: N999 - gunicorn finds its config by this conventional file name
"""Production entry: ``gunicorn -c webservice/gunicorn.conf.py`` from the repo root.

Settings come from the same environment as ``make serve`` (HOST, PORT, SKILL_ID,
VERIFY_SIGNATURE, TRUST_STORE, MAX_BODY, ...) and are validated here, in the
master, before anything binds: a bad configuration stops gunicorn at once with
the ConfigError message instead of booting workers that die one by one.
WEB_CONCURRENCY sets the worker count, GUNICORN_THREADS the threads per worker and
GUNICORN_TIMEOUT the worker timeout.
"""

from __future__ import annotations

import os
from typing import Any

from webservice.gunicorn_errors import install as answer_own_errors_in_json
from webservice.settings import ConfigError, Settings

try:
    _settings = Settings.from_env()
except ConfigError as _error:
    raise SystemExit(f"webservice: {_error}") from None

wsgi_app = "webservice.wsgi:app"
bind = [_settings.bind]

# One process per core plus one; two threads each (gthread) so a request waiting on I/O
# (a DynamoDB call, the rare chain download) does not idle its process, and so a
# TLS-terminating proxy can keep connections alive (the sync worker closes every one).
# docs/bench-webservice.md has the figures behind this choice.
workers = int(os.environ.get("WEB_CONCURRENCY", str((os.cpu_count() or 1) + 1)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_connections = 200

# Alexa gives up after 8 seconds; a worker silent for longer is stuck, so replace it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "10"))
graceful_timeout = 10
keepalive = 2

# Alexa requests are small: refuse oversized request lines and headers early.
limit_request_line = 2048
limit_request_fields = 50
limit_request_field_size = 4096

# Each worker builds its own skill and certificate cache after fork, so persistence
# clients (boto3) are never shared across processes.
preload_app = False

# The control socket is a management interface this service does not need; it would also
# collide between two instances on one machine.
control_socket_disable = True

# No access log by default: Alexa traffic needs none, and it keeps the log free of anything
# about listeners. Errors go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")


def on_starting(server: Any) -> None:
    """Refuse every listening address the settings forbid, including ones given with -b."""
    for address in server.cfg.bind:
        host = address.rsplit(":", 1)[0] if not address.startswith("unix:") else "unix"
        try:
            _settings.check_bind_host(host.strip("[]"))
        except ConfigError as error:
            raise SystemExit(f"webservice: {error}") from None


def post_worker_init(worker: Any) -> None:
    """gunicorn's own 400s (bad request line, headers too large) in the service's JSON shape."""
    answer_own_errors_in_json(worker)
