"""Signing keys a worker has verified, by chain URL, and the one download at a time that adds more.

A miss here is the only place a request can wait on the network, so this is
where the service's limits on chain downloads live (see SigningCertificates).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.verification import Store

from webservice.refusal import RefusedError
from webservice.trust import VerifiedChain, verify_chain

DOWNLOADS_PER_MINUTE = 10

Fetcher = Callable[[str], bytes]


class SigningCertificates:
    """Verified signing keys by chain URL: bounded, expiring, and downloads that never queue.

    A hit costs a dict lookup and a validity-window check. Entries leave when the
    chain's validity ends, after ``max_age`` (so chains are re-verified now and
    then) or when the cache is full (least recently used first). Failed URLs are
    remembered briefly so a flood of bad URLs cannot turn into a flood of
    downloads.

    Anyone who knows the skill id can name a new chain URL in every request, so
    a miss must never hold a request thread for long: one download runs at a
    time per worker, requests naming that same URL share it, and a request
    naming any other uncached URL meanwhile is refused at once (503) instead of
    queueing behind it. At most ``downloads_per_minute`` downloads start per
    worker in any minute; past that, uncached URLs are refused at once too.
    Cached chains are never affected: Alexa's own URL stays cached.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        store: Store,
        *,
        max_entries: int = 32,
        max_age: float = 6 * 3600.0,
        failure_ttl: float = 10.0,
        downloads_per_minute: int = DOWNLOADS_PER_MINUTE,
        wait_limit: float = 8.0,  # Alexa gives up after 8 s: no point waiting longer
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetcher = fetcher
        self.store = store
        self.max_entries = max_entries
        self.max_age = max_age
        self.failure_ttl = failure_ttl
        self.downloads_per_minute = downloads_per_minute
        self.wait_limit = wait_limit
        self.fetches = 0
        self._monotonic = monotonic
        self._good: OrderedDict[str, VerifiedChain] = OrderedDict()
        self._bad: OrderedDict[str, tuple[float, RefusedError]] = OrderedDict()
        self._started: deque[float] = deque()
        self._running: _Download | None = None
        self._lock = threading.Lock()

    def _cached(self, url: str, now: datetime) -> VerifiedChain | None:
        """A usable cached chain, None, or the remembered failure raised again (lock held)."""
        chain = self._good.get(url)
        if chain is not None:
            fresh = self._monotonic() - chain.verified_at < self.max_age
            if fresh and chain.not_before <= now <= chain.not_after:
                self._good.move_to_end(url)
                return chain
            del self._good[url]
        failure = self._bad.get(url)
        if failure is not None:
            if self._monotonic() < failure[0]:
                raise RefusedError(failure[1].reason, failure[1].status)
            del self._bad[url]
        return None

    def _start_download(self, url: str) -> _Download:
        """Claim the one download slot for ``url``, within the per-minute budget (lock held)."""
        moment = self._monotonic()
        while self._started and moment - self._started[0] >= 60.0:
            self._started.popleft()
        if len(self._started) >= self.downloads_per_minute:
            raise RefusedError("certificate download limit reached", 503)
        self._started.append(moment)
        self._running = _Download(url)
        return self._running

    def public_key(self, url: str, now: datetime) -> rsa.RSAPublicKey:
        """The verified signing key for a normalised chain URL; never waits for another URL."""
        with self._lock:
            chain = self._cached(url, now)
            if chain is not None:
                return chain.public_key
            running = self._running
            if running is not None and running.url != url:
                raise RefusedError("certificate download busy", 503)
            mine = running is None
            if running is None:
                running = self._start_download(url)
        if mine:
            return self._download(running, now).public_key
        running.done.wait(self.wait_limit)
        with self._lock:
            chain = self._cached(url, now)  # the shared download's result, or its failure
        if chain is None:
            raise RefusedError("certificate chain could not be fetched")
        return chain.public_key

    def _download(self, download: _Download, now: datetime) -> VerifiedChain:
        """Fetch and verify (no lock held); remember the outcome; wake those sharing it."""
        try:
            self.fetches += 1
            chain = verify_chain(self.fetcher(download.url), self.store, now)
        except RefusedError as refused:
            with self._lock:
                self._bad[download.url] = (self._monotonic() + self.failure_ttl, refused)
                while len(self._bad) > self.max_entries:
                    self._bad.popitem(last=False)
            raise
        else:
            chain = replace(chain, verified_at=self._monotonic())
            with self._lock:
                self._good[download.url] = chain
                while len(self._good) > self.max_entries:
                    self._good.popitem(last=False)
            return chain
        finally:
            with self._lock:
                self._running = None
            download.done.set()


@dataclass
class _Download:
    """The chain download in progress in this worker, for requests naming the same URL."""

    url: str
    done: threading.Event = field(default_factory=threading.Event)
