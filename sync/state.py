"""Writing the tables the agent shares with the apps: sync requests and the status row.

The POS's "Sync now" and ``python -m sync request`` call :func:`request_sync`; the agent
takes open requests when it starts a cycle (:func:`take_requests`) and closes them with
the cycle's result (:func:`finish_requests`). The agent alone writes ``sync_status``
through the other functions here; every write is its own tiny transaction, so a sale
never waits on it. Readers use :mod:`sync.status`.
"""
from __future__ import annotations

import json
import sqlite3
import time

from retail.store import transaction

MAX_TEXT = 2000
KEEP_REQUESTS_S = 30 * 86400   # answered requests older than this are dropped


def _now(now: float | None) -> int:
    return int(time.time() if now is None else now)


def _update(conn: sqlite3.Connection, assignments: str, values: tuple) -> None:
    with transaction(conn):
        conn.execute("UPDATE sync_status SET " + assignments + " WHERE id = 1", values)


# ---------------------------------------------------------------- requests


def request_sync(conn: sqlite3.Connection, requested_by: str = "", *, now: float | None = None) -> int:
    """Ask the running agent for a cycle now; returns the request id (see :func:`request_result`)."""
    if not isinstance(requested_by, str) or len(requested_by) > 200:
        raise ValueError("requested_by must be text of at most 200 characters (a staff id or 'cli')")
    with transaction(conn):
        return conn.execute("INSERT INTO sync_requests(requested_at, requested_by) VALUES (?, ?) RETURNING id",
                            (_now(now), requested_by)).fetchone()[0]


def has_open_request(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sync_requests WHERE started_at IS NULL LIMIT 1").fetchone() is not None


def take_requests(conn: sqlite3.Connection, *, now: float | None = None) -> list[int]:
    """Mark every request not yet started as started by this cycle; returns their ids."""
    with transaction(conn):
        rows = conn.execute("UPDATE sync_requests SET started_at = ? WHERE started_at IS NULL RETURNING id",
                            (_now(now),)).fetchall()
    return sorted(r[0] for r in rows)


def finish_requests(conn: sqlite3.Connection, ids: list[int], result: str, *, now: float | None = None) -> None:
    """Answer the requests a cycle took; answers older than a month are dropped meanwhile."""
    if not ids:
        return
    t = _now(now)
    with transaction(conn):
        conn.executemany("UPDATE sync_requests SET done_at = ?, result = ? WHERE id = ?",
                         [(t, result[:MAX_TEXT], i) for i in ids])
        conn.execute("DELETE FROM sync_requests WHERE done_at < ?", (t - KEEP_REQUESTS_S,))


def request_result(conn: sqlite3.Connection, request_id: int) -> sqlite3.Row | None:
    """The request row (started_at, done_at, result) - what the manager's console shows."""
    return conn.execute("SELECT id, requested_at, requested_by, started_at, done_at, result FROM sync_requests "
                        "WHERE id = ?", (request_id,)).fetchone()


# ---------------------------------------------------------------- the agent's status row


def agent_started(conn: sqlite3.Connection, pid: int, *, now: float | None = None) -> None:
    t = _now(now)
    _update(conn, "running = 1, pid = ?, started_at = ?, heartbeat_at = ?, phase = 'starting', progress = '{}', "
                  "stopped_reason = NULL, stopped_at = NULL", (pid, t, t))


def heartbeat(conn: sqlite3.Connection, *, now: float | None = None) -> None:
    _update(conn, "heartbeat_at = ?", (_now(now),))


def set_phase(conn: sqlite3.Connection, phase: str, *, now: float | None = None) -> None:
    _update(conn, "phase = ?, heartbeat_at = ?", (phase, _now(now)))


def set_progress(conn: sqlite3.Connection, phase: str, progress: dict, *, now: float | None = None) -> None:
    _update(conn, "phase = ?, progress = ?, heartbeat_at = ?",
            (phase, json.dumps(progress, separators=(",", ":")), _now(now)))


def contact(conn: sqlite3.Connection, *, reachable: bool, last_contact_at: float | None,
            clock_offset_s: float | None) -> None:
    """Whether central answered, when it last did, and the clock offset measured."""
    _update(conn, "reachable = ?, last_contact_at = COALESCE(?, last_contact_at), "
                  "clock_offset_s = COALESCE(?, clock_offset_s)",
            (int(reachable), None if last_contact_at is None else int(last_contact_at), clock_offset_s))


def cycle_started(conn: sqlite3.Connection, *, now: float | None = None) -> None:
    t = _now(now)
    _update(conn, "cycle_started_at = ?, phase = 'contacting', progress = '{}', heartbeat_at = ?", (t, t))


def cycle_done(conn: sqlite3.Connection, *, ok: bool, error: str | None, next_run_at: float | None,
               now: float | None = None) -> None:
    t = _now(now)
    _update(conn, "last_cycle_at = ?, last_cycle_ok = ?, last_error = ?, next_run_at = ?, phase = 'idle', "
                  "progress = '{}', heartbeat_at = ?",
            (t, int(ok), None if error is None else error[:MAX_TEXT],
             None if next_run_at is None else int(next_run_at), t))


def stopped(conn: sqlite3.Connection, reason: str, detail: str, *, now: float | None = None) -> None:
    """The agent gives up until someone acts (a new token): say why, for the console."""
    t = _now(now)
    _update(conn, "running = 0, phase = 'stopped', progress = '{}', stopped_reason = ?, stopped_at = ?, "
                  "last_error = ?, last_cycle_ok = 0, heartbeat_at = ?",
            (reason[:MAX_TEXT], t, detail[:MAX_TEXT], t))


def agent_exited(conn: sqlite3.Connection, *, now: float | None = None) -> None:
    _update(conn, "running = 0, phase = CASE WHEN phase = 'stopped' THEN phase ELSE 'exited' END, "
                  "progress = '{}', heartbeat_at = ?", (_now(now),))


def clear_stopped(conn: sqlite3.Connection) -> None:
    """A new registration (token) lifts the stop."""
    _update(conn, "stopped_reason = NULL, stopped_at = NULL, phase = 'idle'", ())
