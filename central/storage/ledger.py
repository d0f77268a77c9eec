"""The event ledger: every event a terminal sent and the answer central gave.

One row per (terminal, seq) and per event id, written in the same transaction as the
event's effects (or alone, for a rejection), so a retry after a lost answer finds the
first answer. Conflicting retries (an id or a seq reused) are answered from the ledger
and noted once in ``event_conflicts``.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    store_id: str
    terminal_id: str
    seq: int
    id: str
    kind: str
    payload_hash: str
    status: str
    result: dict | None
    reason: str | None


def _entry(row) -> Entry | None:
    if row is None:
        return None
    return Entry(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                 json.loads(row[7]) if row[7] is not None else None, row[8])


_COLUMNS = "store_id, terminal_id, seq, id, kind, payload_hash, status, result, reason"


def by_id(conn: sqlite3.Connection, event_id: str) -> Entry | None:
    return _entry(conn.execute(f"SELECT {_COLUMNS} FROM events WHERE id = ?", (event_id,)).fetchone())


def by_seq(conn: sqlite3.Connection, store_id: str, terminal_id: str, seq: int) -> Entry | None:
    return _entry(conn.execute(f"SELECT {_COLUMNS} FROM events WHERE store_id = ? AND terminal_id = ? AND seq = ?",
                               (store_id, terminal_id, seq)).fetchone())


def record(conn: sqlite3.Connection, store_id: str, terminal_id: str, *, seq: int, event_id: str, kind: str,
           payload: str, payload_hash: str, status: str, result: dict | None, reason: str | None,
           created_at: int, received_at: int) -> None:
    conn.execute(
        "INSERT INTO events(store_id, terminal_id, seq, id, kind, payload, payload_hash, status, result, reason, "
        "created_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (store_id, terminal_id, seq, event_id, kind, payload, payload_hash, status,
         None if result is None else json.dumps(result, ensure_ascii=False, sort_keys=True), reason,
         created_at, received_at),
    )


def conflict(conn: sqlite3.Connection, store_id: str, terminal_id: str, *, seq: int, event_id: str,
             payload_hash: str, reason: str, at: int) -> None:
    conn.execute(
        "INSERT INTO event_conflicts(store_id, terminal_id, seq, event_id, payload_hash, reason, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (store_id, terminal_id, seq, event_id, payload_hash, reason, at),
    )


def conflicts(conn: sqlite3.Connection, store_id: str, terminal_id: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT seq, event_id, payload_hash, reason, at FROM event_conflicts "
                        "WHERE store_id = ? AND terminal_id = ? ORDER BY id", (store_id, terminal_id)).fetchall()


def acked_through(conn: sqlite3.Connection, store_id: str, terminal_id: str) -> int:
    row = conn.execute("SELECT acked_through FROM terminals WHERE store_id = ? AND terminal_id = ?",
                       (store_id, terminal_id)).fetchone()
    return row[0] if row else 0


def advance(conn: sqlite3.Connection, store_id: str, terminal_id: str) -> int:
    """Move ``acked_through`` over every contiguous answered seq; returns the new value.

    Runs in the transaction that recorded an event, so the figure a feed page reports
    always matches the rows it reads.
    """
    through = acked_through(conn, store_id, terminal_id)
    for (seq,) in conn.execute("SELECT seq FROM events WHERE store_id = ? AND terminal_id = ? AND seq > ? ORDER BY seq",
                               (store_id, terminal_id, through)):
        if seq != through + 1:
            break
        through = seq
    conn.execute("UPDATE terminals SET acked_through = ? WHERE store_id = ? AND terminal_id = ?",
                 (through, store_id, terminal_id))
    return through


def counts(conn: sqlite3.Connection, store_id: str, terminal_id: str) -> dict[str, int]:
    return dict(conn.execute("SELECT status, COUNT(*) FROM events WHERE store_id = ? AND terminal_id = ? "
                             "GROUP BY status", (store_id, terminal_id)).fetchall())
