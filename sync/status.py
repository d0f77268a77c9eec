"""Reading the sync state for the apps: the manager's console and the offline banner.

:func:`read_status` gathers, from the local store only (no network, a few indexed
queries), everything ``python -m sync status --json`` prints: per feed the cursor, rows,
last success and last error; the outbox counts; quarantined rows; the clock offset;
whether the agent runs (its flag *and* a fresh heartbeat: a killed agent leaves the flag
set) and its progress; and ``offline_since``: when central last answered, if it does not
now. The apps call it from a worker, never on the Kivy main thread.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import asdict, dataclass, field

from retail.outbox import POISON
from retail.outbox import counts as outbox_counts
from retail.store.settings import get

from retail.feeds.rows import FEEDS

HEARTBEAT_STALE_S = 15


@dataclass(frozen=True)
class FeedStatus:
    feed: str
    cursor: str
    rows: int
    last_success_at: int | None
    last_error: str | None
    last_error_at: int | None = None
    version: int = 0
    included_seq: int = 0


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    acked: int
    dead: int


@dataclass(frozen=True)
class Progress:
    done: int
    estimated: int

    @property
    def fraction(self) -> float:
        return 1.0 if self.estimated <= 0 else min(1.0, self.done / self.estimated)


@dataclass(frozen=True)
class SyncStatus:
    registered: bool
    store_id: str | None
    terminal_id: str | None
    central_url: str | None
    running: bool
    pid: int | None
    phase: str
    heartbeat_at: int | None
    progress: dict[str, Progress]
    feeds: dict[str, FeedStatus]
    outbox: OutboxStatus
    quarantined: int
    clock_offset_s: float | None
    online: bool
    last_contact_at: int | None
    offline_since: int | None
    last_cycle_at: int | None
    last_cycle_ok: bool | None
    last_error: str | None
    next_run_at: int | None
    stopped_reason: str | None
    requests_open: int
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """The ``status --json`` document (plain JSON types)."""
        out = asdict(self)
        out["progress"] = {k: {"done": p.done, "estimated": p.estimated} for k, p in self.progress.items()}
        return out


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _progress(text: str) -> dict[str, Progress]:
    try:
        raw = json.loads(text or "{}")
    except ValueError:
        return {}
    out = {}
    if isinstance(raw, dict):
        for feed, p in raw.items():
            if isinstance(p, dict) and type(p.get("done")) is int and type(p.get("estimated")) is int:
                out[feed] = Progress(p["done"], p["estimated"])
    return out


def _waiting_behind_poison(conn: sqlite3.Connection) -> list[str]:
    """A dead letter central failed on (a 5xx, so it never recorded it) holds back every later
    event of this terminal: central applies them in order. Say how many wait."""
    first = conn.execute("SELECT MIN(seq) FROM outbox WHERE status = 'dead' AND substr(last_error, 1, ?) = ?",
                         (len(POISON), POISON)).fetchone()[0]
    if first is None:
        return []
    waiting = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND seq > ?", (first,)).fetchone()[0]
    if not waiting:
        return []
    return [f"{waiting} events wait at central behind dead letter {first}, which central failed on (it applies "
            "a terminal's events in order): retry that dead letter once central is fixed"]


def read_status(conn: sqlite3.Connection, *, now: float | None = None) -> SyncStatus:
    """Everything the console shows about sync, read from the local store."""
    t = int(time.time() if now is None else now)
    row = conn.execute("SELECT * FROM sync_status WHERE id = 1").fetchone()
    feeds = {}
    for r in conn.execute("SELECT feed, cursor, rows, last_success_at, last_error, last_error_at, version, "
                          "included_seq FROM feed_state"):
        feeds[r[0]] = FeedStatus(*r)
    for feed in FEEDS:
        feeds.setdefault(feed, FeedStatus(feed, "", 0, None, None))
    ordered = {f: feeds[f] for f in FEEDS} | {f: s for f, s in feeds.items() if f not in FEEDS}
    c = outbox_counts(conn)
    quarantined = conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
    requests_open = conn.execute("SELECT COUNT(*) FROM sync_requests WHERE done_at IS NULL").fetchone()[0]
    store, terminal, central = get(conn, "store_id"), get(conn, "terminal_id"), get(conn, "central_url")
    running = bool(row["running"]) and row["heartbeat_at"] is not None \
        and t - row["heartbeat_at"] <= HEARTBEAT_STALE_S and _alive(row["pid"])
    online = running and bool(row["reachable"])
    offset = row["clock_offset_s"]
    warnings = []
    if offset is not None and abs(offset) > 120:
        warnings.append(f"this terminal's clock is {abs(offset):.0f} s {'behind' if offset > 0 else 'ahead of'} "
                        "central's: set the time, receipts carry it")
    if c["dead"]:
        warnings.append(f"{c['dead']} events were refused by central and need a manager (dead letters)")
        warnings += _waiting_behind_poison(conn)
    if row["stopped_reason"]:
        warnings.append(f"sync stopped: {row['stopped_reason']}; register the terminal with a new token")
    return SyncStatus(
        registered=bool(store and terminal and central), store_id=store, terminal_id=terminal, central_url=central,
        running=running, pid=row["pid"], phase=row["phase"] if running or row["phase"] == "stopped" else "not running",
        heartbeat_at=row["heartbeat_at"], progress=_progress(row["progress"]) if running else {},
        feeds=ordered, outbox=OutboxStatus(c["pending"], c["acked"], c["dead"]), quarantined=quarantined,
        clock_offset_s=offset, online=online, last_contact_at=row["last_contact_at"],
        offline_since=None if online else row["last_contact_at"], last_cycle_at=row["last_cycle_at"],
        last_cycle_ok=None if row["last_cycle_ok"] is None else bool(row["last_cycle_ok"]),
        last_error=row["last_error"], next_run_at=row["next_run_at"], stopped_reason=row["stopped_reason"],
        requests_open=requests_open, warnings=warnings,
    )
