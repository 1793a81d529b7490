"""Where signing chains come from: Amazon's URL over HTTPS, or a folder (a test hook).

A fetcher only brings bytes; ``webservice.trust`` decides whether the URL is
acceptable before any fetch and whether the chain is trusted after it.
"""

from __future__ import annotations

import http.client
import re
import ssl
import time
from pathlib import Path
from urllib.parse import urlsplit

import certifi

from massage_guide.bounded_http import ResponseTooLargeError, bound, read_capped
from webservice.refusal import RefusedError
from webservice.trust import CERT_HOST, CERT_PATH_PREFIX, MAX_CHAIN_PEM

CHAIN_URL_PREFIX = f"https://{CERT_HOST}{CERT_PATH_PREFIX}"


class UrllibFetcher:
    """Downloads a chain over HTTPS within one deadline, never redirected, at most 64 KiB.

    ``timeout`` is the whole download's deadline (connect, request and every
    byte of the answer), not a per-read timeout a trickling origin could keep
    renewing. A redirect is a refusal: a chain must come from the validated
    URL itself. (http.client, not urllib's opener, so both hold by construction;
    the name stays for the settings and tests that know it.)

    ``origin`` is a TEST HOOK (CERT_CHAIN_ORIGIN, loopback only): the validated
    path is requested from that loopback server instead of s3.amazonaws.com, so
    tests and the benchmark exercise this very code, slow downloads included,
    without the network.
    """

    def __init__(
        self, timeout: float = 3.0, max_bytes: int = MAX_CHAIN_PEM, *, origin: str | None = None
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.origin = origin.rstrip("/") if origin else None
        self._context = ssl.create_default_context(cafile=certifi.where())

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.origin is None:
            return http.client.HTTPSConnection(
                CERT_HOST, 443, timeout=timeout, context=self._context
            )
        parts = urlsplit(self.origin)
        if parts.scheme == "https":
            return http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=timeout, context=self._context
            )
        return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)

    def __call__(self, url: str) -> bytes:
        if not url.startswith(CHAIN_URL_PREFIX):
            raise RefusedError("certificate chain URL not accepted")
        path = url.removeprefix(f"https://{CERT_HOST}")
        deadline = time.monotonic() + self.timeout
        connection = self._connection(self.timeout)
        try:
            connection.connect()
            bound(connection, deadline, self.timeout)
            connection.request("GET", path, headers={"Accept": "*/*"})
            response = connection.getresponse()
            if response.status != 200:
                raise RefusedError("certificate chain could not be fetched")
            return read_capped(response, self.max_bytes)
        except ResponseTooLargeError:
            raise RefusedError("certificate chain too large") from None
        except (OSError, http.client.HTTPException, ValueError):
            raise RefusedError("certificate chain could not be fetched") from None
        finally:
            connection.close()


_CHAIN_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class DirectoryFetcher:
    """TEST HOOK: serves ``https://s3.amazonaws.com/echo.api/NAME`` from ``directory/NAME``.

    Only built when settings allow it (WEBSERVICE_TEST_HOOKS=1 on loopback). The
    URL must still pass ``normalise_cert_url`` and the chain must still verify
    against the trust store, so this changes where bytes come from, nothing else.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()

    def __call__(self, url: str) -> bytes:
        name = url.removeprefix(CHAIN_URL_PREFIX)
        if not url.startswith(CHAIN_URL_PREFIX) or not _CHAIN_FILE_NAME.fullmatch(name):
            raise RefusedError("certificate chain could not be fetched")
        try:
            data = (self.directory / name).read_bytes()
        except OSError:
            raise RefusedError("certificate chain could not be fetched") from None
        if len(data) > MAX_CHAIN_PEM:
            raise RefusedError("certificate chain too large")
        return data
