"""Benchmarks: ``python -m bench`` (``vitrina-bench``) prints each figure next to a baseline.

Figures are measured on a demo chain seeded into a real central (a uvicorn server on
127.0.0.1) and a terminal store the real sync agent filled over HTTP; each is printed
with its unit, median (and p95/p99 for latencies) and a baseline measured in the same
run on the same data, and can be written as JSON (``--json``) to compare runs. Timing is
reported, never asserted: ``tests/bench`` only checks that the command runs and what
its JSON looks like. Groups of figures are listed in :mod:`bench.registry`.
"""
