"""Sale figures: committing sales, pushing them, and committing while a full sync runs.

1. ``sales.commit``: ``retail.sales.commit_sale`` of a priced 10-line basket (60 % with a loyalty
   card; sale, lines, tender, stock movements, loyalty event and outbox event in one
   durable transaction), each timed next to the least a durable commit costs: a one-row
   insert in a ``synchronous=FULL`` transaction of the same file. The sales stay queued.
   The till's connection is opened as the apps open theirs (no WAL checkpoint inside a
   commit) and checkpoints after each sale, untimed, as the POS does once the receipt is
   queued; the checkpoint's own time is in the figure's note.
2. ``sales.push``: the agent's push (``sync.push.push_pending`` with the agent's client and
   batch size) of those queued events to central over HTTP until every one is
   acknowledged. Baseline: one HTTP request per event (the same code with batch 1) on a
   share of further sales, scaled to the same count.
3. ``sales.commit_during_sync``: the same commit while ``python -m sync once`` re-pulls
   every feed into the same store (its cursors reset: the whole catalogue, prices and
   stock are written again in its short page transactions) - what a cashier sees while
   a terminal resyncs. A sale every 50 ms, for at most the first 150 s of the resync (at
   a million SKUs that covers the catalogue pages, whose writes with the search index are
   the heaviest; the agent is then stopped with SIGTERM and its open page rolls back).
   Baseline: the one-row durable insert at the same moments.
"""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

from retail.store import checkpoint, connect, durable, transaction
from sync.agent import Agent
from sync.push import push_pending

from .context import Context, now
from .harness import BenchError, Stopwatch, paired, summarise
from .procs import ROOT, child_env
from .registry import Group
from .report import Budget, Figure
from .till import Till, basket, close_till, commit, open_till, priced, sample_products

BASKET_LINES = 10
BASKETS = 200
BASELINE_PUSH_MAX = 1000
PAUSE_S = 0.05
MAX_DURING_SYNC_S = 150.0  # long enough to cover the catalogue pages, the heaviest writes


def _carts(till: Till, rng: random.Random) -> list:
    """Priced baskets to commit (pricing is not part of the commit figure)."""
    out = []
    for _ in range(BASKETS):
        out.append(priced(till, basket(till, sample_products(till.conn, BASKET_LINES * 2, rng), rng,
                                       lines=BASKET_LINES)))
    return out


def _durable_row(conn):
    conn.execute("CREATE TABLE IF NOT EXISTS bench_durable(id INTEGER PRIMARY KEY, at INTEGER NOT NULL) STRICT")

    def insert(_):
        with durable(conn):
            conn.execute("INSERT INTO bench_durable(at) VALUES (?)", (time.time_ns(),))
    return insert


def _pending(conn) -> int:
    return conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]


def _push(agent: Agent, batch: int) -> tuple[float, int]:
    with Stopwatch() as sw:
        report = push_pending(agent.conn, agent.client, batch=batch)
    left = _pending(agent.conn)
    if report.rejected or report.dead or left:
        raise BenchError(f"push left {left} events pending, {report.rejected} rejected, {report.dead} dead; "
                         "see the outbox table's last_error")
    return sw.seconds, report.sent


