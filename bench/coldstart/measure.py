"""Measuring: the variants, their child processes, and what each one costs.

Every number the cold-start report shows is gathered here into one
``Measurements`` per variant; ``bench.coldstart.report`` turns them into the
report and holds them against the targets.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skill_tools import dynamodb_local
from skill_tools.paths import LAMBDA_DIR, REPO_ROOT

BENCH = REPO_ROOT / "bench"
CHILD = BENCH / "child.py"
WORK = REPO_ROOT / "build" / "bench"
SKILL_TABLE = "bench-skill-memory"
SAMPLE_TABLE = "bench-sample-attributes"
CHILD_TIMEOUT = 120.0
REQUEST_KINDS = ("launch", "benefit", "next")
BOTOCORE = {"DYNAMODB_TRANSPORT": "botocore"}


@dataclass(frozen=True)
class Variant:
    """One Lambda handler module to measure, with the environment its process gets."""

    key: str
    label: str
    code_dir: Path
    module: str
    env: dict[str, str] = field(default_factory=dict)
    needs_dynamodb: bool = False
    locale: str = "en-US"
    """The listener's locale: only that language's content is loaded, so it is measured apart."""


@dataclass
class Measurements:
    """Everything measured for one variant."""

    cold_ms: list[float] = field(default_factory=list)
    import_ms: list[float] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    warm_ns: dict[str, list[int]] = field(default_factory=dict)
    speech: dict[str, str | None] = field(default_factory=dict)
    zip_bytes: int | None = None
    zip_note: str = ""


def variants(endpoint: str | None, skill_dir: Path = LAMBDA_DIR) -> list[Variant]:
    """The variants to run; the persistence ones only when DynamoDB Local is up.

    ``skill_dir`` is the folder holding lambda_function.py: lambda/ normally, or a
    patched copy when trying out a change before it lands.
    """
    baselines = BENCH / "baselines"
    found: list[Variant] = [
        Variant("b1", "Baseline 1: hello-world pattern", baselines, "hello_world"),
    ]
    if endpoint:
        found.append(
            Variant(
                "b2",
                "Baseline 2: samples' DynamoDbAdapter pattern",
                baselines,
                "persistence_sample",
                {
                    "DYNAMODB_PERSISTENCE_TABLE_NAME": SAMPLE_TABLE,
                    "DYNAMODB_PERSISTENCE_REGION": dynamodb_local.REGION,
                    "DYNAMODB_ENDPOINT": endpoint,
                },
                needs_dynamodb=True,
            )
        )
    found.append(Variant("skill", "This skill, no table", skill_dir, "lambda_function"))
    found.append(
        Variant(
            "skill_de",
            "This skill, no table, a de-DE listener",
            skill_dir,
            "lambda_function",
            locale="de-DE",
        )
    )
    if endpoint:
        table = {
            "DYNAMODB_TABLE": SKILL_TABLE,
            "DYNAMODB_ENDPOINT": endpoint,
            "USER_ID_HASH_KEY": "bench-hash-key-" + "0" * 32,
        }
        # Its own small client (credentials in the environment, as on Lambda), then botocore,
        # which it falls back to when they come from elsewhere (a profile, a role).
        for key, label, transport in (
            ("skill_ddb", "This skill, DynamoDB", {}),
            ("skill_botocore", "This skill, DynamoDB via botocore", BOTOCORE),
        ):
            found.append(
                Variant(key, label, skill_dir, "lambda_function", {**table, **transport}, True)
            )
    return found


def child_env(variant: Variant) -> dict[str, str]:
    """A Lambda-like environment: region and credentials set, no config files, nothing inherited."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        # As on Lambda: the skill then runs without memory when no table is configured.
        "AWS_LAMBDA_FUNCTION_NAME": "back-massage-guide-bench",
        "AWS_REGION": dynamodb_local.REGION,
        "AWS_DEFAULT_REGION": dynamodb_local.REGION,
        "AWS_CONFIG_FILE": str(WORK / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(WORK / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        **dynamodb_local.CREDENTIALS,
        # As on Lambda: the code folder is the task root, first on the import path.
        "LAMBDA_TASK_ROOT": str(variant.code_dir),
        "PYTHONPATH": str(variant.code_dir),
    }
    env.update(variant.env)
    return env


# ---------------------------------------------------------------- envelopes


EVENT_LOCALES = ("en-US", "de-DE")
"""en-US events are in events-*.json; every other locale's beside them as events-*-<locale>.json."""


def events_for(variant: Variant, events: Path) -> Path:
    """The events file for the variant's locale (``events`` is the en-US one)."""
    if variant.locale == EVENT_LOCALES[0]:
        return events
    return events.with_name(f"{events.stem}-{variant.locale}{events.suffix}")


def write_events(directory: Path, copies: int = 16) -> tuple[Path, Path]:
    """Cold events (one launch) and warm events (many distinct envelopes per kind) as JSON files.

    Returns the en-US files; :func:`events_for` finds another locale's beside them.
    """
    written = [_write_events(directory, copies, locale) for locale in EVENT_LOCALES]
    return written[0]


def _write_events(directory: Path, copies: int, locale: str) -> tuple[Path, Path]:
    from skill_tools.envelopes import Listener, Session, Slot

    listener = Listener(device="show", access_token="Atza|" + "IwEBI" * 70, locale=locale)

    def benefit(session: Session) -> dict[str, Any]:
        slot = Slot("my posture", "posture", "posture")
        return session.intent("BenefitIntent", {"benefit": slot}, {"benefit": "BenefitType"})

    warm: dict[str, Any] = {
        "launch": [Session(listener).launch() for _ in range(copies)],
        "benefit": [benefit(Session(listener, new=False)) for _ in range(copies)],
        "start_tour": Session(listener, new=False).intent("StartTourIntent"),
        "next": [Session(listener, new=False).intent("AMAZON.NextIntent") for _ in range(copies)],
    }
    cold = {"launch": [Session(listener).launch()]}
    directory.mkdir(parents=True, exist_ok=True)
    suffix = "" if locale == EVENT_LOCALES[0] else f"-{locale}"
    cold_path = directory / f"events-cold{suffix}.json"
    warm_path = directory / f"events-warm{suffix}.json"
    cold_path.write_text(json.dumps(cold), encoding="utf-8")
    warm_path.write_text(json.dumps(warm), encoding="utf-8")
    return cold_path, warm_path


# ---------------------------------------------------------------- child processes


def _command(variant: Variant, mode: str, events: Path, *extra: str) -> list[str]:
    """The child's command line; -P keeps bench/ off its path (see bench/child.py)."""
    return [
        sys.executable,
        "-P",
        str(CHILD),
        mode,
        variant.module,
        "lambda_handler",
        str(events_for(variant, events)),
        *extra,
    ]


def run_cold(variant: Variant, events: Path) -> tuple[float, int, dict[str, Any]]:
    """One fresh process: wall ms from spawn to its answer line, its peak RSS (KiB), its report."""
    command = _command(variant, "cold", events)
    env = child_env(variant)
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=WORK,
        bufsize=0,  # unbuffered: readline takes only the first line, communicate gets the rest
    )
    if process.stdout is None:  # pragma: no cover - PIPE always gives a stream
        raise RuntimeError("no stdout pipe")
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=CHILD_TIMEOUT)
        line = process.stdout.readline() if ready else b""
    elapsed_ms = (time.perf_counter() - started) * 1000
    try:
        rest, errors = process.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        rest, errors = process.communicate()
    stderr = errors.decode(errors="replace")
    if process.returncode != 0 or not line:
        raise RuntimeError(
            f"{variant.key} cold run failed ({process.returncode}): {stderr[-2000:]}"
        )
    report = json.loads(line)
    if not report.get("speech"):
        raise RuntimeError(f"{variant.key} answered the launch without speech: {report}")
    peak = json.loads(rest.decode().strip().splitlines()[-1])["hwm_kib"]
    return elapsed_ms, int(peak), report


