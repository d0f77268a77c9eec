"""Gapless per-terminal counters: receipt numbers, shift numbers, order numbers.

``next_value`` must run inside the caller's write transaction: the increment commits or
rolls back with the record that uses it, so a failed sale never burns a number and two
sales can never share one.
"""
from __future__ import annotations

import sqlite3

from .db import StoreError


def next_value(conn: sqlite3.Connection, name: str) -> int:
    if not conn.in_transaction:
        raise StoreError(f"sequence {name!r} must be taken inside the transaction that uses it")
    row = conn.execute(
        "INSERT INTO sequences(name, value) VALUES (?, 1) "
        "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
        (name,),
    ).fetchone()
    return row[0]


def peek(conn: sqlite3.Connection, name: str) -> int:
    """The last value handed out (0 if none)."""
    row = conn.execute("SELECT value FROM sequences WHERE name = ?", (name,)).fetchone()
    return row[0] if row else 0
