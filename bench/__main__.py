"""`python -m bench`: cold start beside the ASK SDK baselines (see bench/coldstart/)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import coldstart
from skill_tools.paths import LAMBDA_DIR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per variant")
    parser.add_argument(
        "--iterations", type=int, default=300, help="warm calls per kind and process"
    )
    parser.add_argument("--warm-processes", type=int, default=10)
    parser.add_argument("--no-dynamodb", action="store_true", help="skip persistence variants")
    parser.add_argument("--no-zip", action="store_true", help="skip building deployment zips")
    parser.add_argument("--quick", action="store_true", help="3 runs, 200 calls: a smoke run")
    parser.add_argument("--report", type=Path, default=coldstart.REPORT)
    parser.add_argument(
        "--skill-dir",
        type=Path,
        default=LAMBDA_DIR,
        help="folder with lambda_function.py (e.g. a patched copy) instead of lambda/",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.iterations, args.warm_processes = 3, 200, 1
    coldstart.run(
        runs=args.runs,
        iterations=args.iterations,
        warm_processes=args.warm_processes,
        with_dynamodb=not args.no_dynamodb,
        with_zip=not args.no_zip,
        report=args.report,
        skill_dir=args.skill_dir.resolve(),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
