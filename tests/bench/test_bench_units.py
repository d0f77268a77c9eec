"""The bench's own helpers: percentiles, budgets, JSON writing, group selection, CLI errors."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench import registry
from bench.harness import BenchError, paired, percentile, sample, summarise
from bench.report import Budget, Figure, document, write_json

ROOT = Path(__file__).resolve().parents[2]


@given(st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=200),
       st.floats(min_value=0, max_value=100))
def test_percentile_is_an_observed_value_in_order(samples, p):
    value = percentile(samples, p)
    assert value in samples
    assert min(samples) <= value <= max(samples)
    assert percentile(samples, 50) <= percentile(samples, 95) <= percentile(samples, 99)


def test_percentile_nearest_rank_examples():
    data = list(range(1, 101))
    assert percentile(data, 50) == 50
    assert percentile(data, 95) == 95
    assert percentile(data, 99) == 99
    assert percentile(data, 100) == 100
    assert percentile([7], 99) == 7


@pytest.mark.parametrize("samples, p", [([], 50), ([1.0], -1), ([1.0], 101)])
def test_percentile_refuses_bad_input(samples, p):
    with pytest.raises(BenchError):
        percentile(samples, p)


def test_summarise_scales_nanoseconds_to_milliseconds():
    s = summarise([1_000_000] * 98 + [5_000_000, 9_000_000])
    assert (s.median, s.p95, s.p99, s.count) == (1.0, 1.0, 5.0, 100)


def test_sample_and_paired_count_and_refuse_nothing():
    calls = []
    assert len(sample(lambda: calls.append(1), 5, warmup=2)) == 5
    assert len(calls) == 7
    mine, base, cpu = paired(lambda a: a, lambda a: a, [1, 2, 3])
    assert len(mine) == len(base) == len(cpu) == 3
    with pytest.raises(BenchError):
        sample(lambda: None, 0)
    with pytest.raises(BenchError):
        paired(lambda a: a, lambda a: a, [])


def test_budget_verdicts():
    fig = Figure("x", "ms", 1.0, 2.0, 3.0, budget=Budget("p99", 5.0))
    assert fig.within_budget is True
    assert Figure("x", "ms", 1.0, 2.0, 6.0, budget=Budget("p99", 5.0)).within_budget is False
    assert Figure("x", "rows/s", 10.0, budget=Budget("median", 5.0, above=True)).within_budget is True
    assert Figure("x", "s", 1.0).within_budget is None
    assert Figure("x", "s", 1.0, budget=Budget("p99", 5.0)).within_budget is None  # no p99 measured
    with pytest.raises(BenchError):
        Budget("p50", 1.0)


def test_json_document_round_trips(tmp_path):
    figs = [Figure("a", "ms", 1.0, 2.0, 3.0, "base", 0.5, Budget("p95", 30.0)), Figure("b", "MB", 12.5)]
    path = tmp_path / "deep" / "out.json"
    write_json(path, document(1000, figs, {"nproc": 2}))
    doc = json.loads(path.read_text())
    assert doc["skus"] == 1000
    assert doc["figures"][0]["budget"] == "p95 < 30 ms" and doc["figures"][0]["within_budget"] is True
    assert doc["figures"][1]["p95"] is None and doc["figures"][1]["baseline"] is None


def test_json_to_an_unwritable_place_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BenchError, match="cannot write"):
        write_json(blocker / "out.json", {"skus": 1, "figures": []})


def test_group_selection():
    names = [g.name for g in registry.groups()]
    assert names[-1] == "memory" and names[0] == "sync"
    assert [g.name for g in registry.select(["lookup,pricing"])] == ["lookup", "pricing"]
    assert [g.name for g in registry.select([])] == names
    with pytest.raises(BenchError, match="unknown figure group nope"):
        registry.select(["nope"])


@pytest.mark.parametrize("args, message", [
    (["--skus", "5"], "--skus must be from"),
    (["--only", "nope"], "unknown figure group"),
    (["--events", "0"], "--events must be from"),
])
def test_cli_refuses_bad_arguments(args, message):
    done = subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_lists_groups():
    done = subprocess.run([sys.executable, "-m", "bench", "--list"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0
    assert "sync" in done.stdout and "memory" in done.stdout
