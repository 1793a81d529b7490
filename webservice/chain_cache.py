"""Signing keys a worker has verified, by chain URL, and the downloads that add or refresh them.

A miss here is the only place a request can wait on the network, so this is
where the service's limits on chain downloads live (see SigningCertificates).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.verification import Store

from webservice.refusal import RefusedError
from webservice.trust import VerifiedChain, verify_chain

DOWNLOADS_PER_MINUTE = 10
"""Per worker and per lane (known-good URLs, unknown URLs), in any 60 seconds."""
RESERVED_FOR_WANTED = 3
"""Of the unknown lane's budget, kept for the URL that several requests are waiting for."""
MAX_DEMAND_ENTRIES = 1024

Fetcher = Callable[[str], bytes]


class _Lane:
    """One download at a time and a per-minute budget, for one kind of URL."""

    def __init__(self, per_minute: int, monotonic: Callable[[], float]) -> None:
        self.per_minute = per_minute
        self.running: _Download | None = None
        self._started: deque[float] = deque()
        self._monotonic = monotonic

    def used(self) -> int:
        moment = self._monotonic()
        while self._started and moment - self._started[0] >= 60.0:
            self._started.popleft()
        return len(self._started)

    def start(self, url: str, allowance: int | None = None) -> _Download:
        """Claim the slot for ``url`` within ``allowance`` of the budget (lock held)."""
        if self.used() >= (self.per_minute if allowance is None else allowance):
            raise RefusedError("certificate download limit reached", 503)
        self._started.append(self._monotonic())
        self.running = _Download(url)
        return self.running


