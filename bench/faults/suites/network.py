"""Network suite: a faulty loopback proxy between the agent and central (issue #8).

Tills of one store are registered with central *through* :class:`bench.faults.proxy.Proxy`.
Each case sells on a till (the POS's calls), often starts a feed again from the
beginning (so pages come down), then runs agent cycles while the proxy, for a random
share of requests, drops the answer after central committed, cuts the body (a truncated
JSON or gzip stream), resets the connection before or after forwarding, sends the
request to central twice, delays it, or refuses everything (a partition of some cycles).
Then the network heals and the agent, with no new local action, must converge within
:data:`HEAL_BUDGET_S`; :func:`bench.faults.invariants.check` then proves nothing was lost
or doubled: every sale at central once, the outbox equal to central's ledger, stock and
points moved once, receipt numbers gapless, and the re-pulled feeds equal to central's.

Partitions of hours are the running agent's business (its backoff grows to 5 minutes);
``tests/faults/test_network.py`` checks that a healed network is noticed by the agent's
/health probe within seconds of healing, whatever the backoff had grown to.
"""
from __future__ import annotations

import random
import threading
import time

from bench.faults import invariants, rig, till
from bench.faults.core import Context, Report, Suite
from bench.faults.proxy import Proxy
from sync.errors import SyncError

FAULTS = ("drop", "truncate", "reset", "reset_first", "duplicate", "delay", "partition", "mixed")
HEAL_BUDGET_S = 60.0
RESYNC_FEEDS = ("staff", "catalogue", "prices", "promotions", "inventory", "customers")


def _pending(term: rig.Terminal) -> int:
    return term.conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]


class Faulty:
    """The proxy's rule: ``action`` for a ``share`` of requests, drawn from its own seeded rng."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.fault = "pass"
        self.share = 0.0
        self.hits = 0

    def set(self, fault: str, share: float) -> None:
        with self.lock:
            self.fault, self.share = fault, share

    def __call__(self, method: str, path: str, body: bytes):
        with self.lock:
            if self.fault == "pass" or self.rng.random() >= self.share:
                return "pass"
            self.hits += 1
            fault = self.fault
            if fault == "mixed":
                fault = self.rng.choice(FAULTS[:6])
            if fault == "partition":
                return "refuse"
            if fault == "truncate":
                return ("truncate", self.rng.uniform(0.0, 0.95))
            if fault == "delay":
                return ("delay", self.rng.uniform(0.01, 0.3))
            return fault


class NetworkRun:
    def __init__(self, ctx: Context, report: Report) -> None:
        self.ctx, self.report, self.rng = ctx, report, ctx.rng
        work = ctx.workdir
        tills = 4 if ctx.long else 2
        self.template = rig.build_template(work / "template", extra_pos=tills)
        rig.copy_database(self.template.path, work / "central.db")
        self.central = rig.Central(work / "central.db", self.template)
        self.rule = Faulty(ctx.seed)
        self.proxy = Proxy(self.central.url)
        self.proxy.rule = self.rule
        self.tills: list[tuple[rig.Terminal, list[str]]] = []
        for store, terminal in list(rig.stores_of(self.template))[:tills]:
            term = rig.register(work, self.central, store, terminal, url=self.proxy.url)
            term.sync()
            self.tills.append((term, []))
        self.slowest = 0.0
        self.refused_cycles = 0

    def close(self) -> None:
        for term, _ in self.tills:
            term.close()
        self.proxy.close()
        self.central.stop()

    def _sell(self, term: rig.Terminal, committed: list[str]) -> None:
        conn = term.conn
        skus = till.priced_skus(conn, 6)
        customers = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
        for _ in range(self.rng.randint(1, 4)):
            items = [(sku, self.rng.randint(1, 3)) for sku in self.rng.sample(skus, self.rng.randint(1, 3))]
            customer = self.rng.choice(customers) if customers and self.rng.random() < 0.5 else None
            committed.append(till.sell(conn, items, customer_id=customer).id)

    def _cycle(self, term: rig.Terminal, where: str) -> bool:
        """One agent cycle; True when it ended clean. A fault may fail it, never crash it."""
        try:
            report = term.sync(timeout=(2.0, 5.0), push_batch=self.rng.randint(1, 5), page_limit=self.rng.randint(3, 30))
        except SyncError:
            return False
        except Exception as exc:  # anything but the agent's own errors is a crash
            self.report.found(f"{where}: the agent crashed with {type(exc).__name__}: {exc}")
            return False
        return bool(report.ok)

    def case(self, n: int, fault: str) -> None:
        from sync.apply import start_resync

        term, committed = self.tills[n % len(self.tills)]
        where = f"case {n} ({fault}, seed {self.ctx.seed}, {term.terminal})"
        before = invariants.baseline(self.central, term.store)
        self._sell(term, committed)
        resync = self.rng.random() < 0.6
        if resync:
            start_resync(term.conn, self.rng.choice(RESYNC_FEEDS), int(time.time()))
        self.rule.set(fault, 1.0 if fault == "partition" else self.rng.uniform(0.2, 0.8))
        for _ in range(self.rng.randint(1, 3)):
            if not self._cycle(term, where) and fault == "partition":
                self.refused_cycles += 1
        self.rule.set("pass", 0.0)
        healed = time.monotonic()
        clean = False
        while time.monotonic() - healed < HEAL_BUDGET_S:
            if self._cycle(term, where) and not _pending(term):
                clean = True
                break
        took = time.monotonic() - healed
        self.slowest = max(self.slowest, took)
        if not clean:
            self.report.found(f"{where}: not converged {HEAL_BUDGET_S:.0f} s after the network healed")
            return
        for broken in invariants.check(term, self.central, committed=committed, before=before, feeds=resync):
            self.report.found(f"{where}: {broken}")
        self.report.tried(fault)


def run(ctx: Context, report: Report) -> None:
    net = NetworkRun(ctx, report)
    try:
        for n in range(ctx.cases(len(FAULTS) * 2, 2000)):
            fault = FAULTS[n % len(FAULTS)] if n < len(FAULTS) * 2 else ctx.rng.choice(FAULTS)
            net.case(n, fault)
            if ctx.long and (n + 1) % 100 == 0:
                print(f"network: {n + 1} cases, {len(report.findings)} findings", flush=True)
    finally:
        net.close()
    report.note(f"{net.rule.hits} requests faulted; {net.refused_cycles} cycles ran into a partition; "
                f"slowest convergence after healing {net.slowest:.2f} s (budget {HEAL_BUDGET_S:.0f} s)")
    seen = {}
    for _method, _path, action in net.proxy.seen:
        name = action[0] if isinstance(action, tuple) else action
        seen[name] = seen.get(name, 0) + 1
    report.note("proxy actions: " + ", ".join(f"{k} {v}" for k, v in sorted(seen.items())))


SUITE = Suite("network", "a loopback proxy that drops, cuts, resets, duplicates, delays and partitions; "
              "convergence within 60 s of healing, nothing lost or doubled", run)
