"""The certificate-download flood from the security review, against a real gunicorn.

Genuine requests are timed alone and beside connections that name a new chain
URL in every request, while the service downloads chains from a slow loopback
server (the CERT_CHAIN_ORIGIN test hook).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.webservice.load import MAX_REQUESTS_PER_CLIENT_ROUND, Result, Sample, run_round
from bench.webservice.services import BENCH_HASH_KEY, services
from skill_tools.envelopes import DEFAULT_SKILL_ID, Listener, Session
from skill_tools.testpki import CHAIN_URL_PREFIX, AlexaSigner, ChainServer, TestPKI

FLOOD = "Back Massage Guide, MEMORY=off, chains from a slow loopback server"
FLOOD_SERVICE = {FLOOD: ("webservice.wsgi:app", {"MEMORY": "off"})}
FLOOD_CONNECTIONS = 32
CHAIN_DOWNLOAD_SECONDS = 0.25
FLOOD_P99_GOAL_MS = 50.0


def attack_loop(port: int, seconds: float, connections: int, results: Any) -> None:
    """The review's attack: each connection sends, back to back, requests that pass the
    cheap checks, carry a junk signature and name a chain URL never seen before.

    One process, one thread per connection (an attacker's cores are its own; here
    they are the service's, so the flood gets one). Bounded by time and count.
    """
    envelope = Session(Listener(skill_id=DEFAULT_SKILL_ID)).launch()
    body = json.dumps(envelope, separators=(",", ":")).encode()
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def connection_loop(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        sent = 0
        while time.perf_counter() < deadline and sent < MAX_REQUESTS_PER_CLIENT_ROUND:
            sent += 1
            headers = {
                "Content-Type": "application/json",
                "Signature-256": "AAAA",
                "SignatureCertChainUrl": f"{CHAIN_URL_PREFIX}flood-{os.getpid()}-{number}-{sent}",
            }
            try:
                connection.request("POST", "/", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = str(response.status)
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                status = "no answer"
            with lock:
                statuses[status] += 1
        connection.close()

    threads = [threading.Thread(target=connection_loop, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    results.put(dict(statuses))


def run_flood_round(
    port: int,
    signer: AlexaSigner,
    sessions: list[dict[str, Any]],
    *,
    clients: int,
    seconds: float,
    connections: int,
) -> tuple[list[Sample], Counter[str]]:
    """Genuine clients for ``seconds`` while the attack runs from half a second before."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    attacker = context.Process(target=attack_loop, args=(port, seconds + 1.0, connections, queue))
    attacker.start()
    time.sleep(0.5)  # the flood is on before the first genuine request
    samples = run_round(port, signer, sessions, clients, seconds)
    statuses = Counter(queue.get(timeout=seconds + 60))
    attacker.join(timeout=30)
    return samples, statuses


@dataclass
class FloodResults:
    """Genuine requests timed alone and beside the attack, and what the attack did:
    its answers by HTTP status and the chain downloads it caused."""

    alone: Result
    attacked: Result
    rounds: int
    round_seconds: float
    attack_statuses: Counter[str] = field(default_factory=Counter)
    attack_downloads: int = 0
    attack_seconds: float = 0.0


def run_flood(
    pki: TestPKI,
    signer: AlexaSigner,
    sessions: list[dict[str, Any]],
    scratch: Path,
    *,
    args: argparse.Namespace,
    workers: int,
) -> FloodResults:
    """The review's certificate-download flood against a real gunicorn, verification on."""
    results = FloodResults(
        alone=Result("genuine requests alone"),
        attacked=Result(f"genuine requests beside {FLOOD_CONNECTIONS} attacking connections"),
        rounds=args.flood_rounds,
        round_seconds=args.round_seconds,
    )
    with ChainServer.running(scratch / "chains", CHAIN_DOWNLOAD_SECONDS) as chains:
        env = pki.service_env(
            scratch,
            DEFAULT_SKILL_ID,
            chain_origin=chains.origin,
            LOG_LEVEL="warning",
            USER_ID_HASH_KEY=BENCH_HASH_KEY,
        )
        env.pop("DYNAMODB_TABLE", None)
        env["WEB_CONCURRENCY"] = str(workers)
        with services(env, scratch, args.gunicorn_arg, FLOOD_SERVICE) as ports:
            port = ports[FLOOD]
            for _ in range(20):  # until every worker has downloaded and cached Alexa's chain
                run_round(port, signer, sessions, 2 * workers, 0.5)
                if chains.downloads >= workers:
                    break
            for round_number in range(args.flood_rounds):
                samples = run_round(port, signer, sessions, args.clients, args.round_seconds)
                results.alone.add_round(samples)
                before = chains.downloads
                samples, statuses = run_flood_round(
                    port,
                    signer,
                    sessions,
                    clients=args.clients,
                    seconds=args.round_seconds,
                    connections=FLOOD_CONNECTIONS,
                )
                results.attacked.add_round(samples)
                results.attack_statuses.update(statuses)
                results.attack_downloads += chains.downloads - before
                results.attack_seconds += args.round_seconds + 1.0
                print(
                    f"flood round {round_number + 1}/{args.flood_rounds}: genuine "
                    f"{sum(len(s.latencies) for s in samples)} ok, "
                    f"{sum(s.errors for s in samples)} errors; attack {dict(statuses)}",
                    file=sys.stderr,
                )
    return results
