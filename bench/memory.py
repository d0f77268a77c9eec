"""Size of the terminal's local store and peak memory of each process of the run.

Runs last, so the peaks cover everything measured before. Children started through
:mod:`bench.spawn` report their own ``ru_maxrss``; central's server reports ``VmHWM``
from ``/proc``; this process (which did the terminal's lookups, searches, pricing and
sales, as an app would) reports its own ``ru_maxrss``. Reported, not budgeted.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .context import Context
from .registry import Group
from .report import Figure

MB = 1024 * 1024


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def run(ctx: Context) -> Iterator[Figure]:
    store = ctx.store_path
    if store.exists():
        conn = ctx.open_store()
        try:
            products = conn.execute("SELECT COUNT(*) FROM products").fetchone()[0]
        finally:
            conn.close()
        yield Figure("store.size", "MB", _size(store) / MB,
                     note=f"local store file with its WAL, {products} products (after all figures ran)")
    peaks = dict(ctx.peaks)
    if ctx.has_central:
        server_peak = ctx.central().server.current_peak_kb()
        if server_peak:
            peaks["central server (python -m central serve)"] = server_peak
    peaks["bench process (lookups, search, pricing, sales)"] = ctx.own_peak_kb()
    for label, kb in peaks.items():
        name = "memory." + label.split(" (")[0].replace(",", "").replace(" ", "_")
        yield Figure(name, "MB", kb / 1024, note=f"peak resident memory of {label}")


GROUP = Group("memory", "local store size and peak memory of each process", run)