class SigningCertificates:
    """Verified signing keys by chain URL: bounded, refreshed in place, downloads that never queue.

    A hit costs a dict lookup and a validity-window check. A key is used for
    as long as *now* is inside its chain's validity window. After ``max_age``
    its chain is downloaded and verified again, in the background: requests keep
    using the verified key meanwhile, and if the refresh fails they keep using
    it (inside the window) while a retry waits ``failure_ttl``. Failed URLs are
    remembered briefly so a flood of bad URLs cannot become a flood of downloads.

    Anyone who knows the skill id can name a new chain URL in every request, so
    downloads run in two lanes that cannot take from each other, each with one
    download at a time and ``downloads_per_minute``:

    * **known-good** URLs, those whose chain verified here before (refreshes,
      and a chain the cache dropped when it was full);
    * **unknown** URLs: a worker's first chain, and Amazon's next one. Here the
      free slot goes only to the URL the most requests have asked for lately
      (Alexa names its one URL in every request; a flood names each URL once),
      and the last ``reserved_for_wanted`` downloads of a minute only to a URL
      asked for more than once.

    A request naming the URL being downloaded shares that download; any other
    miss is refused at once (503) rather than queued. Cached keys are never
    affected by either lane.
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
        reserved_for_wanted: int = RESERVED_FOR_WANTED,
        wait_limit: float = 8.0,  # Alexa gives up after 8 s: no point waiting longer
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetcher = fetcher
        self.store = store
        self.max_entries = max_entries
        self.max_age = max_age
        self.failure_ttl = failure_ttl
        self.downloads_per_minute = downloads_per_minute
        self.reserved_for_wanted = min(reserved_for_wanted, downloads_per_minute - 1)
        self.wait_limit = wait_limit
        self.fetches = 0
        self._monotonic = monotonic
        self._good: OrderedDict[str, VerifiedChain] = OrderedDict()
        self._known: OrderedDict[str, None] = OrderedDict()
        self._bad: OrderedDict[str, tuple[float, RefusedError]] = OrderedDict()
        self._refresh_after: dict[str, float] = {}
        self._known_lane = _Lane(downloads_per_minute, monotonic)
        self._unknown_lane = _Lane(downloads_per_minute, monotonic)
        self._demand: OrderedDict[str, int] = OrderedDict()
        self._demand_since = monotonic()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lookups (lock held)

    def _usable(self, url: str, now: datetime) -> VerifiedChain | None:
        """The cached chain if *now* is inside its validity window; starts a refresh when due."""
        chain = self._good.get(url)
        if chain is None:
            return None
        if not chain.not_before <= now <= chain.not_after:
            del self._good[url]
            return None
        self._good.move_to_end(url)
        due = self._refresh_after.get(url, chain.verified_at + self.max_age)
        if self._monotonic() >= due and self._known_lane.running is None:
            self._start_refresh(url, now)
        return chain

    def _remembered_failure(self, url: str) -> None:
        failure = self._bad.get(url)
        if failure is not None:
            if self._monotonic() < failure[0]:
                raise RefusedError(failure[1].reason, failure[1].status)
            del self._bad[url]

    def _wanted(self, url: str) -> int:
        """Count one more request for an unknown URL; its count in the current minute."""
        moment = self._monotonic()
        if moment - self._demand_since >= 60.0:
            self._demand.clear()
            self._demand_since = moment
        count = self._demand.get(url, 0) + 1
        self._demand[url] = count
        if len(self._demand) > MAX_DEMAND_ENTRIES:
            # A flood of one-off URLs: forget those, never a URL many requests asked for.
            for single in [name for name, seen in self._demand.items() if seen == 1][:512]:
                del self._demand[single]
            while len(self._demand) > MAX_DEMAND_ENTRIES:
                self._demand.popitem(last=False)
        return count

    def _claim_unknown(self, url: str) -> _Download:
        """The unknown lane's free slot for ``url``, if it is the most wanted (lock held)."""
        count = self._wanted(url)
        if count < max(self._demand.values()):
            raise RefusedError("certificate download busy", 503)
        allowance = None if count > 1 else self.downloads_per_minute - self.reserved_for_wanted
        return self._unknown_lane.start(url, allowance)

    # ------------------------------------------------------------------ the public call

    def public_key(self, url: str, now: datetime) -> rsa.RSAPublicKey:
        """The verified signing key for a normalised chain URL; never waits for another URL."""
        with self._lock:
            chain = self._usable(url, now)
            if chain is not None:
                return chain.public_key
            self._remembered_failure(url)
            lane = self._known_lane if url in self._known else self._unknown_lane
            running = lane.running
            if running is not None and running.url != url:
                if lane is self._unknown_lane:
                    self._wanted(url)
                raise RefusedError("certificate download busy", 503)
            mine = running is None
            if running is None:
                running = lane.start(url) if lane is self._known_lane else self._claim_unknown(url)
        if mine:
            return self._download(lane, running, now).public_key
        running.done.wait(self.wait_limit)
        with self._lock:
            chain = self._usable(url, now)  # the shared download's result, or its failure
            if chain is None:
                self._remembered_failure(url)
        if chain is None:
            raise RefusedError("certificate chain could not be fetched")
        return chain.public_key

    # ------------------------------------------------------------------ downloads

    def _start_refresh(self, url: str, now: datetime) -> None:
        """Re-download a cached chain in the background, within the known lane (lock held)."""
        try:
            download = self._known_lane.start(url)
        except RefusedError:
            self._refresh_after[url] = self._monotonic() + self.failure_ttl
            return
        threading.Thread(
            target=self._refresh, args=(download, now), name="chain-refresh", daemon=True
        ).start()

    def _refresh(self, download: _Download, now: datetime) -> None:
        # On failure the verified key stays in use inside its window; _download set the retry.
        with suppress(RefusedError):
            self._download(self._known_lane, download, now, refresh=True)

    def _download(
        self, lane: _Lane, download: _Download, now: datetime, *, refresh: bool = False
    ) -> VerifiedChain:
        """Fetch and verify (no lock held); remember the outcome; wake those sharing it."""
        try:
            self.fetches += 1
            chain = verify_chain(self.fetcher(download.url), self.store, now)
        except RefusedError as refused:
            with self._lock:
                if refresh:
                    self._refresh_after[download.url] = self._monotonic() + self.failure_ttl
                else:
                    self._bad[download.url] = (self._monotonic() + self.failure_ttl, refused)
                    while len(self._bad) > self.max_entries:
                        self._bad.popitem(last=False)
            raise
        else:
            chain = replace(chain, verified_at=self._monotonic())
            with self._lock:
                self._good[download.url] = chain
                self._refresh_after.pop(download.url, None)
                while len(self._good) > self.max_entries:
                    self._good.popitem(last=False)
                self._known[download.url] = None
                self._known.move_to_end(download.url)
                while len(self._known) > 2 * self.max_entries:
                    self._known.popitem(last=False)
            return chain
        finally:
            with self._lock:
                lane.running = None
                self._demand.pop(download.url, None)
            download.done.set()


@dataclass
class _Download:
    """A chain download in progress in this worker, for requests naming the same URL."""

    url: str
    done: threading.Event = field(default_factory=threading.Event)
