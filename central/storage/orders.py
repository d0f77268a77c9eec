"""Orders from every channel: header, lines, status history, shopper notifications.

An order is served in the orders feed of its pickup store and of the location it ships
from (``source_id``); every change stamps it with a new version. Reservations and stock
movements for orders live in :mod:`.stock`.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from .catalogue import json_ids
from .versions import next_version

_HEADER = ("id", "number", "channel", "fulfilment", "status", "pickup_store_id", "source_id", "customer_id",
           "contact", "total", "paid", "pickup_code_hash", "created_at", "updated_at", "ready_at", "expires_at",
           "arrived_at")
_LINE = ("line_no", "sku", "name", "qty_milli", "unit_price", "amount", "vat_rate_bp", "returned_milli")


def insert(conn: sqlite3.Connection, order: dict, lines: list[dict]) -> None:
    """Write a new order (``order`` holds every header column but the version)."""
    conn.execute(
        "INSERT INTO orders(id, number, channel, fulfilment, status, pickup_store_id, source_id, customer_id, "
        "contact, total, paid, payment, pickup_code_hash, created_at, updated_at, expires_at, origin_store_id, "
        "origin_terminal_id, event_id, version) "
        "VALUES (?, ?, ?, ?, 'placed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (order["id"], order["number"], order["channel"], order["fulfilment"], order["pickup_store_id"],
         order["source_id"], order["customer_id"], json.dumps(order["contact"], ensure_ascii=False),
         order["total"], order["paid"], json.dumps(order.get("payment") or {}, ensure_ascii=False),
         order["pickup_code_hash"], order["created_at"], order["created_at"], order.get("expires_at"),
         order.get("origin_store_id"), order.get("origin_terminal_id"), order.get("event_id"), next_version(conn)),
    )
    conn.executemany(
        "INSERT INTO order_lines(order_id, line_no, sku, name, qty_milli, unit_price, amount, vat_rate_bp, "
        "returned_milli) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(order["id"], ln["line_no"], ln["sku"], ln["name"], ln["qty_milli"], ln["unit_price"], ln["amount"],
          ln["vat_rate_bp"], ln.get("returned_milli", 0)) for ln in lines],
    )


def find_id(conn: sqlite3.Connection, id_or_number: str) -> str | None:
    row = conn.execute("SELECT id FROM orders WHERE id = ? OR number = ?",
                       (id_or_number, id_or_number.strip().upper())).fetchone()
    return row[0] if row else None


def header(conn: sqlite3.Connection, order_id: str) -> sqlite3.Row | None:
    return conn.execute(f"SELECT {', '.join(_HEADER)}, collected_at, version FROM orders WHERE id = ?",
                        (order_id,)).fetchone()


def render(conn: sqlite3.Connection, order_ids: Iterable[str]) -> dict[str, dict]:
    """Orders in the feed's shape (header with ``lines``), by id."""
    ids = json_ids(order_ids)
    out: dict[str, dict] = {}
    for row in conn.execute(f"SELECT {', '.join(_HEADER)} FROM orders WHERE id IN (SELECT value FROM json_each(?))",
                            (ids,)):
        data = dict(zip(_HEADER, row))
        data["contact"] = json.loads(data["contact"])
        data["lines"] = []
        out[data["id"]] = data
    for row in conn.execute(
        f"SELECT order_id, {', '.join(_LINE)} FROM order_lines WHERE order_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY order_id, line_no", (ids,)
    ):
        out[row[0]]["lines"].append(dict(zip(_LINE, tuple(row)[1:])))
    return out


def get(conn: sqlite3.Connection, id_or_number: str) -> dict | None:
    order_id = find_id(conn, id_or_number)
    return render(conn, [order_id]).get(order_id) if order_id else None


def touch(conn: sqlite3.Connection, order_id: str, at: int, **changes: int | str | None) -> None:
    """Update header columns (from a fixed list) and stamp a new version."""
    allowed = {"status", "ready_at", "expires_at", "arrived_at", "collected_at"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change order columns {sorted(unknown)}")
    row = header(conn, order_id)
    values = {name: row[name] for name in allowed}
    values.update(changes)
    conn.execute(
        "UPDATE orders SET status = ?, ready_at = ?, expires_at = ?, arrived_at = ?, collected_at = ?, "
        "updated_at = ?, version = ? WHERE id = ?",
        (values["status"], values["ready_at"], values["expires_at"], values["arrived_at"], values["collected_at"],
         at, next_version(conn), order_id),
    )


def history(conn: sqlite3.Connection, order_id: str, status: str, *, applied: bool, at: int,
            staff_id: str | None, source: str, note: str = "") -> None:
    conn.execute(
        "INSERT INTO order_history(order_id, status, applied, at, staff_id, source, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (order_id, status, int(applied), at, staff_id, source, note),
    )


def history_of(conn: sqlite3.Connection, order_id: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT status, applied, at, staff_id, source, note FROM order_history WHERE order_id = ? "
                        "ORDER BY id", (order_id,)).fetchall()


def notify(conn: sqlite3.Connection, order_id: str, kind: str, recipient: str, message: str, at: int) -> bool:
    """Record a shopper notification once per order and kind; False if already sent."""
    return conn.execute(
        "INSERT INTO notifications(order_id, kind, recipient, message, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(order_id, kind) DO NOTHING", (order_id, kind, recipient, message, at),
    ).rowcount == 1


def notifications(conn: sqlite3.Connection, order_id: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT kind, recipient, message, created_at FROM notifications WHERE order_id = ? "
                        "ORDER BY id", (order_id,)).fetchall()


def line(conn: sqlite3.Connection, order_id: str, line_no: int) -> sqlite3.Row | None:
    return conn.execute(f"SELECT {', '.join(_LINE)} FROM order_lines WHERE order_id = ? AND line_no = ?",
                        (order_id, line_no)).fetchone()


def add_returned(conn: sqlite3.Connection, order_id: str, line_no: int, qty_milli: int, at: int) -> None:
    conn.execute("UPDATE order_lines SET returned_milli = returned_milli + ? WHERE order_id = ? AND line_no = ?",
                 (qty_milli, order_id, line_no))
    touch(conn, order_id, at)
