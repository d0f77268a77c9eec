"""The transactional outbox: what this terminal did, waiting to be told to central.

``emit`` is called inside the same transaction as the change it describes (a sale and
its lines, movements and loyalty events), so either both are on disk or neither is. The
sync agent sends pending events in ``seq`` order, at least once; central answers each
with accepted / duplicate / rejected, and :func:`acknowledge` records it. Events are
never deleted: the ledger is what fault tests compare with central's.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass

from .ids import new_id

MAX_ATTEMPTS = 8  # a poison event goes to the dead letters after this many rejections
POISON = "central failed on this event alone:"  # how last_error begins for an event central fails on (5xx)


def canonical(payload: dict) -> str:
    """The one JSON encoding of a payload: what is hashed, stored and sent."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def payload_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Event:
    seq: int
    id: str
    kind: str
    payload: dict
    payload_hash: str
    created_at: int
    attempts: int = 0


def emit(conn: sqlite3.Connection, kind: str, payload: dict, *, now: int | None = None) -> Event:
    """Queue an event in the caller's transaction; returns it with its sequence number."""
    if not conn.in_transaction:
        raise RuntimeError("outbox events must be written inside the change's transaction")
    event_id = new_id()
    text = canonical(payload)
    digest = payload_hash(text)
    at = int(time.time()) if now is None else now
    seq = conn.execute(
        "INSERT INTO outbox(id, kind, payload, payload_hash, created_at) VALUES (?, ?, ?, ?, ?) "
        "RETURNING seq",
        (event_id, kind, text, digest, at),
    ).fetchone()[0]
    return Event(seq, event_id, kind, payload, digest, at)


def pending(conn: sqlite3.Connection, limit: int = 500) -> list[Event]:
    rows = conn.execute(
        "SELECT seq, id, kind, payload, payload_hash, created_at, attempts FROM outbox "
        "WHERE status = 'pending' ORDER BY seq LIMIT ?",
        (limit,),
    ).fetchall()
    return [Event(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6]) for r in rows]


def acknowledge(conn: sqlite3.Connection, seq: int, result: dict, *, now: int | None = None) -> None:
    """Central accepted the event (or already had it): it is done."""
    acknowledge_many(conn, [(seq, result)], now=now)


def acknowledge_many(conn: sqlite3.Connection, answers: list[tuple[int, dict]], *, now: int | None = None) -> None:
    """:func:`acknowledge` for ``(seq, result)`` pairs: a pushed batch's acceptances at once."""
    at = int(time.time()) if now is None else now
    conn.executemany(
        "UPDATE outbox SET status = 'acked', acked_at = ?, result = ?, last_error = NULL "
        "WHERE seq = ? AND status != 'acked'",
        [(at, canonical(result), seq) for seq, result in answers],
    )


def reject(conn: sqlite3.Connection, seq: int, reason: str, *, max_attempts: int = MAX_ATTEMPTS) -> str:
    """Central refused the event; after ``max_attempts`` it becomes a dead letter."""
    row = conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
        "status = CASE WHEN attempts + 1 >= ? THEN 'dead' ELSE status END "
        "WHERE seq = ? AND status = 'pending' RETURNING status",
        (reason, max_attempts, seq),
    ).fetchone()
    return row[0] if row else "missing"


def retry_dead(conn: sqlite3.Connection, seq: int) -> None:
    """A manager sends a dead letter again after the cause was fixed."""
    conn.execute(
        "UPDATE outbox SET status = 'pending', attempts = 0 WHERE seq = ? AND status = 'dead'", (seq,)
    )


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    out = {"pending": 0, "acked": 0, "dead": 0}
    for status, n in conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"):
        out[status] = n
    return out


def highest_acked_contiguous(conn: sqlite3.Connection) -> int:
    """The largest seq such that every event up to it is acknowledged (or dead)."""
    row = conn.execute("SELECT MIN(seq) FROM outbox WHERE status = 'pending'").fetchone()
    if row[0] is not None:
        return row[0] - 1
    return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()[0]