def commit_and_push(ctx: Context) -> Iterator[Figure]:
    rng = random.Random(23)
    ctx.initial_sync()
    agent = Agent(ctx.store_path)
    conn = connect(ctx.store_path, autocheckpoint=False)  # the till's own connection, as the apps open it
    try:
        till = open_till(conn, now())
        carts = _carts(till, rng)
        insert = _durable_row(conn)
        _push(agent, agent.push_batch)  # anything queued before (the shift's opening) goes first
        count = ctx.options.events
        mine, base, cpu, tidy = _commits(till, carts, insert, range(count))
        lines = sum(len(c.lines) for c, _ in carts) / len(carts)
        yield Figure.latency("sales.commit", "ms", summarise(mine), baseline="one-row durable insert (synchronous=FULL)",
                             baseline_summary=summarise(base), budget=Budget("p99", 5.0), cpu=summarise(cpu),
                             note=f"{count} sales of {lines:.0f} lines, 60 % with a loyalty card, paid by card; "
                                  f"after each, untimed as at the till, the WAL checkpoint: median "
                                  f"{summarise(tidy).median:.2f} ms, p99 {summarise(tidy).p99:.2f}")

        queued = _pending(conn)
        seconds, sent = _push(agent, agent.push_batch)
        extra = min(BASELINE_PUSH_MAX, count)
        for i in range(extra):
            commit(till, carts[i % len(carts)])
        one_by_one, sent_one = _push(agent, 1)
        yield Figure("sales.push", "s", seconds, baseline="one HTTP request per event",
                     baseline_median=one_by_one * sent / sent_one, budget=Budget("median", 10.0),
                     note=f"{sent} queued events (of {queued}) sent in batches of {agent.push_batch} until "
                          f"acknowledged ({sent / seconds:.0f} events/s); baseline timed on {sent_one} events "
                          f"({one_by_one:.1f} s) and scaled")
        close_till(till)
    finally:
        conn.close()
        agent.close()


def _commits(till: Till, carts: list, insert, items) -> tuple[list[int], list[int], list[int], list[int]]:
    """Commit each sale timed beside the baseline insert, then checkpoint untimed as the POS does."""
    mine, base, cpu, tidy = [], [], [], []
    for i in items:
        m, b, c = paired(lambda k: commit(till, carts[k % len(carts)]), insert, [i], first=i)
        mine += m
        base += b
        cpu += c
        started = time.perf_counter_ns()
        checkpoint(till.conn)
        tidy.append(time.perf_counter_ns() - started)
    return mine, base, cpu, tidy


def commit_during_sync(ctx: Context) -> Iterator[Figure]:
    rng = random.Random(29)
    ctx.initial_sync()
    conn = connect(ctx.store_path, autocheckpoint=False)  # the till's own connection, as the apps open it
    try:
        till = open_till(conn, now())
        carts = _carts(till, rng)
        insert = _durable_row(conn)
        with transaction(conn):
            conn.execute("UPDATE feed_state SET cursor = ''")
        log = open(ctx.work / "resync.log", "wb")
        agent = subprocess.Popen([sys.executable, "-m", "sync", "once", "--db", str(ctx.store_path)], cwd=ROOT,
                                 env=child_env(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        mine, base, cpu = [], [], []
        started = time.monotonic()
        cut = False
        try:
            i = 0
            while agent.poll() is None:
                if time.monotonic() - started > MAX_DURING_SYNC_S:
                    # SIGTERM, not SIGINT: a bench started in the background inherits SIGINT ignored.
                    # The page being written is rolled back, as after any crash.
                    agent.send_signal(signal.SIGTERM)
                    cut = True
                    break
                m, b, c, _ = _commits(till, carts, insert, [i])
                mine += m
                base += b
                cpu += c
                i += 1
                time.sleep(PAUSE_S)
            took = time.monotonic() - started
        finally:
            if agent.poll() is None:
                agent.terminate()  # stopped above, or the loop failed: never leave it running
            rc = agent.wait()
            log.close()
        if rc != 0 and not cut:
            raise BenchError(f"the resync (python -m sync once) exited with {rc}; see {ctx.work / 'resync.log'}")
        if not mine:
            raise BenchError("the resync ended before a single sale could be committed")
        span = (f"the first {took:.0f} s of python -m sync once re-pulling every feed (then stopped)" if cut
                else f"python -m sync once re-pulled every feed ({took:.0f} s)")
        yield Figure.latency("sales.commit_during_sync", "ms", summarise(mine),
                             baseline="one-row durable insert at the same moments", baseline_summary=summarise(base),
                             budget=Budget("p99", 50.0), cpu=summarise(cpu),
                             note=f"{len(mine)} sales, one every {PAUSE_S * 1000:.0f} ms, during {span}")
        close_till(till)
    finally:
        conn.close()


def run(ctx: Context) -> Iterator[Figure]:
    yield from commit_and_push(ctx)
    yield from commit_during_sync(ctx)


GROUP = Group("sales", "sale commit alone and during a full sync; pushing queued sales", run)
