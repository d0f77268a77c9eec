"""Figures: what one measurement says, printed for a person and written as JSON.

A :class:`Figure` carries its unit, its median (and p95/p99 where it is a latency), the
baseline measured in the same run on the same data, and the budget it is held to at
1 000 000 SKUs. The JSON file (``--json``) is ``{"skus": N, "figures": [...]}`` with
``name, unit, median, p95, p99, baseline, baseline_median`` in every figure (``null``
where a value does not apply), plus ``budget``, ``within_budget`` and ``note``, and
``machine`` at the top, so two runs can be compared line by line.
"""
from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .harness import BenchError, Summary

STATS = ("median", "p95", "p99")


@dataclass(frozen=True)
class Budget:
    """``stat`` of the figure must be below (or, for rates, above) ``value`` at 1M SKUs."""

    stat: str
    value: float
    above: bool = False

    def __post_init__(self) -> None:
        if self.stat not in STATS:
            raise BenchError(f"a budget is on one of {', '.join(STATS)}, not {self.stat!r}")

    def met(self, figure: Figure) -> bool | None:
        got = getattr(figure, self.stat)
        if got is None:
            return None
        return got > self.value if self.above else got < self.value

    def text(self, unit: str) -> str:
        return f"{self.stat} {'>' if self.above else '<'} {self.value:g} {unit}"


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str
    median: float | None
    p95: float | None = None
    p99: float | None = None
    baseline: str | None = None
    baseline_median: float | None = None
    budget: Budget | None = None
    note: str = ""
    baseline_p95: float | None = None
    baseline_p99: float | None = None
    cpu_p95: float | None = None      # this process's CPU time of the measured call, p95
    cpu_p99: float | None = None

    @classmethod
    def latency(cls, name: str, unit: str, summary: Summary, *, baseline: str | None = None,
                baseline_summary: Summary | None = None, budget: Budget | None = None,
                cpu: Summary | None = None, note: str = "") -> Figure:
        b = baseline_summary
        return cls(name, unit, summary.median, summary.p95, summary.p99, baseline,
                   None if b is None else b.median, budget, note or f"{summary.count} samples",
                   None if b is None else b.p95, None if b is None else b.p99,
                   None if cpu is None else cpu.p95, None if cpu is None else cpu.p99)

    @property
    def within_budget(self) -> bool | None:
        return None if self.budget is None else self.budget.met(self)

    def as_json(self) -> dict:
        return {"name": self.name, "unit": self.unit, "median": self.median, "p95": self.p95, "p99": self.p99,
                "baseline": self.baseline, "baseline_median": self.baseline_median,
                "budget": None if self.budget is None else self.budget.text(self.unit),
                "within_budget": self.within_budget, "note": self.note,
                "baseline_p95": self.baseline_p95, "baseline_p99": self.baseline_p99,
                "cpu_p95": self.cpu_p95, "cpu_p99": self.cpu_p99}


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}".replace(",", " ")
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def machine() -> dict:
    """What the figures were measured on: cores, memory, CPU model, load, versions."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1), "cpu": model,
            "load_average_1m": round(os.getloadavg()[0], 2), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}


def print_figure(figure: Figure, out: TextIO = sys.stdout) -> None:
    stats = f"median {_num(figure.median)}"
    if figure.p95 is not None or figure.p99 is not None:
        stats += f"  p95 {_num(figure.p95)}  p99 {_num(figure.p99)}"
    verdict = ""
    if figure.budget is not None:
        met = figure.within_budget
        verdict = f"  [budget at 1M SKUs: {figure.budget.text(figure.unit)}: " \
                  f"{'within' if met else 'OVER' if met is False else 'n/a'}]"
    print(f"{figure.name:<30} {figure.unit:<7} {stats}{verdict}", file=out)
    if figure.cpu_p95 is not None:
        print(f"{'':<30} CPU time of the call: p95 {_num(figure.cpu_p95)}  p99 {_num(figure.cpu_p99)} {figure.unit} "
              "(wall minus CPU = waiting for a core or the disk)", file=out)
    if figure.baseline:
        tail = "" if figure.baseline_p95 is None else \
            f" (p95 {_num(figure.baseline_p95)}, p99 {_num(figure.baseline_p99)})"
        print(f"{'':<30} baseline: median {_num(figure.baseline_median)} {figure.unit}{tail} - {figure.baseline}",
              file=out)
    if figure.note:
        print(f"{'':<30} {figure.note}", file=out)
    out.flush()


def print_header(skus: int, info: dict, out: TextIO = sys.stdout) -> None:
    print(f"Vitrina bench: {skus} SKUs on {info['nproc']} cores, {info['memory_gib']} GiB, {info['cpu']}; "
          f"Python {info['python']}, SQLite {info['sqlite']}; load average {info['load_average_1m']}", file=out)
    out.flush()


def document(skus: int, figures: Sequence[Figure], info: dict, *, groups: Iterable[str] = (),
             seconds: float | None = None) -> dict:
    return {"skus": skus, "figures": [f.as_json() for f in figures], "machine": info,
            "groups": list(groups), "seconds": None if seconds is None else round(seconds, 1)}


def write_json(path: Path, doc: dict) -> None:
    """Write the run's document; the parent folder is made if missing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise BenchError(f"cannot write the results to {path}: {exc}") from None
