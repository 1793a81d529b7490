"""Who may use the console: this machine's browser, holding this run's token.

As Jupyter does, each run makes a random token and prints the URL carrying it.
The first page load with ``?token=`` sets a same-site, HTTP-only cookie; every
request must carry the token (cookie, ``X-Console-Token`` header or query), come
to the loopback host name the server listens on (no DNS rebinding), and, when a
browser says where it comes from, from the console's own origin.
"""

from __future__ import annotations

import secrets
from typing import Final

from flask import Request

COOKIE: Final = "console_token"
HEADER: Final = "X-Console-Token"
LOOPBACK_NAMES: Final = ("127.0.0.1", "localhost")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def origins(port: int) -> frozenset[str]:
    return frozenset(f"http://{name}:{port}" for name in LOOPBACK_NAMES)


def refusal(request: Request, token: str, port: int) -> str | None:
    """Why this request is refused, or None to let it through."""
    if request.host not in {f"{name}:{port}" for name in LOOPBACK_NAMES}:
        return "this console answers only at 127.0.0.1"
    origin = request.headers.get("Origin")
    if origin is not None and origin not in origins(port):
        return "requests from another origin are refused"
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return "requests from another site are refused"
    offered = (
        request.headers.get(HEADER) or request.cookies.get(COOKIE) or request.args.get("token")
    )
    if not offered or not secrets.compare_digest(offered, token):
        return "this console needs the token printed when it started (open the URL it printed)"
    return None
