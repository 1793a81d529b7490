"""The cold-start benchmark: targets read from one table, and a one-round run end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import coldstart
from bench.coldstart.measure import Measurements, variants
from bench.coldstart.report import TARGETS, Target, botocore_notes, outcomes


def measured(
    *, b1_cold: float, b2_cold: float, skill_cold: float, ddb_cold: float, rss_mib: float
) -> dict[str, Measurements]:
    warm = {"launch": [100], "benefit": [200], "next": [300]}
    faster = {kind: [samples[0] // 2] for kind, samples in warm.items()}
    return {
        "b1": Measurements(cold_ms=[b1_cold], warm_ns=warm),
        "b2": Measurements(cold_ms=[b2_cold], warm_ns=warm),
        "skill": Measurements(cold_ms=[skill_cold], warm_ns=faster, zip_bytes=4_200_000),
        "skill_ddb": Measurements(cold_ms=[ddb_cold], rss_kib=[int(rss_mib * 1024)]),
    }


def test_every_target_is_reported_with_a_label_from_the_table() -> None:
    found = outcomes(measured(b1_cold=100, b2_cold=200, skill_cold=110, ddb_cold=150, rss_mib=64))
    assert [(o.name, o.figure, o.met) for o in found] == [
        ("cold start with persistence <= 0.75 x baseline 2", "0.75 x", True),
        ("cold start, no table <= 1.1 x baseline 1", "1.10 x", True),
        ("warm p50 launch <= 0.7 x baseline 1", "0.50 x", True),
        ("warm p50 benefit <= 0.7 x baseline 1", "0.50 x", True),
        ("warm p50 next <= 0.7 x baseline 1", "0.50 x", True),
        ("peak RSS with persistence < 64 MiB", "64.0 MiB", False),  # strictly below
        ("deployment zip < 5 MB", "4.20 MB", True),
    ]


def test_a_limit_changed_in_the_table_changes_label_and_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(
        TARGETS, "cold_nodb_vs_b1", Target("cold start, no table", 1.05, " x", "baseline 1")
    )
    found = outcomes(measured(b1_cold=100, b2_cold=200, skill_cold=110, ddb_cold=150, rss_mib=30))
    assert ("cold start, no table <= 1.05 x baseline 1", "1.10 x", False) in [
        (o.name, o.figure, o.met) for o in found
    ]


def test_targets_without_their_variants_are_left_out() -> None:
    only_skill = {"skill": Measurements(cold_ms=[50], warm_ns={"launch": [1]})}
    assert outcomes(only_skill) == []


@pytest.mark.subprocess
def test_with_dynamodb_the_skill_runs_on_both_transports_and_botocore_is_accounted_for() -> None:
    chosen = variants("http://127.0.0.1:8000")
    keys = [v.key for v in chosen]
    assert keys == ["b1", "b2", "skill", "skill_de", "skill_ddb", "skill_botocore"]
    own, botocore = chosen[4], chosen[5]
    assert "DYNAMODB_TRANSPORT" not in own.env
    assert botocore.env == {**own.env, "DYNAMODB_TRANSPORT": "botocore"}
    where = {
        "skill_ddb": {"groups": {"ask_sdk_model": 31.0, "http": 2.0}},
        "skill_botocore": {"groups": {"botocore": 20.0, "urllib3": 10.4, "jmespath": 1.0}},
    }
    notes = botocore_notes(chosen, where)
    assert len(notes) == 1
    assert notes[0].startswith("This skill, DynamoDB via botocore: the first request imports")
    assert "31 ms of import self time" in notes[0]


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_one_round_run_measures_both_variants_and_writes_the_report(tmp_path: Path) -> None:
    report, results = tmp_path / "bench-coldstart.md", tmp_path / "latest.json"
    said: list[str] = []
    found = coldstart.run(
        runs=1,
        iterations=20,
        warm_processes=1,
        with_dynamodb=False,
        with_zip=False,
        report=report,
        results=results,
        top=3,
        log=said.append,
    )
    assert set(found) == {"b1", "skill", "skill_de"}
    for item in found.values():
        assert len(item.cold_ms) == 1 and item.cold_ms[0] > 0
        assert item.speech["launch"]
        assert all(len(item.warm_ns[kind]) == 20 for kind in ("launch", "benefit", "next"))
    text = report.read_text()
    assert "| Baseline 1: hello-world pattern |" in text and "| This skill, no table |" in text
    assert "| This skill, no table, a de-DE listener |" in text
    assert "cold start, a de-DE listener" in text
    assert "| cold start, no table <= 1.1 x baseline 1 |" in text
    assert "Persistence variants skipped (--no-dynamodb)." in text
    assert set(json.loads(results.read_text())) == {"b1", "skill", "skill_de"}
    assert any(line.startswith(("MET ", "MISS ")) for line in said)
