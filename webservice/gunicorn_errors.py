"""gunicorn's own refusals (a malformed request line, too many headers) as JSON, not HTML.

gunicorn answers requests it cannot parse itself, before the app runs, with a
small HTML page that quotes the offending input. Every answer this service
gives is ``{"error": "..."}`` with a fixed reason (docs/webservice.md), so each
worker swaps gunicorn's page writer for this one when it starts
(``post_worker_init`` in gunicorn.conf.py): same status, gunicorn's fixed reason
phrase in lower case, nothing from the request.
"""

from __future__ import annotations

import json
import socket
from typing import Any


def write_json_error(sock: socket.socket, status: int, reason: str, _detail: str) -> None:
    """Send a complete JSON error answer and let gunicorn close the connection."""
    body = json.dumps({"error": reason.lower()}).encode("ascii")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    sock.setblocking(False)
    try:
        sock.sendall(head + body)
    except OSError:
        pass  # the client has gone: nothing to tell it
    finally:
        sock.setblocking(True)


def install(_worker: Any = None) -> None:
    """Make this worker process answer its own refusals with :func:`write_json_error`."""
    from gunicorn import util  # noqa: PLC0415 - only gunicorn workers import gunicorn

    util.write_error = write_json_error
