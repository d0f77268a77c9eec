"""The chain itself: locations (stores and warehouses), store settings, signing keys, staff.

Writers take checked column tuples from :mod:`central.records` and stamp each row with
a new version (see :mod:`.versions`); deletes leave tombstones.
"""
from __future__ import annotations

import sqlite3

from ..errors import NotFound
from .versions import CHAIN, next_versions, revive_many, tombstone

LOCATION_COLUMNS = ("id", "name_ru", "name_en", "kind", "city_ru", "city_en", "address", "timezone", "pickup",
                    "delivery_days")


def _upsert_sql(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    names = ", ".join(columns + ("version",))
    marks = ", ".join("?" * (len(columns) + 1))
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns + ("version",) if c not in key)
    return f"INSERT INTO {table}({names}) VALUES ({marks}) ON CONFLICT({', '.join(key)}) DO UPDATE SET {updates}"


_LOCATION_UPSERT = _upsert_sql("locations", LOCATION_COLUMNS, ("id",))
_SETTING_UPSERT = _upsert_sql("store_settings", ("store_id", "key", "value"), ("store_id", "key"))
_KEY_UPSERT = _upsert_sql("signing_keys", ("store_id", "kid", "secret", "valid_from", "retired_at"),
                          ("store_id", "kid"))
_STAFF_UPSERT = _upsert_sql("staff", ("store_id", "id", "name", "role", "pin_hash", "active"), ("store_id", "id"))


def stamped(conn: sqlite3.Connection, rows: list[tuple]) -> list[tuple]:
    """Append a fresh version to each row (one block of numbers for the whole list)."""
    if not rows:
        return []
    first = next_versions(conn, len(rows))
    return [row + (first + i,) for i, row in enumerate(rows)]


def upsert_locations(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    conn.executemany(_LOCATION_UPSERT, stamped(conn, rows))
    revive_many(conn, "stores", [(CHAIN, f"store:{r[0]}") for r in rows])


def locations(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(f"SELECT {', '.join(LOCATION_COLUMNS)} FROM locations ORDER BY kind DESC, id").fetchall()


def get_location(conn: sqlite3.Connection, location_id: str) -> sqlite3.Row:
    row = conn.execute(f"SELECT {', '.join(LOCATION_COLUMNS)} FROM locations WHERE id = ?", (location_id,)).fetchone()
    if row is None:
        raise NotFound(f"no store or warehouse {location_id!r} in this chain")
    return row


def upsert_settings(conn: sqlite3.Connection, store_id: str, rows: list[tuple[str, str]]) -> None:
    conn.executemany(_SETTING_UPSERT, stamped(conn, [(store_id, k, v) for k, v in rows]))
    revive_many(conn, "settings", [(store_id, f"setting:{k}") for k, _ in rows])


def delete_setting(conn: sqlite3.Connection, store_id: str, key: str, at: int) -> bool:
    gone = conn.execute("DELETE FROM store_settings WHERE store_id = ? AND key = ?", (store_id, key)).rowcount
    if gone:
        tombstone(conn, "settings", store_id, f"setting:{key}", at)
    return bool(gone)


def setting(conn: sqlite3.Connection, store_id: str, key: str) -> str | None:
    """The JSON text of a store setting, or None."""
    row = conn.execute("SELECT value FROM store_settings WHERE store_id = ? AND key = ?", (store_id, key)).fetchone()
    return row[0] if row else None


def upsert_signing_keys(conn: sqlite3.Connection, store_id: str, rows: list[tuple]) -> None:
    conn.executemany(_KEY_UPSERT, stamped(conn, [(store_id, *r) for r in rows]))
    revive_many(conn, "settings", [(store_id, f"key:{r[0]}") for r in rows])


def signing_key(conn: sqlite3.Connection, store_id: str, now: int) -> tuple[str, bytes] | None:
    """The newest key in force at the store: what central signs pickup codes with."""
    row = conn.execute(
        "SELECT kid, secret FROM signing_keys WHERE store_id = ? AND valid_from <= ? AND retired_at IS NULL "
        "ORDER BY valid_from DESC, kid DESC LIMIT 1",
        (store_id, now),
    ).fetchone()
    return (row[0], bytes.fromhex(row[1])) if row else None


def upsert_staff(conn: sqlite3.Connection, store_id: str, rows: list[tuple]) -> None:
    conn.executemany(_STAFF_UPSERT, stamped(conn, [(store_id, *r) for r in rows]))
    revive_many(conn, "staff", [(store_id, f"staff:{r[0]}") for r in rows])


def delete_staff(conn: sqlite3.Connection, store_id: str, staff_id: str, at: int) -> bool:
    gone = conn.execute("DELETE FROM staff WHERE store_id = ? AND id = ?", (store_id, staff_id)).rowcount
    if gone:
        tombstone(conn, "staff", store_id, f"staff:{staff_id}", at)
    return bool(gone)
