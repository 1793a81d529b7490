"""The chain download's own limits, against fake origins that misbehave as S3 never should.

Real chains come from Amazon over HTTPS; what a real origin cannot be made to do
here (trickle bytes just inside every read timeout, send far more than a chain)
is staged on loopback through the CERT_CHAIN_ORIGIN path of the real fetcher.
"""

from __future__ import annotations

import socket
import time
from contextlib import suppress
from pathlib import Path

import pytest

from skill_tools.loopback import tcp_server
from skill_tools.testpki import CHAIN_URL_PREFIX, ChainServer, TestPKI
from webservice.fetchers import UrllibFetcher
from webservice.refusal import RefusedError
from webservice.trust import MAX_CHAIN_PEM

TIMEOUT = 1.0


def serve(connection: socket.socket, head: bytes, *, pause: float, block: bytes) -> None:
    """Read the request, send ``head``, then ``block`` every ``pause`` s, for 10 s at most."""
    with connection, suppress(OSError):
        connection.settimeout(15)
        connection.recv(65536)
        connection.sendall(head)
        stop = time.monotonic() + 10
        while time.monotonic() < stop:
            connection.sendall(block)
            if pause:
                time.sleep(pause)


def fetch_from(port: int) -> tuple[RefusedError, float]:
    fetcher = UrllibFetcher(timeout=TIMEOUT, origin=f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.raises(RefusedError) as refused:
        fetcher(CHAIN_URL_PREFIX + "chain.pem")
    return refused.value, time.monotonic() - started


@pytest.mark.parametrize(
    "head",
    [b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", b"HTTP/1.1 200 OK\r\nX-Slow: "],
    ids=["body", "headers"],
)
def test_a_trickling_origin_is_cut_at_the_download_deadline(head: bytes) -> None:
    """A byte every half second passes each read's timeout; the download's deadline stops it."""
    with tcp_server(lambda c: serve(c, head, pause=0.5, block=b"-")) as port:
        refused, elapsed = fetch_from(port)
    assert refused.reason == "certificate chain could not be fetched"
    assert elapsed < TIMEOUT + 0.3, elapsed


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 314572800\r\n\r\n",  # 300 MB, said up front
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",  # no length: until the origin stops
    ],
    ids=["declared", "undeclared"],
)
def test_an_oversized_chain_is_refused_at_the_cap(head: bytes) -> None:
    with tcp_server(lambda c: serve(c, head, pause=0, block=b"A" * 65536)) as port:
        refused, elapsed = fetch_from(port)
    assert refused.reason == "certificate chain too large"
    assert elapsed < TIMEOUT, elapsed


def test_a_genuine_chain_still_downloads(tmp_path: Path) -> None:
    pki = TestPKI.create()
    _, chains = pki.write(tmp_path)
    name = pki.signer().chain_url.removeprefix(CHAIN_URL_PREFIX)
    with ChainServer.running(chains, delay=0.0) as origin:
        data = UrllibFetcher(timeout=TIMEOUT, origin=origin.origin)(CHAIN_URL_PREFIX + name)
    assert data == pki.chain_pem
    assert len(data) <= MAX_CHAIN_PEM
