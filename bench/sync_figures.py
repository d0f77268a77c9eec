"""Sync figures: the initial sync and a price delta, each next to a raw SQLite load.

Initial sync: ``python -m sync once`` on a freshly registered terminal, against central
serving over HTTP on 127.0.0.1 - the agent's own command, wall time of the process. Central
has built the store's snapshot first (``python -m central snapshot``, timed on its own as
``sync.snapshot.build``; rebuilt on itself after the price deltas as
``sync.snapshot.rebuild``), so the till loads it and pulls the rest as pages; a second new
till pulls every page with ``--no-snapshot`` (``sync.initial.pages``). The
baseline writes the very rows that sync left in the store into an empty store of the
same schema (``retail.store.connect`` runs the same migrations) with plain
``executemany``, one transaction per 10 000 rows like a feed page, search index
included: no HTTP, no JSON, no validation, no quarantine - what SQLite alone needs.

Price delta: central changes the regular price of N products (N = 10 000, or every
product of a smaller catalogue); the agent's cycle (``sync.agent.Agent.cycle``: health,
push, every feed, push) runs in this process, so the figure has no interpreter start-up
in it. Three deltas, median reported. Baseline: the same rows upserted raw.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from retail import search
from retail.store import connect, transaction
from sync.agent import Agent

from .context import PAGED_TERMINAL, Context
from .harness import BenchError, Stopwatch
from .registry import Group
from .report import Budget, Figure

CHUNK = 10_000
DELTAS = 3
# Bookkeeping of the sync itself and of the terminal's own work: not feed rows.
NOT_FEED_TABLES = {"feed_state", "sync_status", "sync_requests", "quarantine", "feed_resync", "feed_resync_keys",
                   "sequences", "audit", "outbox", "schema_migrations", "migrations", "staff_lockout"}


def _feed_tables(conn: sqlite3.Connection) -> list[str]:
    """Tables the feeds filled, in creation order (parents before the rows that point at them)."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'product_search%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY rowid")]
    return [n for n in names if n not in NOT_FEED_TABLES
            and conn.execute(f'SELECT 1 FROM "{n}" LIMIT 1').fetchone() is not None]


def _batches(conn: sqlite3.Connection, sql: str) -> Iterator[list[tuple]]:
    cur = conn.execute(sql)
    while rows := cur.fetchmany(CHUNK):
        yield [tuple(r) for r in rows]


def raw_load(source: Path, target: Path) -> tuple[float, int, dict[str, float]]:
    """Seconds spent in ``executemany`` + commit writing ``source``'s feed rows into ``target``.

    Also the rows written and the seconds per table. Reading the rows and computing the
    search terms is done outside the clock.
    """
    if target.exists():
        raise BenchError(f"{target} already exists; the raw load needs an empty store")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    src.row_factory = sqlite3.Row
    dst = connect(target)
    seconds, rows = 0.0, 0
    per_table: dict[str, float] = {}
    try:
        for table in _feed_tables(src):
            cols = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]
            col_sql = ", ".join(f'"{c}"' for c in cols)
            insert = f'INSERT INTO "{table}"({col_sql}) VALUES ({", ".join("?" for _ in cols)})'
            for batch in _batches(src, f'SELECT {col_sql} FROM "{table}"'):
                with Stopwatch() as sw, transaction(dst):
                    dst.executemany(insert, batch)
                seconds += sw.seconds
                per_table[table] = per_table.get(table, 0.0) + sw.seconds
                rows += len(batch)
        # The search index: product rows (rowid = products.id) and brand rows.
        for batch in _batches(src, "SELECT id, name_ru, name_en, brand_id, category_id FROM products"):
            terms = [(r[0], search.terms_for({"name_ru": r[1], "name_en": r[2], "brand_id": r[3],
                                              "category_id": r[4]})) for r in batch]
            with Stopwatch() as sw, transaction(dst):
                dst.executemany("INSERT INTO product_search(rowid, terms) VALUES (?, ?)", terms)
            seconds += sw.seconds
            per_table["search index"] = per_table.get("search index", 0.0) + sw.seconds
        brands = [(search.brand_rowid(r[0]), search.brand_terms(r[1])) for r in src.execute("SELECT id, name FROM brands")]
        if brands:
            with Stopwatch() as sw, transaction(dst):
                dst.executemany("INSERT INTO product_search(rowid, terms) VALUES (?, ?)", brands)
            seconds += sw.seconds
    finally:
        src.close()
        dst.close()
    return seconds, rows, per_table


