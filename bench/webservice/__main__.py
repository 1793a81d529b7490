"""Load benchmark of the web service: ``python -m bench.webservice`` (part of ``make bench``).

The command: the services in rotating rounds, then the flood, then the report
(the package docstring says what each measures).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.webservice.flood import run_flood
from bench.webservice.load import Result, rehearsed_sessions, run_round
from bench.webservice.report import render
from bench.webservice.services import BENCH_HASH_KEY, SERVICES, server_errors, services
from skill_tools.envelopes import DEFAULT_SKILL_ID
from skill_tools.paths import REPO_ROOT
from skill_tools.testpki import TestPKI

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "bench-webservice.md"
SIGNED_POOL = 240


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.webservice", description=__doc__.splitlines()[0]
    )
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
