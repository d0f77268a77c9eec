"""Network suite: a faulty loopback proxy between the agent and central (issue #8).

Tills of one store are registered with central *through* :class:`bench.faults.proxy.Proxy`.
Each case sells on a till (the POS's calls), often starts a feed again from the
beginning (so pages come down), then runs agent cycles while the proxy, for a random
share of requests, drops the answer after central committed, cuts the body (a truncated
JSON or gzip stream), resets the connection before or after forwarding, sends the
request to central twice, delays it, answers 502/504 as a gateway that lost central,
or refuses everything (a partition of some cycles); ``reorder`` runs two tills' cycles
at once with each answer held and released newest first, so answers cross.
Then the network heals and the agent, with no new local action, must converge within
:data:`HEAL_BUDGET_S`; :func:`bench.faults.invariants.check` then proves nothing was lost
or doubled: every sale at central once, the outbox equal to central's ledger, stock and
points moved once, receipt numbers gapless, and the re-pulled feeds equal to central's.

``outage`` cases run the agent's own loop (backoff, /health probe) on a simulated clock
through a partition of 5 s to 11 h (refused, reset, or a gateway's 502/504): the clock
jumps to each retry, so the backoff reaches its 5-minute cap without anyone waiting for
it (the hours after that, identical retries at the cap, are skipped); after healing, the clock runs at its real pace and the store must converge within
the budget with no new local action.
"""
from __future__ import annotations

import logging
import random
import threading
import time

from bench.faults import invariants, rig, till
from bench.faults.core import Context, Report, Suite
from bench.faults.proxy import Proxy
from sync.errors import SyncError

FAULTS = ("drop", "truncate", "reset", "reset_first", "duplicate", "delay", "reorder", "gateway", "partition",
          "mixed", "outage")
MIXABLE = ("drop", "truncate", "reset", "reset_first", "duplicate", "delay", "gateway")
# How a long outage looks to the agent: nothing listens, the line is reset, or a gateway
# in front of central says it cannot reach it.
OUTAGE_LOOKS = ("refuse", "reset_first", (502, '{"detail": "upstream unreachable"}'),
                (504, '{"detail": "upstream timed out"}'))
HEAL_BUDGET_S = 60.0
CAPPED_AFTER = 12   # failures in a row after which the agent's backoff (1 s doubling, 300 s cap) stops growing
RESYNC_FEEDS = ("staff", "catalogue", "prices", "promotions", "inventory", "customers")


def _pending(term: rig.Terminal) -> int:
    return term.conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]