def _delta_skus(conn: sqlite3.Connection, count: int) -> list[str]:
    total = conn.execute("SELECT COUNT(*) FROM products").fetchone()[0]
    step = max(1, total // max(1, count))
    skus = [r[0] for r in conn.execute("SELECT sku FROM products WHERE id % ? = 0 ORDER BY id LIMIT ?",
                                       (step, count))]
    if not skus:
        raise BenchError("the store has no products for a price delta")
    return skus


def price_delta(ctx: Context) -> tuple[list[float], list[float], int, int]:
    """Seconds of the agent's cycle and of the raw upsert for each delta; rows per delta, rows pulled."""
    from central.storage import catalogue as central_catalogue
    from central.storage import connect as central_connect
    from central.storage import transaction as central_transaction

    central = ctx.central()
    agent = Agent(ctx.store_path)
    try:
        skus = _delta_skus(agent.conn, ctx.options.delta_rows)
        cycles, raws, pulled = [], [], 0
        for i in range(DELTAS):
            starts = int(time.time()) - 10 + i  # in force now, a new row per SKU in each delta
            cdb = central_connect(central.db, migrate_schema=False)
            try:
                with central_transaction(cdb):
                    central_catalogue.upsert_prices(cdb, central.store, [(s, "regular", starts, None,
                                                                         10_000 + 37 * i + n % 900)
                                                                        for n, s in enumerate(skus)])
            finally:
                cdb.close()
            with Stopwatch() as sw:
                report = agent.cycle()
            if not report.ok:
                raise BenchError(f"the price delta's sync cycle failed: {report.summary()}")
            cycles.append(sw.seconds)
            pulled = report.pulled.rows if report.pulled else 0
            rows = agent.conn.execute(
                "SELECT sku, kind, valid_from, valid_to, price FROM prices WHERE kind = 'regular' AND valid_from = ?",
                (starts,)).fetchall()
            rows = [tuple(r) for r in rows]
            with Stopwatch() as raw, transaction(agent.conn):
                agent.conn.executemany(
                    "INSERT INTO prices(sku, kind, valid_from, valid_to, price) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(sku, kind, valid_from) DO UPDATE SET valid_to = excluded.valid_to, "
                    "price = excluded.price", rows)
            raws.append(raw.seconds)
        return cycles, raws, len(skus), pulled
    finally:
        agent.close()


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".token", ".snapshot"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def run(ctx: Context) -> Iterator[Figure]:
    sync = ctx.initial_sync()
    raw_seconds, raw_rows, per_table = raw_load(ctx.store_path, ctx.work / "raw-load.db")
    _remove(ctx.work / "raw-load.db")
    seconds = sync.finished.seconds
    biggest = sorted(sync.rows_by_feed.items(), key=lambda kv: -kv[1])[:4]
    detail = ", ".join(f"{feed} {rows}" for feed, rows in biggest)
    baseline = "raw executemany of the same rows into the same schema, no HTTP"
    loaded = next((line for line in sync.finished.stderr.splitlines() if "snapshot loaded" in line), "")
    yield Figure("sync.initial.total", "s", seconds, baseline=baseline, baseline_median=raw_seconds,
                 budget=Budget("median", 60.0),
                 note=f"{sync.rows} feed rows ({detail}); python -m sync once on a new till, which loads the "
                      f"store's snapshot, wall time incl. interpreter start; {loaded.split('; ', 1)[-1]}")
    slowest = ", ".join(f"{t} {s:.1f} s" for t, s in sorted(per_table.items(), key=lambda kv: -kv[1])[:4])
    yield Figure("sync.initial.rate", "rows/s", sync.rows / seconds if seconds else None, baseline=baseline,
                 baseline_median=sync.rows / raw_seconds if raw_seconds else None,
                 note=f"the same {sync.rows} feed rows; the raw load wrote them as {raw_rows} table rows "
                      f"plus the search index; raw seconds by table: {slowest}")
    built = sync.snapshot_built
    if built is not None:
        yield Figure("sync.snapshot.build", "s", built.seconds,
                     note="python -m central snapshot --store (central's feed pages through the terminal's apply "
                          "code into a fresh store, then gzip); once per store, nightly, not part of a till's sync: "
                          + built.stdout.strip().replace("\t", "  "))
    paged_path = ctx.work / "terminal-pages.db"
    paged, paged_rows = ctx.first_sync(paged_path, PAGED_TERMINAL, ctx.central().paged_token, "--no-snapshot")
    _remove(paged_path)
    yield Figure("sync.initial.pages", "s", paged.seconds, baseline=baseline, baseline_median=raw_seconds,
                 note=f"{sum(paged_rows.values())} feed rows, python -m sync once --no-snapshot on another new till "
                      "of the store: every page over HTTP, what a till does when central has no snapshot")
    cycles, raws, rows, pulled = price_delta(ctx)
    yield Figure("sync.price_delta", "s", _median(cycles), baseline="same rows, raw executemany upsert",
                 baseline_median=_median(raws), budget=Budget("median", 2.0),
                 note=f"{rows} prices changed at central, {pulled} feed rows pulled in the last cycle; "
                      f"agent cycle in-process; {DELTAS} runs: {', '.join(f'{c:.2f}' for c in cycles)} s")
    if built is not None:
        c = ctx.central()
        again = ctx.launcher.run("central", "snapshot", "--db", str(c.db), "--store", c.store)
        yield Figure("sync.snapshot.rebuild", "s", again.seconds, baseline="the full build, same run",
                     baseline_median=built.seconds,
                     note="python -m central snapshot --store again after the price deltas: the store's snapshot "
                          "unpacked, the pages since its cursors applied, gzip; "
                          + again.stdout.strip().replace("\t", "  "))


GROUP = Group("sync", "initial sync and a price delta through the real agent and HTTP", run)
