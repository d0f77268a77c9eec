"""``python -m bench`` on a small catalogue: it runs end to end and writes its JSON.

Timing is never asserted (the bench reports, CI does not judge speed); what is checked
is that every figure group still runs against the real central, agent and store, and
that the JSON file has the shape runs are compared by.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("name", "unit", "median", "p95", "p99", "baseline", "baseline_median")
EXPECTED = {"sync.initial.total", "sync.initial.rate", "sync.snapshot.build", "sync.initial.pages", "sync.snapshot.rebuild", "sync.price_delta", "lookup.barcode", "search.as_you_type",
            "pricing.cart_100_lines_50_promos", "sales.commit", "sales.push", "sales.commit_during_sync",
            "store.size", "memory.central_server", "memory.sync_agent_initial_sync", "memory.bench_process",
            "pos.first_frame", "kiosk.first_frame", "pos.scan_to_line", "kiosk.search_keystroke",
            "pos.stall_during_sync", "kiosk.stall_during_sync"}
LATENCIES = {"lookup.barcode", "search.as_you_type", "pricing.cart_100_lines_50_promos", "sales.commit",
             "sales.commit_during_sync", "pos.scan_to_line", "kiosk.search_keystroke"}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "figures.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--skus", "2000", "--events", "200", "--samples", "500",
                           "--delta-rows", "500", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=480)
    return done, out


def test_the_command_runs_every_group(run):
    done, _ = run
    assert done.returncode == 0, done.stderr[-3000:]
    for group in ("sync", "lookup", "pricing", "sales", "apps", "memory"):
        assert f"== {group}:" in done.stdout
    assert "baseline:" in done.stdout


def test_the_json_has_the_comparable_shape(run):
    done, out = run
    assert done.returncode == 0, done.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert doc["skus"] == 2000
    assert doc["machine"]["nproc"] >= 1
    names = [f["name"] for f in doc["figures"]]
    assert len(names) == len(set(names))
    assert EXPECTED <= set(names)
    for figure in doc["figures"]:
        assert set(REQUIRED) <= set(figure), figure
        assert isinstance(figure["unit"], str) and figure["unit"]
        assert _number(figure["median"]) and figure["median"] >= 0, figure
        if figure["name"] in LATENCIES:
            assert _number(figure["p95"]) and _number(figure["p99"]), figure
            assert figure["median"] <= figure["p95"] <= figure["p99"], figure
            assert isinstance(figure["baseline"], str) and _number(figure["baseline_median"]), figure
    by_name = {f["name"]: f for f in doc["figures"]}
    for name in ("sync.initial.total", "sync.initial.pages", "sync.price_delta", "sales.push"):
        assert by_name[name]["baseline"] and _number(by_name[name]["baseline_median"])
    assert by_name["memory.central_server"]["median"] > 5  # MB: a real uvicorn process was measured
    for name in ("pos.first_frame", "kiosk.first_frame", "pos.stall_during_sync", "kiosk.stall_during_sync"):
        assert by_name[name]["baseline"] and _number(by_name[name]["baseline_median"]), by_name[name]
    # the apps really ran in a window: a start takes longer than nothing, and a frame was drawn after the scan
    assert by_name["pos.first_frame"]["median"] > 0.05 and by_name["pos.scan_to_line"]["median"] > 1
