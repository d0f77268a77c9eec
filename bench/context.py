"""What the figure groups share in one run: central seeded and serving, a synced terminal.

Everything is made on demand and once: the first group that needs central seeds it
(``python -m central seed``) and starts its server; the first that needs a terminal's
store registers one (``python -m sync register``) and runs the initial sync through the
agent's own command (``python -m sync once``). So ``--only lookup`` still measures a
store that the real agent filled over HTTP, and the sync figures measure that same sync.

Peak memory of each process the run started is collected in :attr:`Context.peaks` (KiB)
for the memory figures.
"""
from __future__ import annotations

import resource
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from retail.store import connect

from .harness import BenchError
from .procs import CentralServer, Finished, Launcher

TERMINAL = "B1"
PAGED_TERMINAL = "B2"   # a second till of the store whose first load pulls every page (no snapshot)


@dataclass(frozen=True)
class Options:
    skus: int
    stores: int = 4
    customers: int = 2000
    seed: int = 42
    events: int = 10_000
    delta_rows: int = 10_000
    samples: int = 10_000
    central_cache: Path | None = None


@dataclass
class InitialSync:
    finished: Finished      # the `python -m sync once` process
    rows: int               # feed rows applied, from feed_state
    rows_by_feed: dict[str, int]
    snapshot_built: Finished | None = None   # `python -m central snapshot` for the store, before it


@dataclass
class Central:
    db: Path
    store: str
    token: str
    server: CentralServer
    paged_token: str = ""

    @property
    def url(self) -> str:
        return self.server.url


@dataclass
class Context:
    options: Options
    work: Path
    launcher: Launcher
    peaks: dict[str, int] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    _central: Central | None = None
    _sync: InitialSync | None = None

    @property
    def skus(self) -> int:
        return self.options.skus

    @property
    def store_path(self) -> Path:
        return self.work / "terminal.db"

    # ---------------------------------------------------------------- central

    def _cached_seed(self) -> Path | None:
        cache = self.options.central_cache
        if cache is None:
            return None
        o = self.options
        return cache / f"central-{o.skus}skus-{o.stores}stores-{o.customers}cust-seed{o.seed}.db"

    def _seed(self, db: Path) -> None:
        cached = self._cached_seed()
        if cached is not None and cached.exists():
            shutil.copyfile(cached, db)
            self.notes["seed"] = f"central copied from the seed cache {cached}"
            return
        o = self.options
        done = self.launcher.run("central", "seed", "--db", str(db), "--skus", str(o.skus), "--stores",
                                 str(o.stores), "--customers", str(o.customers), "--seed", str(o.seed))
        self.peaks["central seed (python -m central seed)"] = done.maxrss_kb
        self.notes["seed"] = f"central seeded in {done.seconds:.1f} s"
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(db, cached.with_name(cached.name + ".part"))
            cached.with_name(cached.name + ".part").replace(cached)

    def central(self) -> Central:
        """Central seeded with the demo chain and serving on 127.0.0.1 (started once)."""
        if self._central is None:
            db = self.work / "central.db"
            self._seed(db)
            listing = self.launcher.run("central", "stores", "--db", str(db)).stdout.splitlines()
            stores = [line.split("\t")[0] for line in listing if line.split("\t")[1:2] == ["store"]]
            if not stores:
                raise BenchError(f"central at {db} lists no store; the seed did not finish")
            token = self.launcher.run("central", "terminal", "add", "--db", str(db), "--store", stores[0],
                                      "--terminal", TERMINAL, "--kind", "pos").stdout.strip().splitlines()[-1]
            server = CentralServer(db, self.work / "central.log")
            self._central = Central(db, stores[0], token, server)
            self._central.paged_token = self.launcher.run(
                "central", "terminal", "add", "--db", str(db), "--store", stores[0], "--terminal", PAGED_TERMINAL,
                "--kind", "pos").stdout.strip().splitlines()[-1]
        return self._central

    @property
    def has_central(self) -> bool:
        return self._central is not None

    # ---------------------------------------------------------------- the terminal

    def initial_sync(self) -> InitialSync:
        """Build the store's snapshot at central, register the terminal and run its first full sync
        with ``python -m sync once``, which loads that snapshot (once)."""
        if self._sync is None:
            c = self.central()
            built = self.launcher.run("central", "snapshot", "--db", str(c.db), "--store", c.store)
            self.peaks["central snapshot build (python -m central snapshot)"] = built.maxrss_kb
            done, by_feed = self.first_sync(self.store_path, TERMINAL, c.token)
            if "snapshot loaded" not in done.stderr:
                raise BenchError(f"the initial sync did not load the store's snapshot: {done.stderr.strip()[-300:]}")
            self.peaks["sync agent, initial sync (python -m sync once)"] = done.maxrss_kb
            self._sync = InitialSync(done, sum(by_feed.values()), by_feed, built)
        return self._sync

    def first_sync(self, store_path: Path, terminal: str, token: str, *args: str) -> tuple[Finished, dict[str, int]]:
        """Register ``terminal`` at ``store_path`` and run ``python -m sync once [args]``; rows by feed."""
        c = self.central()
        self.launcher.run("sync", "register", "--db", str(store_path), "--central", c.url, "--store",
                          c.store, "--terminal", terminal, "--token", "-", "--kind", "pos", stdin=token + "\n")
        done = self.launcher.run("sync", "once", "--db", str(store_path), *args)
        conn = connect(store_path)
        try:
            by_feed = {r[0]: r[1] for r in conn.execute("SELECT feed, rows FROM feed_state ORDER BY feed")}
            failed = conn.execute("SELECT feed, last_error FROM feed_state WHERE last_error IS NOT NULL").fetchall()
        finally:
            conn.close()
        if failed:
            raise BenchError("the initial sync left feeds failing: " + "; ".join(f"{f}: {e}" for f, e in failed))
        return done, by_feed

    def open_store(self) -> sqlite3.Connection:
        """A connection to the synced terminal store (the initial sync runs first if needed)."""
        if self._sync is None:
            self.initial_sync()
        return connect(self.store_path)

    # ---------------------------------------------------------------- the end

    def own_peak_kb(self) -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def close(self) -> None:
        if self._central is not None:
            self._central.server.stop()
            if self._central.server.peak_kb:
                self.peaks["central server (python -m central serve)"] = self._central.server.peak_kb
        self.launcher.close()


def now() -> int:
    return int(time.time())
