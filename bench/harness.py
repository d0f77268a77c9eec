"""Timing helpers: samples in integer nanoseconds, percentiles, warm-up.

Every latency figure is a list of ``perf_counter_ns`` samples of single calls, taken
after a warm-up (a terminal that has been running has its pages cached and its code
paths hot), summarised as median, p95 and p99 by the nearest-rank method. The baseline
of a figure is sampled the same way, interleaved with the measured call where that is
cheap, so a machine that is busy for a moment slows both alike.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


class BenchError(RuntimeError):
    """A measurement could not be taken; the message says what to check."""


@dataclass(frozen=True)
class Summary:
    """Median, p95 and p99 of a set of samples, in the figure's unit."""

    median: float
    p95: float
    p99: float
    count: int


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100) of ``samples``; no interpolation.

    Nearest rank reports a value that was really observed, which is what a budget like
    "p99 under 1 ms" means.
    """
    if not samples:
        raise BenchError("no samples to summarise")
    if not 0 <= p <= 100:
        raise BenchError(f"percentile must be from 0 to 100, got {p}")
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(samples_ns: Sequence[int], scale_ns: float = 1e6) -> Summary:
    """Summarise nanosecond samples in units of ``scale_ns`` (default milliseconds)."""
    values = [s / scale_ns for s in samples_ns]
    return Summary(percentile(values, 50), percentile(values, 95), percentile(values, 99), len(values))


def sample(fn: Callable[[], object], count: int, *, warmup: int = 0) -> list[int]:
    """``count`` timings (ns) of ``fn()``, after ``warmup`` untimed calls."""
    if count < 1:
        raise BenchError("at least one sample is needed")
    for _ in range(warmup):
        fn()
    clock = time.perf_counter_ns
    out = []
    for _ in range(count):
        start = clock()
        fn()
        out.append(clock() - start)
    return out


def sample_each(fn: Callable[[object], object], args: Sequence[object], *, warmup: int = 0) -> list[int]:
    """One timing (ns) of ``fn(a)`` per item of ``args``, after ``fn`` ran on the first ``warmup`` items."""
    if not args:
        raise BenchError("nothing to time")
    for a in args[:warmup]:
        fn(a)
    clock = time.perf_counter_ns
    out = []
    for a in args:
        start = clock()
        fn(a)
        out.append(clock() - start)
    return out


def paired(fn: Callable[[object], object], base: Callable[[object], object], args: Sequence[object], *,
           warmup: int = 0, first: int = 0) -> tuple[list[int], list[int], list[int]]:
    """Time ``fn(a)`` and ``base(a)`` on each item, in turns: the same moments for both.

    Returns wall ns of ``fn``, wall ns of ``base`` and the CPU ns this thread spent in
    ``fn``: on a busy machine wall time includes waiting for a core, CPU time does not.
    ``first``: the running number of the first item, for callers timing one item at a time.
    """
    if not args:
        raise BenchError("nothing to time")
    for a in args[:warmup]:
        fn(a)
        base(a)
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    mine, theirs, used = [], [], []
    for i, a in enumerate(args, start=first):
        if i % 2:  # every other time the baseline goes first: neither always runs right after the other
            start = clock()
            base(a)
            theirs.append(clock() - start)
        c0 = cpu()
        start = clock()
        fn(a)
        mine.append(clock() - start)
        used.append(cpu() - c0)
        if not i % 2:
            start = clock()
            base(a)
            theirs.append(clock() - start)
    return mine, theirs, used


class Stopwatch:
    """Wall seconds of a block: ``with Stopwatch() as sw: ...; sw.seconds``."""

    seconds: float = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter_ns()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = (time.perf_counter_ns() - self._start) / 1e9
