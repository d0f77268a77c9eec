"""Run one suite's quick mode under pytest and fail with its findings."""
from __future__ import annotations

from pathlib import Path

from bench.faults.registry import select


def run_quick(name: str, tmp_path: Path, seed: int = 1):
    (suite,) = select([name])
    report = suite("quick", seed, tmp_path / name)
    print(report.text())
    assert report.cases > 0, f"{name} tried nothing"
    assert report.ok, "\n".join(report.findings)
    return report
