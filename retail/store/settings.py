"""Terminal settings kept in the local store (identity, language, limits, device config).

Values are stored as text; typed getters convert and fall back to documented defaults so
a fresh terminal works before its first settings feed.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any

DEFAULTS: dict[str, str] = {
    "language": "ru",
    "offline_redeem_cap_points": "500",   # points a card may redeem while central is unreachable
    "earn_rate_bp": "100",                # points earned per ruble, in bp of the total (1 %)
    "point_value_kopecks": "100",         # one point pays one ruble
    "void_threshold_kopecks": "100000",   # line voids above this need a manager
    "pickup_hold_days": "3",
    "max_pin_failures": "5",
    "lockout_seconds": "300",
    "idle_lock_seconds": "300",
}


def get(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    if row is not None:
        return row[0]
    return DEFAULTS.get(key, default)


def get_int(conn: sqlite3.Connection, key: str, default: int = 0) -> int:
    value = get(conn, key)
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def get_json(conn: sqlite3.Connection, key: str, default: Any = None) -> Any:
    value = get(conn, key)
    if value is None:
        return default
    try:
        return json.loads(value)
    except ValueError:
        return default


def put(conn: sqlite3.Connection, key: str, value: Any) -> None:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    conn.execute(
        "INSERT INTO settings(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, text),
    )


def identity(conn: sqlite3.Connection) -> tuple[str, str]:
    """(store_id, terminal_id) this local store belongs to."""
    store, terminal = get(conn, "store_id"), get(conn, "terminal_id")
    if not store or not terminal:
        from .db import StoreError

        raise StoreError("this terminal is not registered: run `python -m sync register` first")
    return store, terminal