class SimClock:
    """The running agent's clock: real time plus an offset the suite only ever moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance_to(self, when: float) -> None:
        self.offset = max(self.offset, when - time.time())


class Faulty:
    """The proxy's rule: ``action`` for a ``share`` of requests, drawn from its own seeded rng."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.fault = "pass"
        self.share = 0.0
        self.outage: object = "refuse"
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
                fault = self.rng.choice(MIXABLE)
            if fault == "partition":
                return "refuse"
            if fault == "gateway":
                return (self.rng.choice((502, 504)), '{"detail": "upstream unreachable"}')
            if fault == "reorder":
                return ("reorder", 2)
            if fault == "outage":
                return self.outage
            if fault == "duplicate":
                return ("duplicate", self.rng.randint(0, 1))   # answer with the first or the second
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
        self.proxy.hold_s = 0.15   # a reordered answer not crossed by the other till's waits this long
        self.tills: list[tuple[rig.Terminal, list[str]]] = []
        for store, terminal in list(rig.stores_of(self.template))[:tills]:
            term = rig.register(work, self.central, store, terminal, url=self.proxy.url)
            term.sync()
            self.tills.append((term, []))
        self.slowest = 0.0
        self.slowest_outage = 0.0
        self.waits_at_heal: list[float] = []
        self.refused_cycles = 0
        self.central_changes = 0

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

    def change_central(self, n: int) -> bool:
        """Between cases the ERP changes some prices and stock at central (as ``central import`` does).

        Returns True when it did, so the case checks the terminal's feeds equal central's.
        Done before the case's baseline: the on-hand check then covers only the case's sales.
        """
        import json

        from central.erp_import import import_file

        if self.rng.random() >= 0.5:
            return False
        store = self.tills[0][0].store
        db = self.central.db()
        try:
            skus = [r[0] for r in db.execute("SELECT DISTINCT sku FROM prices ORDER BY sku")]
            picked = self.rng.sample(skus, min(len(skus), self.rng.randint(1, 5)))
            folder = self.ctx.workdir / "erp"
            folder.mkdir(exist_ok=True)
            prices, stock = folder / f"prices-{n}.ndjson", folder / f"stock-{n}.ndjson"
            prices.write_text("".join(json.dumps({"sku": sku, "price": self.rng.randint(1000, 500000)}) + "\n"
                                      for sku in picked), encoding="utf-8")
            stock.write_text("".join(json.dumps({"sku": sku, "on_hand_milli": self.rng.randint(0, 500) * 1000}) + "\n"
                                     for sku in picked), encoding="utf-8")
            now = int(time.time())
            for feed, path in (("prices", prices), ("stock", stock)):
                result = import_file(db, feed, path, store=store, now=now)
                if result.rejects:
                    self.report.found(f"case {n}: central refused the suite's own {feed} import: "
                                      f"{result.rejects[0]}")
        finally:
            db.close()
        self.central_changes += 1
        return True

    def _cycle(self, term: rig.Terminal, where: str, batch: int = 5, limit: int = 30) -> bool:
        """One agent cycle; True when it ended clean. A fault may fail it, never crash it."""
        try:
            report = term.sync(timeout=(2.0, 5.0), push_batch=batch, page_limit=limit)
        except SyncError:
            return False
        except Exception as exc:  # anything but the agent's own errors is a crash
            self.report.found(f"{where}: the agent crashed with {type(exc).__name__}: {exc}")
            return False
        return bool(report.ok)

    def _heal(self, term: rig.Terminal, where: str) -> bool:
        """Cycles with the network healed until the outbox is empty; False (a finding) after the budget."""
        healed = time.monotonic()
        while time.monotonic() - healed < HEAL_BUDGET_S:
            if self._cycle(term, where) and not _pending(term):
                self.slowest = max(self.slowest, time.monotonic() - healed)
                return True
        self.report.found(f"{where}: not converged {HEAL_BUDGET_S:.0f} s after the network healed")
        return False

    def case(self, n: int, fault: str) -> None:
        """Sell, maybe re-pull a feed, run 1-3 cycles through the fault, heal, check.

        ``reorder`` runs two tills' cycles at the same time, so their answers cross.
        """
        from retail.feeds.apply import start_resync

        if fault == "outage":
            self.outage_case(n)
            return
        chosen = self.tills[:2] if fault == "reorder" else [self.tills[n % len(self.tills)]]
        where = f"case {n} ({fault}, seed {self.ctx.seed}, {'+'.join(t.terminal for t, _ in chosen)})"
        changed = self.change_central(n)
        before = invariants.baseline(self.central, chosen[0][0].store)
        resync = self.rng.random() < 0.6
        for term, committed in chosen:
            self._sell(term, committed)
            if resync:
                start_resync(term.conn, self.rng.choice(RESYNC_FEEDS), int(time.time()))
        self.rule.set(fault, 1.0 if fault in ("partition", "reorder") else self.rng.uniform(0.2, 0.8))
        rounds = self.rng.randint(1, 3)
        params = [[(self.rng.randint(1, 5), self.rng.randint(3, 30)) for _ in range(rounds)] for _ in chosen]

        def cycles(term: rig.Terminal, mine: list[tuple[int, int]]) -> None:
            for batch, limit in mine:
                if not self._cycle(term, where, batch, limit) and fault == "partition":
                    self.refused_cycles += 1

        threads = [threading.Thread(target=cycles, args=(term, params[i])) for i, (term, _) in enumerate(chosen)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.rule.set("pass", 0.0)
        if not all([self._heal(term, where) for term, _ in chosen]):
            return
        for term, committed in chosen:
            for broken in invariants.check(term, self.central, committed=committed, before=before,
                                           feeds=resync or changed):
                self.report.found(f"{where}: {broken}")
        self.report.tried(fault)

    def outage_case(self, n: int) -> None:
        """A partition of seconds to hours of the running agent's (simulated) time, then heal.

        The agent runs as it does in a store (its loop, its backoff, its /health probe) on a
        clock the suite moves forward: each time a cycle fails, the clock jumps to the
        agent's next try, until the outage's length has passed. So after "hours" the
        backoff stands at its cap, as it would. The store sells before and during the
        outage. Then the network heals, the clock runs at its real pace again, and with
        no new local action the outbox must drain within :data:`HEAL_BUDGET_S`.
        """
        from retail.feeds.apply import start_resync

        term, committed = self.tills[n % len(self.tills)]
        look = self.rng.choice(OUTAGE_LOOKS)
        length = 10 ** self.rng.uniform(0.7, 4.6)       # 5 s .. 11 h of simulated time
        name = look if isinstance(look, str) else str(look[0])
        where = f"case {n} (outage {length:.0f} s as {name}, seed {self.ctx.seed}, {term.terminal})"
        changed = self.change_central(n)
        before = invariants.baseline(self.central, term.store)
        self._sell(term, committed)
        resync = self.rng.random() < 0.5
        if resync:
            start_resync(term.conn, self.rng.choice(RESYNC_FEEDS), int(time.time()))
        clock = SimClock()
        logging.getLogger("sync.agent").setLevel(logging.ERROR)   # one warning per failed retry is noise here
        self.rule.outage = look
        self.rule.set("outage", 1.0)
        agent = term.agent(interval=3600, timeout=(2.0, 5.0), clock=clock)
        thread = threading.Thread(target=agent.run, name="network-agent", daemon=True)
        thread.start()
        try:
            began, sold_offline, jumps = clock(), False, 0
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                ok, next_at = term.conn.execute("SELECT last_cycle_ok, next_run_at FROM sync_status").fetchone()
                waiting = ok == 0 and next_at and next_at > clock()
                if waiting and clock() - began >= length:
                    break   # the outage is over and the agent sits in its backoff: heal now
                if waiting:
                    jumps += 1
                    # By the 12th failure the backoff is at its cap: the hours after it are
                    # more of the same retries, so the clock skips to the outage's end.
                    clock.advance_to(began + length if jumps >= CAPPED_AFTER else min(next_at, began + length))
                    if not sold_offline and clock() - began > length / 2:
                        self._sell(term, committed)     # the store keeps selling while cut off
                        sold_offline = True
                time.sleep(0.05)
            else:
                self.report.found(f"{where}: the agent did not retry within 30 s during the outage")
                return
            ok, next_at = term.conn.execute("SELECT last_cycle_ok, next_run_at FROM sync_status").fetchone()
            self.waits_at_heal.append(max(0.0, (next_at or 0) - clock()))
            self.rule.set("pass", 0.0)
            healed, healed_at = time.monotonic(), clock()
            try:
                rig.wait_for(lambda: not _pending(term) and term.conn.execute(
                    "SELECT last_cycle_ok = 1 AND last_cycle_at >= ? FROM sync_status", (healed_at,)).fetchone()[0],
                    HEAL_BUDGET_S, step=0.1, what="convergence after healing")
                clean = True
            except rig.RigError:
                clean = False
            took = time.monotonic() - healed
        finally:
            agent.stop()
            thread.join(15)
            agent.close()
        if thread.is_alive():
            self.report.found(f"{where}: the agent did not stop within 15 s of being asked")
            return
        self.slowest_outage = max(self.slowest_outage, took)
        if not clean:
            self.report.found(f"{where}: not converged {HEAL_BUDGET_S:.0f} s after the network healed "
                              f"(the agent meant to wait {self.waits_at_heal[-1]:.0f} s more)")
            return
        for broken in invariants.check(term, self.central, committed=committed, before=before,
                                       feeds=resync or changed):
            self.report.found(f"{where}: {broken}")
        self.report.tried("outage")


def run(ctx: Context, report: Report) -> None:
    net = NetworkRun(ctx, report)
    try:
        for n in range(ctx.cases(len(FAULTS), 2000)):
            fault = FAULTS[n] if n < len(FAULTS) else ctx.rng.choice(FAULTS)
            net.case(n, fault)
            if ctx.long and (n + 1) % 100 == 0:
                print(f"network: {n + 1} cases, {len(report.findings)} findings", flush=True)
    finally:
        net.close()
    report.note(f"{net.rule.hits} requests faulted; {net.refused_cycles} cycles ran into a partition; "
                f"central's prices and stock changed before {net.central_changes} cases; "
                f"slowest convergence after healing {net.slowest:.2f} s (budget {HEAL_BUDGET_S:.0f} s)")
    if net.waits_at_heal:
        report.note(f"{len(net.waits_at_heal)} outages of simulated time: at healing the agent's backoff still had "
                    f"up to {max(net.waits_at_heal):.0f} s to wait; slowest convergence after healing "
                    f"{net.slowest_outage:.2f} s (the /health probe)")
    seen = {}
    for _method, _path, action in net.proxy.seen:
        name = str(action[0] if isinstance(action, tuple) else action)
        seen[name] = seen.get(name, 0) + 1
    report.note("proxy actions: " + ", ".join(f"{k} {v}" for k, v in sorted(seen.items())))


SUITE = Suite("network", "a loopback proxy that drops, cuts, resets, duplicates, delays and partitions; "
              "convergence within 60 s of healing, nothing lost or doubled", run)
