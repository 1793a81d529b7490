"""HTTP answers read against one deadline and a size cap: for calls to services outside.

A socket timeout bounds one read; a server sending a byte just inside it every
time never trips it (the review held a DynamoDB call 57 s that way), and
nothing in ``http.client`` limits how much it will read. A connection given
:func:`bound` reads its status line, headers and body through a reader that
gives each read only what is left of the deadline, and :func:`read_capped`
stops at the cap. Standard library only: the DynamoDB client (which ships to
Lambda) and the web service's chain downloads share it.
"""

from __future__ import annotations

import functools
import http.client
import io
import socket
import time
from typing import Any, Final

READ_PIECE: Final = 65536


class DeadlineExceededError(TimeoutError):
    """The call's deadline passed before its answer was complete."""


class ResponseTooLargeError(ValueError):
    """The answer is, or says it is, longer than the caller accepts."""


def remaining(deadline: float) -> float:
    """Seconds left before ``deadline`` (a ``time.monotonic()`` value), or DeadlineExceededError."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceededError("deadline passed")
    return left


class _DeadlineReader(io.RawIOBase):
    """A socket's bytes, each read allowed only what is left of the deadline."""

    def __init__(self, sock: socket.socket, deadline: float, read_timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)  # holds the socket open, as http.client's
        self._deadline = deadline
        self._read_timeout = read_timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(min(self._read_timeout, remaining(self._deadline)))
        read: int | None = self._raw.readinto(buffer)
        return read or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """An HTTP response whose every byte is read through :class:`_DeadlineReader`."""

    def __init__(
        self, sock: socket.socket, *args: Any, deadline: float, read_timeout: float, **kwargs: Any
    ) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp.close()  # http.client's own reader, replaced before anything is read
        self.fp = io.BufferedReader(_DeadlineReader(sock, deadline, read_timeout))


def bound(connection: http.client.HTTPConnection, deadline: float, read_timeout: float) -> None:
    """Make the connection's next request and answer finish by ``deadline`` or fail.

    The connection must be connected; sending gets the time left, and the
    answer is read through a deadline reader.
    """
    if connection.sock is None:
        raise DeadlineExceededError("not connected")
    connection.sock.settimeout(min(read_timeout, remaining(deadline)))
    connection.response_class = functools.partial(  # type: ignore[assignment]
        _DeadlineResponse, deadline=deadline, read_timeout=read_timeout
    )


def read_capped(response: http.client.HTTPResponse, cap: int) -> bytes:
    """The whole body, or ResponseTooLargeError as soon as it is known to exceed ``cap``."""
    declared = response.getheader("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > cap:
        raise ResponseTooLargeError("declared length over the cap")
    pieces: list[bytes] = []
    size = 0
    while piece := response.read(min(READ_PIECE, cap + 1 - size)):
        pieces.append(piece)
        size += len(piece)
        if size > cap:
            raise ResponseTooLargeError("body over the cap")
    if response.length:  # the origin stopped before sending what it said it would
        raise http.client.IncompleteRead(b"".join(pieces), response.length)
    return b"".join(pieces)
