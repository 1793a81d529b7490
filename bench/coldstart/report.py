"""Reporting: the measurements as docs/bench-coldstart.md, held against the targets.

The targets live in one table, ``TARGETS``; the report's "Targets" section and
the MET/MISS lines ``make bench`` prints are both read from it, so a limit is
written once and every label that names it is derived from it.
"""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.coldstart.measure import REQUEST_KINDS, Measurements, Variant
from skill_tools.paths import REPO_ROOT

TEMPLATE = REPO_ROOT / "infrastructure" / "skill-stack.yaml"


@dataclass(frozen=True)
class Target:
    """A limit a measured figure is held to, and how the two are written."""

    measured: str  # what, e.g. "cold start, no table"; "{kind}" is filled per request kind
    limit: float
    unit: str  # written after numbers: " x", " MiB", " MB"
    against: str = ""  # what a ratio is taken against, e.g. "baseline 1"
    strictly_below: bool = False  # "<" rather than "<="
    digits: int = 2  # decimals in the measured figure

    def label(self, **names: str) -> str:
        operator = "<" if self.strictly_below else "<="
        against = f" {self.against}" if self.against else ""
        return f"{self.measured.format(**names)} {operator} {self.limit:g}{self.unit}{against}"

    def met_by(self, value: float) -> bool:
        return value < self.limit if self.strictly_below else value <= self.limit

    def figure(self, value: float) -> str:
        return f"{value:.{self.digits}f}{self.unit}"


TARGETS: dict[str, Target] = {
    "cold_ddb_vs_b2": Target("cold start with persistence", 0.75, " x", "baseline 2"),
    "cold_nodb_vs_b1": Target("cold start, no table", 1.1, " x", "baseline 1"),
    "cold_de_vs_b1": Target("cold start, a de-DE listener", 1.1, " x", "baseline 1"),
    "warm_p50_vs_b1": Target("warm p50 {kind}", 0.7, " x", "baseline 1"),
    "rss_mib": Target("peak RSS with persistence", 64, " MiB", strictly_below=True, digits=1),
    "zip_mb": Target("deployment zip", 5, " MB", strictly_below=True),
}


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
    """Each target that the variants run can answer, in the table's order."""
    values: list[tuple[str, float, dict[str, str]]] = []
    b1, b2 = measured.get("b1"), measured.get("b2")
    skill, skill_ddb = measured.get("skill"), measured.get("skill_ddb")
    skill_de = measured.get("skill_de")
    if skill_ddb and b2:
        ratio = statistics.median(skill_ddb.cold_ms) / statistics.median(b2.cold_ms)
        values.append(("cold_ddb_vs_b2", ratio, {}))
    if skill and b1:
        ratio = statistics.median(skill.cold_ms) / statistics.median(b1.cold_ms)
        values.append(("cold_nodb_vs_b1", ratio, {}))
        for kind in REQUEST_KINDS:
            ratio = percentile(skill.warm_ns[kind], 0.5) / percentile(b1.warm_ns[kind], 0.5)
            values.append(("warm_p50_vs_b1", ratio, {"kind": kind}))
    if skill_de and b1:
        ratio = statistics.median(skill_de.cold_ms) / statistics.median(b1.cold_ms)
        values.append(("cold_de_vs_b1", ratio, {}))
    if skill_ddb:
        values.append(("rss_mib", max(skill_ddb.rss_kib) / 1024, {}))
    if skill and skill.zip_bytes is not None:
        values.append(("zip_mb", skill.zip_bytes / 1e6, {}))
    return [
        Outcome(TARGETS[key].label(**names), TARGETS[key].figure(value), TARGETS[key].met_by(value))
        for key, value, names in values
    ]


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


def botocore_notes(variants_run: Sequence[Variant], where: dict[str, Any]) -> list[str]:
    """What botocore cost the first request, in each variant of this skill that loaded it."""
    notes = []
    for variant in variants_run:
        groups = where.get(variant.key, {}).get("groups", {})
        if "botocore" not in groups:
            continue
        aws = sum(groups.get(name, 0.0) for name in ("botocore", "urllib3", "jmespath"))
        notes.append(
            f"{variant.label}: the first request imports botocore and builds its client: "
            f"{aws:.0f} ms of import self time in botocore, urllib3 and jmespath alone (see its "
            "importtime table above), before its model files are loaded."
        )
    return notes


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
        f"warm latency over {settings['warm_processes']} processes per variant x "
        f"{settings['iterations']} calls per request kind, interleaved.",
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
        "- **This skill, DynamoDB** signs its calls with its own small client, as it does "
        "whenever the credentials are in the environment (always, on Lambda); **via botocore** "
        "is the same skill with `DYNAMODB_TRANSPORT=botocore`, the client it falls back to "
        "when they come from anywhere else (a profile, an instance role).",
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
        "- **Zip**: the skill's zip is `skill_tools.lambda_zip.build_lambda_zip`; the baselines' "
        "are built by the same function from their module plus the same pinned runtime "
        "requirements (baseline 2 adds the pure-Python `ask_sdk_dynamodb` package; boto3 is "
        "provided by the Lambda runtime for everyone).",
        "",
        "## Where the remaining time goes",
        "",
    ]
    parts += where_sections(variants_run, where)
    parts += ["", "## SnapStart", "", snapstart_note(), ""]
    notes = [*notes, *botocore_notes(variants_run, where)]
    if notes:
        parts += ["## Notes", "", *[f"- {note}" for note in notes], ""]
    text = "\n".join(parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def where_sections(variants_run: Sequence[Variant], where: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for variant in variants_run:
        info = where.get(variant.key)
        if not info:
            continue
        lines += [
            f"### {variant.label}: imports (`python -X importtime`, one run)",
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
            f"### {variant.label}: first LaunchRequest after import (cProfile, one run)",
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
