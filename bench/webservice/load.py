"""The load: rehearsed sessions, signed afresh each round, sent by closed-loop client processes.

One round is a fixed number of client processes (fork), each keeping one
connection busy for a fixed time; what they saw adds up into a Result per service.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.webservice.services import BENCH_HASH_KEY
from skill_tools.envelopes import DEFAULT_SKILL_ID, Listener, Session, timestamp
from skill_tools.testpki import AlexaSigner

MAX_REQUESTS_PER_CLIENT_ROUND = 500_000


@dataclass
class Sample:
    """What one client process saw in one round."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0


@dataclass
class Result:
    """One service across all rounds."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    round_rps: list[float] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        self.latencies.extend(sample.latencies)
        self.errors += sample.errors

    def add_round(self, samples: list[Sample]) -> None:
        """One round's client samples, and the round's rate."""
        for sample in samples:
            self.add(sample)
        elapsed = max(sample.elapsed for sample in samples)
        self.seconds += elapsed
        done = sum(len(sample.latencies) for sample in samples)
        self.round_rps.append(done / elapsed if elapsed else 0.0)

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def median_round_rps(self) -> float:
        """Robust to a round that another process on the machine slowed down."""
        return statistics.median(self.round_rps) if self.round_rps else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def rehearsed_sessions(size: int, scratch: Path) -> list[dict[str, Any]]:
    """Whole sessions as Alexa sends them: launch, a question, help, stop.

    Each turn carries the session attributes the skill returned on the turn
    before (rehearsed once, in this process, on a scratch store), as the Alexa
    service does. A service with memory then reads once per session and writes
    only when something changed, as it would in production; without the
    rehearsal every request would look like the first of a new session.
    """
    os.environ["SQLITE_PATH"] = str(scratch / "rehearsal.sqlite3")
    os.environ.setdefault("USER_ID_HASH_KEY", BENCH_HASH_KEY)
    from lambda_function import lambda_handler  # after the store is chosen

    pool: list[dict[str, Any]] = []
    while len(pool) < size:
        session = Session(Listener(skill_id=DEFAULT_SKILL_ID))
        for intent in (None, "WhyMassageHelpsIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent"):
            envelope = session.launch() if intent is None else session.intent(intent)
            pool.append(envelope)
            session.update(lambda_handler(json.loads(json.dumps(envelope)), None))
    return pool[:size]


def signed_pool(
    signer: AlexaSigner, sessions: list[dict[str, Any]]
) -> list[tuple[bytes, dict[str, str]]]:
    """The rehearsed turns, freshly timestamped and signed for this round."""
    signed = []
    for envelope in sessions:
        envelope["request"]["timestamp"] = timestamp()
        signed.append(signer.sign(envelope))
    return signed


def client_loop(
    port: int,
    pool: list[tuple[bytes, dict[str, str]]],
    seconds: float,
    offset: int,
    results: Any,
) -> None:
    """One closed-loop connection: send, wait, record; bounded by time and count."""
    sample = Sample()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    start = time.perf_counter()
    deadline = start + seconds
    index = offset
    while time.perf_counter() < deadline and index - offset < MAX_REQUESTS_PER_CLIENT_ROUND:
        body, headers = pool[index % len(pool)]
        index += 1
        began = time.perf_counter()
        try:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            ok = response.status == 200 and b'"response"' in payload
            if response.will_close:
                connection.close()
        except (OSError, http.client.HTTPException):
            connection.close()
            ok = False
        if ok:
            sample.latencies.append(time.perf_counter() - began)
        else:
            sample.errors += 1
    sample.elapsed = time.perf_counter() - start
    connection.close()
    results.put(sample)


def run_round(
    port: int,
    signer: AlexaSigner,
    sessions: list[dict[str, Any]],
    clients: int,
    seconds: float,
) -> list[Sample]:
    pool = signed_pool(signer, sessions)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [
        context.Process(target=client_loop, args=(port, pool, seconds, n * 17, queue))
        for n in range(clients)
    ]
    for worker in workers:
        worker.start()
    samples = [queue.get(timeout=seconds + 60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    return samples