def run_child(variant: Variant, mode: str, events: Path, *extra: str) -> Any:
    """A child in warm or profile mode; its one JSON line."""
    proc = subprocess.run(
        _command(variant, mode, events, *extra),
        capture_output=True,
        env=child_env(variant),
        cwd=WORK,
        timeout=1800,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{variant.key} {mode} run failed: {proc.stderr.decode()[-2000:]}")
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def import_profile(variant: Variant, events: Path, top: int) -> list[tuple[float, float, str]]:
    """``python -X importtime``: top imports by cumulative time, as (self, cumulative ms, name)."""
    command = [sys.executable, "-X", "importtime", *_command(variant, "cold", events)[1:]]
    proc = subprocess.run(
        command, capture_output=True, env=child_env(variant), cwd=WORK, timeout=120, check=False
    )
    rows: list[tuple[float, float, str]] = []
    for line in proc.stderr.decode().splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:") :].split("|")
        try:
            own, cumulative = int(parts[0]), int(parts[1])
        except ValueError:
            continue
        rows.append((own / 1000, cumulative / 1000, parts[2].rstrip()))
    return sorted(rows, key=lambda row: row[1], reverse=True)[:top]


def own_import_totals(rows: Sequence[tuple[float, float, str]]) -> dict[str, float]:
    """Self import time grouped by top-level package, from a full importtime listing."""
    totals: dict[str, float] = {}
    for own, _cumulative, name in rows:
        top = name.strip().split(".", 1)[0]
        totals[top] = totals.get(top, 0.0) + own
    return dict(sorted(totals.items(), key=lambda item: item[1], reverse=True))


def full_import_rows(variant: Variant, events: Path) -> list[tuple[float, float, str]]:
    return import_profile(variant, events, top=100_000)


# ---------------------------------------------------------------- zip sizes


def zip_sizes(measured: dict[str, Measurements]) -> None:
    """Build each variant's deployment zip the way skill_tools.lambda_zip builds ours.

    Baselines get a zip of their single module as lambda_function.py plus the
    same pinned runtime requirements; baseline 2 also carries the pure-Python
    ask_sdk_dynamodb package (boto3 is left out, as Lambda provides it).
    """
    try:
        from skill_tools.lambda_zip import build_lambda_zip
    except ImportError as error:  # packaging module missing: say so, do not guess
        for item in measured.values():
            item.zip_note = f"N/A ({error})"
        return
    sources = {
        "b1": [BENCH / "baselines" / "hello_world.py"],
        "b2": [BENCH / "baselines" / "persistence_sample.py"],
    }
    built: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-zip-") as tmp:
        for key, item in measured.items():
            if key.startswith("skill"):
                if "skill" not in built:
                    built["skill"] = build_lambda_zip(WORK / "lambda.zip").size
                item.zip_bytes = built["skill"]
                item.zip_note = "skill_tools.lambda_zip.build_lambda_zip"
                continue
            src = Path(tmp) / key
            src.mkdir()
            shutil.copyfile(sources[key][0], src / "lambda_function.py")
            if key == "b2":
                import ask_sdk_dynamodb

                package = Path(ask_sdk_dynamodb.__file__).parent
                shutil.copytree(package, src / "ask_sdk_dynamodb")
            item.zip_bytes = build_lambda_zip(WORK / f"{key}.zip", lambda_src=src).size
            item.zip_note = "same builder, baseline module + its deps (boto3 provided by Lambda)"


# ---------------------------------------------------------------- the measuring steps


@contextmanager
def dynamodb(enabled: bool, notes: list[str]) -> Iterator[dynamodb_local.DynamoDBLocal | None]:
    """DynamoDB Local with both benchmark tables when asked for; otherwise None and a note."""
    if not enabled:
        notes.append("Persistence variants skipped (--no-dynamodb).")
        yield None
        return
    with dynamodb_local.DynamoDBLocal().start() as local:
        local.create_table(SAMPLE_TABLE, "id")
        local.create_table(SKILL_TABLE, "id")
        yield local


Log = Callable[[str], None]


def measure_cold(
    chosen: Sequence[Variant],
    measured: dict[str, Measurements],
    events: Path,
    *,
    runs: int,
    log: Log,
) -> None:
    """Cold starts, interleaved round by round so drift on the machine hits every variant alike."""
    log("warming bytecode caches and creating the listener's records ...")
    for variant in chosen:
        run_cold(variant, events)  # discarded: compiles .pyc, first-visit write
    log(f"cold start: {runs} rounds x {len(chosen)} variants, interleaved")
    for round_index in range(runs):
        offset = round_index % len(chosen)
        for variant in [*chosen[offset:], *chosen[:offset]]:
            elapsed, rss, child = run_cold(variant, events)
            item = measured[variant.key]
            item.cold_ms.append(elapsed)
            item.rss_kib.append(rss)
            item.import_ms.append(child["import_ms"])
            item.first_ms.append(child["first_ms"])
            item.speech["launch"] = child["speech"]


def measure_warm(
    chosen: Sequence[Variant],
    measured: dict[str, Measurements],
    events: Path,
    *,
    iterations: int,
    processes: int,
    log: Log,
) -> None:
    """Warm latency per request kind, over many short processes, interleaved round by round.

    This machine's speed drifts over seconds (shared cores): short rounds in a
    rotating order let the drift hit every variant alike, as for cold starts.
    Every kind must be answered.
    """
    log(f"warm latency: {processes} rounds x {len(chosen)} variants x {iterations} calls per kind")
    for round_index in range(processes):
        offset = round_index % len(chosen)
        for variant in [*chosen[offset:], *chosen[:offset]]:
            out = run_child(variant, "warm", events, str(iterations))
            item = measured[variant.key]
            for kind in REQUEST_KINDS:
                item.warm_ns.setdefault(kind, []).extend(out[kind])
                if not out["speech"].get(kind):
                    raise RuntimeError(f"{variant.key} gave no speech for {kind}")


def where_time_goes(
    chosen: Sequence[Variant], events: Path, *, top: int, log: Log
) -> dict[str, dict[str, Any]]:
    """For this skill's variants: its imports (importtime) and its first request (cProfile)."""
    log("where the time goes: importtime and cProfile of the first request")
    where: dict[str, dict[str, Any]] = {}
    for variant in chosen:
        if not variant.key.startswith("skill"):
            continue
        rows = full_import_rows(variant, events)
        where[variant.key] = {
            "imports": sorted(rows, key=lambda row: row[1], reverse=True)[:top],
            "groups": own_import_totals(rows),
            "profile": run_child(variant, "profile", events, str(top)),
        }
    return where
