"""Load benchmark of the web service: ``python -m bench.webservice`` (part of ``make bench``).

Three gunicorn services are started from the same config (webservice/gunicorn.conf.py)
with signature verification ON: the massage guide without memory and with its local
SQLite memory, and a hello-world skill (bench/baselines/hello_webservice.py) behind
the same factory and verifier. A bounded closed-loop load generator (one process
per connection, http.client, every request freshly signed by a throwaway test
CA) drives them in alternating rounds on 127.0.0.1 and writes requests per
second, latency percentiles and errors to docs/bench-webservice.md.

Then the certificate-download flood from the security review: a third gunicorn
downloads chains through its real urllib fetcher from a slow loopback server
(0.25 s a download, the CERT_CHAIN_ORIGIN test hook), and genuine requests are
timed alone and beside 32 attacking connections that name a new chain URL in
every request.

Not a test: it takes a minute or more. Every loop is bounded by time and count.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skill_tools.envelopes import DEFAULT_SKILL_ID, Listener, Session, timestamp
from skill_tools.loopback import ServerStartError, free_port, wait_until_up
from skill_tools.paths import REPO_ROOT
from skill_tools.testpki import CHAIN_URL_PREFIX, AlexaSigner, ChainServer, TestPKI

GUNICORN = Path(sys.executable).with_name("gunicorn")
CONFIG = "webservice/gunicorn.conf.py"
HELLO = "hello-world (flask-ask-sdk baseline)"
SKILL = "Back Massage Guide, MEMORY=off"
SKILL_SQLITE = "Back Massage Guide, SQLite memory (local default)"
# name -> (WSGI target, extra environment)
SERVICES: dict[str, tuple[str, dict[str, str]]] = {
    HELLO: ("bench.baselines.hello_webservice:create_hello_app()", {}),
    SKILL: ("webservice.wsgi:app", {"MEMORY": "off"}),
    SKILL_SQLITE: ("webservice.wsgi:app", {}),
}
FLOOD = "Back Massage Guide, MEMORY=off, chains from a slow loopback server"
FLOOD_SERVICE = {FLOOD: ("webservice.wsgi:app", {"MEMORY": "off"})}
FLOOD_CONNECTIONS = 32
CHAIN_DOWNLOAD_SECONDS = 0.25
FLOOD_P99_GOAL_MS = 50.0
BENCH_HASH_KEY = "bench-only-hash-key"
DEFAULT_OUTPUT = REPO_ROOT / "docs" / "bench-webservice.md"
MAX_REQUESTS_PER_CLIENT_ROUND = 500_000
SIGNED_POOL = 240


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


@contextmanager
def services(
    env: dict[str, str],
    logs: Path,
    extra_args: list[str],
    wanted: dict[str, tuple[str, dict[str, str]]] = SERVICES,
) -> Iterator[dict[str, int]]:
    ports: dict[str, int] = {}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, (target, extra) in wanted.items():
            port = free_port()
            log = (logs / f"{port}.log").open("wb")
            process = subprocess.Popen(
                [str(GUNICORN), "-c", CONFIG, *extra_args, target],
                cwd=REPO_ROOT,
                env={**env, **extra, "PORT": str(port)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            processes.append(process)
            try:
                wait_until_up(process, port)
            except ServerStartError as error:
                raise SystemExit(f"bench: {name}: {error} (log: {log.name})") from None
            ports[name] = port
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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


def server_errors(logs: Path) -> int:
    return sum(log.read_text(errors="replace").count("Traceback") for log in logs.glob("*.log"))


def render_flood(flood: FloodResults) -> list[str]:
    """The flood section: genuine latency alone and under attack, and the attack's answers."""
    statuses = flood.attack_statuses
    answered = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    p99 = flood.attacked.percentile(0.99)
    met = p99 < FLOOD_P99_GOAL_MS and flood.attacked.errors == 0
    lines = [
        "",
        "## Certificate-download flood",
        "",
        f"The security review's attack, on a fourth gunicorn from the same config ({CONFIG}, "
        "signature verification on, `MEMORY=off`): "
        f"{FLOOD_CONNECTIONS} attacking connections (threads of one client process, so the "
        "attack gets one of the machine's cores) each send, back to back, a request that passes "
        "every cheap check but carries `Signature-256: AAAA` and names a chain URL under "
        "`https://s3.amazonaws.com/echo.api/` never seen before. The service downloads chains "
        "with its real urllib fetcher from a loopback server that takes "
        f"{CHAIN_DOWNLOAD_SECONDS:g} s per download (the `CERT_CHAIN_ORIGIN` test hook), so "
        "every download the attack causes is a slow one. Genuine requests are the same signed "
        "sessions as above, whose chain each worker downloaded and cached before timing began; "
        f"{flood.rounds} rounds of {flood.round_seconds:g} s alone alternate with "
        f"{flood.rounds} rounds beside the attack, which starts half a second before the "
        "genuine clients.",
        "",
        "| genuine requests | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in (flood.alone, flood.attacked):
        lines.append(
            f"| {result.name} | {result.requests} | {result.rps:.0f} | "
            f"{result.percentile(0.50):.2f} | {result.percentile(0.90):.2f} | "
            f"{result.percentile(0.99):.2f} | {max(result.latencies, default=0) * 1000:.2f} | "
            f"{result.errors} |"
        )
    lines += [
        "",
        f"Attack: {sum(statuses.values())} requests in {flood.attack_seconds:g} s, answered by "
        f"status ({answered}); the chain downloads they caused: {flood.attack_downloads} (each "
        "worker starts at most 10 a minute and never more than one at a time).",
        "",
        f"Goal: genuine p99 beside {FLOOD_CONNECTIONS} attacking connections under "
        f"{FLOOD_P99_GOAL_MS:g} ms, no errors: {'met' if met else 'NOT met'} "
        f"({p99:.2f} ms, {flood.attacked.errors} errors).",
    ]
    return lines


def render(
    results: dict[str, Result],
    settings: dict[str, Any],
    log_tracebacks: int,
    flood: FloodResults,
) -> str:
    baseline, skill, sqlite = results[HELLO], results[SKILL], results[SKILL_SQLITE]
    lines = [
        "# Web service benchmark",
        "",
        "Generated by `python -m bench.webservice` (part of `make bench`); do not edit by hand.",
        "",
        f"- when: {settings['when']}",
        f"- machine: {settings['cores']} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
        f"- servers: gunicorn with `{CONFIG}`{settings['extra_args']}: {settings['workers']} "
        f"{settings['worker_class']} workers each, signature verification on (test CA via "
        "TRUST_STORE, chain via the loopback-only CERT_CHAIN_DIR hook, cached after the first "
        "request)",
        f"- load: {settings['clients']} closed-loop client processes (http.client) on "
        f"127.0.0.1, {settings['rounds']} rotating rounds of {settings['round_seconds']:g} s "
        f"per service ({settings['rounds'] * settings['round_seconds']:g} s each in total), "
        "the load generator sharing the same cores",
        "- requests: a pool of real envelopes, re-signed with fresh timestamps each round, "
        "the same for all: sessions of LaunchRequest, WhyMassageHelpsIntent, AMAZON.HelpIntent "
        "and AMAZON.StopIntent, each turn carrying the session attributes the skill returned "
        "on the turn before (so a service with memory reads once per session, as in production)",
        "",
        "| service | requests | req/s | median round req/s | p50 ms | p90 ms | p99 ms "
        "| max ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results.values():
        lines.append(
            f"| {result.name} | {result.requests} | {result.rps:.0f} | "
            f"{result.median_round_rps:.0f} | "
            f"{result.percentile(0.50):.2f} | {result.percentile(0.90):.2f} | "
            f"{result.percentile(0.99):.2f} | {max(result.latencies, default=0) * 1000:.2f} | "
            f"{result.errors} |"
        )

    def verdicts(result: Result) -> list[str]:
        base = baseline.median_round_rps
        ratio = result.median_round_rps / base if base else 0.0
        p99 = result.percentile(0.99)
        checks = [
            ("throughput at least the hello-world's", ratio >= 1.0, f"{ratio:.0%} of its median"),
            ("p99 under 5 ms", p99 < 5.0, f"{p99:.2f} ms"),
            ("zero errors", result.errors == 0, f"{result.errors}"),
        ]
        return [f"  - {goal}: {'met' if met else 'NOT met'} ({fig})" for goal, met, fig in checks]

    lines += [
        "",
        "The machine is shared (other work may run during a round), so throughput is "
        "compared on the median of the per-round rates, which one disturbed round cannot "
        "move; the all-rounds rate and the latency percentiles include every round.",
        "",
        "Goals:",
        "",
        f"- {skill.name}:",
        *verdicts(skill),
    ]
    lines += [f"- {sqlite.name}:", *verdicts(sqlite)]
    lines += render_flood(flood)
    lines += [
        "",
        f"Tracebacks in the servers' logs: {log_tracebacks}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--round-seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None, help="WEB_CONCURRENCY for gunicorn")
    parser.add_argument(
        "--flood-rounds", type=int, default=4, help="rounds alone and under the flood, each"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--gunicorn-arg",
        action="append",
        default=[],
        help="extra gunicorn argument for every service, e.g. --gunicorn-arg=--threads=2",
    )
    args = parser.parse_args(argv)
    if (
        not 1 <= args.clients <= 16
        or not 1 <= args.rounds <= 20
        or not 1 <= args.flood_rounds <= 20
    ):
        parser.error("clients must be 1..16, rounds and flood rounds 1..20")
    if not 0.5 <= args.round_seconds <= 120:
        parser.error("round seconds must be 0.5..120")

    pki = TestPKI.create()
    signer = pki.signer()
    with tempfile.TemporaryDirectory(prefix="bench-webservice-") as scratch:
        tmp = Path(scratch)
        env = pki.service_env(
            tmp,
            DEFAULT_SKILL_ID,
            SQLITE_PATH=str(tmp / "listeners.sqlite3"),
            LOG_LEVEL="warning",
            USER_ID_HASH_KEY=BENCH_HASH_KEY,
        )
        for setting in ("DYNAMODB_TABLE", "MEMORY"):  # each service sets its own memory
            env.pop(setting, None)
        if args.workers:
            env["WEB_CONCURRENCY"] = str(args.workers)
        workers = int(env.get("WEB_CONCURRENCY", str((os.cpu_count() or 1) + 1)))
        results = {name: Result(name) for name in SERVICES}
        sessions = rehearsed_sessions(SIGNED_POOL, tmp)
        with services(env, tmp, args.gunicorn_arg) as ports:
            for port in ports.values():  # warm up: first chain fetch, imports, caches
                run_round(port, signer, sessions, args.clients, 1.0)
            order = list(ports.items())
            for round_number in range(args.rounds):
                # Rotate who goes first, so no service always follows the same neighbour.
                shift = round_number % len(order)
                for name, port in order[shift:] + order[:shift]:
                    samples = run_round(port, signer, sessions, args.clients, args.round_seconds)
                    results[name].add_round(samples)
                    print(
                        f"round {round_number + 1}/{args.rounds} {name}: "
                        f"{sum(len(s.latencies) for s in samples)} ok, "
                        f"{sum(s.errors for s in samples)} errors",
                        file=sys.stderr,
                    )
        flood = run_flood(pki, signer, sessions, tmp, args=args, workers=workers)
        tracebacks = server_errors(tmp)
    settings = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "workers": workers,
        "worker_class": f"gthread ({env.get('GUNICORN_THREADS', '2')} threads)",
        "extra_args": "".join(f" `{arg}`" for arg in args.gunicorn_arg),
        "clients": args.clients,
        "rounds": args.rounds,
        "round_seconds": args.round_seconds,
    }
    report = render(results, settings, tracebacks, flood)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(report)
    print(json.dumps({name: round(r.rps) for name, r in results.items()}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
