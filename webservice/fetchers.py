"""Where signing chains come from: Amazon's URL over HTTPS, or a folder (a test hook).

A fetcher only brings bytes; ``webservice.trust`` decides whether the URL is
acceptable before any fetch and whether the chain is trusted after it.
"""

from __future__ import annotations

import re
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import certifi

from webservice.refusal import RefusedError
from webservice.trust import CERT_HOST, CERT_PATH_PREFIX, MAX_CHAIN_PEM

CHAIN_URL_PREFIX = f"https://{CERT_HOST}{CERT_PATH_PREFIX}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A chain must come from the validated URL itself, not wherever it points."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class UrllibFetcher:
    """Downloads a chain over HTTPS with a short timeout, no redirects and a size cap.

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
        context = ssl.create_default_context(cafile=certifi.where())
        self._opener = urllib.request.build_opener(
            _NoRedirects(), urllib.request.HTTPSHandler(context=context)
        )

    def __call__(self, url: str) -> bytes:
        if not url.startswith(CHAIN_URL_PREFIX):
            raise RefusedError("certificate chain URL not accepted")
        if self.origin is not None:
            url = self.origin + url.removeprefix(f"https://{CERT_HOST}")
        try:
            with self._opener.open(url, timeout=self.timeout) as response:
                if response.status != 200:
                    raise RefusedError("certificate chain could not be fetched")
                data: bytes = response.read(self.max_bytes + 1)
        except (urllib.error.URLError, OSError, ValueError):
            raise RefusedError("certificate chain could not be fetched") from None
        if len(data) > self.max_bytes:
            raise RefusedError("certificate chain too large")
        return data


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
