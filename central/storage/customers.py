"""Customers, their loyalty cards, and the loyalty ledger.

Loyalty is events, not balances: the balance is ``SUM(points)`` of the customer's ledger
entries, and each entry keeps the id its terminal gave it, so a retried sale can never
earn twice. A ledger entry or a card change stamps the customer with a new version: the
balance travels in the customer's feed row, so points earned in one store show in every
store's next customers page.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ..errors import Conflict
from .catalogue import json_ids
from .chain import _upsert_sql, stamped
from .versions import CHAIN, next_version, next_versions, revive_many

CUSTOMER_COLUMNS = ("id", "first_name", "last_name", "tier", "phone", "email")
_CUSTOMER_UPSERT = _upsert_sql("customers", CUSTOMER_COLUMNS, ("id",))


def upsert_customers(conn: sqlite3.Connection, items: list[tuple[tuple, list[tuple[str, int]], int]], *,
                     at: int, fresh: bool = False) -> None:
    """Write customers with their cards; a non-zero opening balance becomes an ``opening``
    ledger entry (id ``opening:<customer>``), written once."""
    if not items:
        return
    conn.executemany(_CUSTOMER_UPSERT, stamped(conn, [cols for cols, _, _ in items]))
    cards = [(number, cols[0], blocked) for cols, numbers, _ in items for number, blocked in numbers]
    if not fresh:
        ids = {cols[0] for cols, _, _ in items}
        losers = sorted({r[0] for r in conn.execute(
            "SELECT customer_id FROM cards WHERE number IN (SELECT value FROM json_each(?))",
            (json_ids(c[0] for c in cards),))} - ids)
        if losers:  # a card moved to another customer: its old holder's row changes too
            first = next_versions(conn, len(losers))
            conn.executemany("UPDATE customers SET version = ? WHERE id = ?",
                             [(first + i, c) for i, c in enumerate(losers)])
        conn.executemany("DELETE FROM cards WHERE customer_id = ?", [(i,) for i in ids])
    conn.executemany(
        "INSERT INTO cards(number, customer_id, blocked) VALUES (?, ?, ?) "
        "ON CONFLICT(number) DO UPDATE SET customer_id = excluded.customer_id, blocked = excluded.blocked",
        cards,
    )
    conn.executemany(
        "INSERT INTO loyalty_ledger(id, customer_id, kind, points, at) VALUES (?, ?, 'opening', ?, ?) "
        "ON CONFLICT(id) DO NOTHING",
        [(f"opening:{cols[0]}", cols[0], balance, at) for cols, _, balance in items if balance],
    )
    if not fresh:
        revive_many(conn, "customers", [(CHAIN, f"customer:{cols[0]}") for cols, _, _ in items])


def exists(conn: sqlite3.Connection, customer_id: str) -> bool:
    return conn.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone() is not None


def get(conn: sqlite3.Connection, customer_id: str) -> sqlite3.Row | None:
    return conn.execute(f"SELECT {', '.join(CUSTOMER_COLUMNS)} FROM customers WHERE id = ?",
                        (customer_id,)).fetchone()


def by_card(conn: sqlite3.Connection, number: str) -> tuple[str, bool] | None:
    """(customer id, blocked) for a card number."""
    row = conn.execute("SELECT customer_id, blocked FROM cards WHERE number = ?", (number,)).fetchone()
    return (row[0], bool(row[1])) if row else None


def balance(conn: sqlite3.Connection, customer_id: str) -> int:
    return conn.execute("SELECT COALESCE(SUM(points), 0) FROM loyalty_ledger WHERE customer_id = ?",
                        (customer_id,)).fetchone()[0]


def balances(conn: sqlite3.Connection, customer_ids: Iterable[str]) -> dict[str, int]:
    return dict(conn.execute(
        "SELECT customer_id, SUM(points) FROM loyalty_ledger WHERE customer_id IN (SELECT value FROM json_each(?)) "
        "GROUP BY customer_id", (json_ids(customer_ids),)).fetchall())


def post(conn: sqlite3.Connection, entry_id: str, customer_id: str, kind: str, points: int, *,
         sale_id: str | None, event_id: str | None, store_id: str | None, at: int) -> bool:
    """Add one ledger entry once; False if this entry was posted before (a retry).

    Raises :class:`Conflict` if the id was used for a different entry.
    """
    old = conn.execute("SELECT customer_id, kind, points FROM loyalty_ledger WHERE id = ?", (entry_id,)).fetchone()
    if old is not None:
        if tuple(old) != (customer_id, kind, points):
            raise Conflict(f"loyalty entry {entry_id} was already posted with other figures")
        return False
    conn.execute(
        "INSERT INTO loyalty_ledger(id, customer_id, kind, points, sale_id, event_id, store_id, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (entry_id, customer_id, kind, points, sale_id, event_id, store_id, at),
    )
    conn.execute("UPDATE customers SET version = ? WHERE id = ?", (next_version(conn), customer_id))
    return True
