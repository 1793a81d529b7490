"""How the web service says no: one exception, with a fixed reason and an HTTP status.

Every check raises it, from the gate's first look at a body to a chain download,
and the app answers with its status and reason. Reasons are fixed strings:
nothing from the request (ids, body) is ever put into one.
"""

from __future__ import annotations


class RefusedError(Exception):
    """A request the service will not serve; ``reason`` is safe to log and to send back."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
