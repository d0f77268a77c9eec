"""Stock availability on this terminal: central's figure plus what central has not seen yet.

Central's on-hand for this store arrives in the ``inventory`` feed. Each ``stock`` row is
stored with the page's ``included`` sequence number for this terminal: central had
applied this terminal's events ``1..included_seq`` (and no later ones) when it read the
figure. So::

    available = on_hand
              + local movements with outbox_seq > included_seq   (sales are negative)
              - open holds      with outbox_seq > included_seq   (kiosk / pickup orders)
              - reserved        (central's reservations for open orders from this store)
              - safety buffer

A sale is subtracted locally until a feed row that includes its event replaces the
figure, and from then on only through central's number: never twice, never not at all.
A hold stops counting when central's figure reflects the order that placed it (central's
``reserved_milli`` then holds the quantity instead), or when the order ends
(:func:`release_holds`). The display floors at zero; ``raw`` keeps the
signed figure so an oversold item is visible to staff.

Every write takes the caller's connection inside its transaction: a sale's movements
commit together with the sale and its outbox event, which gives them their ``outbox_seq``.
"""
from __future__ import annotations

import sqlite3
from typing import Any, Iterable, Mapping, NamedTuple

from .ids import new_id

MAX_MILLI = 10**12


class InventoryError(ValueError):
    """A stock row or movement that cannot be used; the message says why."""


class Availability(NamedTuple):
    """Quantities in thousandths (1 piece or 1 kg = 1000)."""

    on_hand: int                # central's figure for this store
    unreflected_movements: int  # signed sum of local movements central had not applied
    holds: int                  # open holds central had not applied
    reserved: int               # held at central for open orders fulfilled from this store
    safety: int
    available: int              # what can be promised: raw floored at 0
    raw: int                    # on_hand + unreflected_movements - holds - reserved - safety
    included_seq: int           # this terminal's outbox seq central's figure includes


class NetworkAvailability(NamedTuple):
    location_id: str
    name: str                   # the location's name in the language asked for
    kind: str                   # 'store' or 'warehouse' ('' when the location is unknown)
    available_milli: int
    delivery_days: int | None


def _require_transaction(conn: sqlite3.Connection, what: str) -> None:
    if not conn.in_transaction:
        raise InventoryError(f"{what} must run inside retail.store.transaction(conn)")


def _int(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InventoryError(f"{what} must be a whole number from {low} to {high}, got {value!r}")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise InventoryError(f"{what} must be non-empty text without spaces around it, got {value!r}")
    return value


# ---------------------------------------------------------------- reading


def _feed_included(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT included_seq FROM feed_state WHERE feed = 'inventory'").fetchone()
    return row[0] if row else 0


def available(conn: sqlite3.Connection, sku: str, terminal_seq_included: int | None = None) -> Availability:
    """How much of ``sku`` this store can promise now.

    The stock row's own ``included_seq`` says which local events its figure contains.
    When central has sent no row for the SKU, its on-hand counts as 0 as of
    ``terminal_seq_included`` (default: the inventory feed's last ``included`` figure),
    so local returns and sales since then still show.
    """
    sku = _text(sku, "SKU")
    row = conn.execute(
        "SELECT on_hand_milli, safety_milli, reserved_milli, included_seq FROM stock WHERE sku = ?", (sku,)
    ).fetchone()
    if row is not None:
        on_hand, safety, reserved, included = row
    else:
        on_hand, safety, reserved = 0, 0, 0
        included = _feed_included(conn) if terminal_seq_included is None else _int(
            terminal_seq_included, "terminal_seq_included", 0, 2**63 - 1)
    moved = conn.execute(
        "SELECT COALESCE(SUM(delta_milli), 0) FROM stock_movements WHERE sku = ? AND outbox_seq > ?",
        (sku, included),
    ).fetchone()[0]
    held = conn.execute(
        "SELECT COALESCE(SUM(qty_milli), 0) FROM holds WHERE sku = ? AND released_at IS NULL AND outbox_seq > ?",
        (sku, included),
    ).fetchone()[0]
    raw = on_hand + moved - held - reserved - safety
    return Availability(on_hand, moved, held, reserved, safety, max(raw, 0), raw, included)


def network_availability(conn: sqlite3.Connection, sku: str, lang: str = "ru") -> list[NetworkAvailability]:
    """Stock of ``sku`` in the chain's other stores and the warehouse (the endless aisle).

    Locations with stock first, then the quickest to deliver, then by name. A location
    the ``stores`` feed has not described yet is listed under its id.
    """
    sku = _text(sku, "SKU")
    if lang not in ("ru", "en"):
        raise InventoryError(f"language must be 'ru' or 'en', got {lang!r}")
    rows = conn.execute(
        "SELECT n.location_id, s.name_ru, s.name_en, s.kind, n.available_milli, s.delivery_days "
        "FROM network_stock AS n LEFT JOIN stores AS s ON s.id = n.location_id WHERE n.sku = ?",
        (sku,),
    ).fetchall()
    out = []
    for loc, name_ru, name_en, kind, qty, days in rows:
        name = (name_ru if lang == "ru" else name_en) or name_ru or name_en or loc
        out.append(NetworkAvailability(loc, name, kind or "", qty, days))
    big = 2**31
    out.sort(key=lambda n: (n.available_milli <= 0, big if n.delivery_days is None else n.delivery_days, n.name, n.location_id))
    return out


# ---------------------------------------------------------------- local writes


def record_movement(
    conn: sqlite3.Connection, sku: str, delta_milli: int, reason: str, ref_id: str,
    outbox_seq: int, now: int, *, movement_id: str | None = None,
) -> str:
    """Record a local stock movement (negative for a sale) tied to its outbox event."""
    _require_transaction(conn, "record_movement")
    delta = _int(delta_milli, "delta_milli", -MAX_MILLI, MAX_MILLI)
    if delta == 0:
        raise InventoryError(f"a stock movement of {sku!r} must change the quantity, got 0")
    mid = movement_id or new_id()
    conn.execute(
        "INSERT INTO stock_movements(id, sku, delta_milli, reason, ref_id, outbox_seq, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (_text(mid, "movement id"), _text(sku, "SKU"), delta, _text(reason, "reason"), _text(ref_id, "ref_id"),
         _int(outbox_seq, "outbox_seq", 1, 2**63 - 1), _int(now, "now", 0, 2**53)),
    )
    return mid


def place_hold(
    conn: sqlite3.Connection, sku: str, qty_milli: int, order_id: str, outbox_seq: int, now: int,
    *, hold_id: str | None = None,
) -> str:
    """Hold stock for an order taken here until central reflects it or the order ends."""
    _require_transaction(conn, "place_hold")
    hid = hold_id or new_id()
    conn.execute(
        "INSERT INTO holds(id, sku, qty_milli, order_id, outbox_seq, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (_text(hid, "hold id"), _text(sku, "SKU"), _int(qty_milli, "qty_milli", 1, MAX_MILLI),
         _text(order_id, "order id"), _int(outbox_seq, "outbox_seq", 1, 2**63 - 1), _int(now, "now", 0, 2**53)),
    )
    return hid


def release_holds(conn: sqlite3.Connection, order_id: str, now: int) -> int:
    """Release an order's open holds (collected, cancelled, expired); returns how many."""
    _require_transaction(conn, "release_holds")
    cur = conn.execute(
        "UPDATE holds SET released_at = ? WHERE order_id = ? AND released_at IS NULL",
        (_int(now, "now", 0, 2**53), _text(order_id, "order id")),
    )
    return cur.rowcount


# ---------------------------------------------------------------- feed writes


def _stock_row(data: Mapping[str, Any]) -> tuple[str, int, int, int]:
    if not isinstance(data, Mapping):
        raise InventoryError(f"a stock row must be an object, got {type(data).__name__}")
    sku = _text(data.get("sku"), "stock row: sku")
    return (
        sku,
        _int(data.get("on_hand_milli"), f"stock of {sku}: on_hand_milli", -MAX_MILLI, MAX_MILLI),
        _int(data.get("safety_milli", 0), f"stock of {sku}: safety_milli", 0, MAX_MILLI),
        _int(data.get("reserved_milli", 0), f"stock of {sku}: reserved_milli", 0, MAX_MILLI),
    )


def upsert_stock(conn: sqlite3.Connection, rows: Iterable[Mapping[str, Any]], included_seq: int) -> int:
    """Store central's on-hand figures from one feed page, which included events ``1..included_seq``."""
    _require_transaction(conn, "upsert_stock")
    seq = _int(included_seq, "included_seq", 0, 2**63 - 1)
    valid = [(*_stock_row(r), seq) for r in rows]
    conn.executemany(
        "INSERT INTO stock(sku, on_hand_milli, safety_milli, reserved_milli, included_seq) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(sku) DO UPDATE SET on_hand_milli = excluded.on_hand_milli, "
        "safety_milli = excluded.safety_milli, reserved_milli = excluded.reserved_milli, "
        "included_seq = excluded.included_seq",
        valid,
    )
    return len(valid)


def delete_stock(conn: sqlite3.Connection, skus: Iterable[str]) -> int:
    _require_transaction(conn, "delete_stock")
    if isinstance(skus, str):
        raise InventoryError(f"SKUs to delete must be a list, got the single value {skus!r}")
    return conn.executemany("DELETE FROM stock WHERE sku = ?", [(_text(s, "SKU"),) for s in skus]).rowcount


def upsert_network_stock(conn: sqlite3.Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Store availability in other locations (``network`` rows of the inventory feed)."""
    _require_transaction(conn, "upsert_network_stock")
    valid = []
    for data in rows:
        if not isinstance(data, Mapping):
            raise InventoryError(f"a network stock row must be an object, got {type(data).__name__}")
        sku = _text(data.get("sku"), "network stock row: sku")
        valid.append((
            sku,
            _text(data.get("location_id"), f"network stock of {sku}: location_id"),
            _int(data.get("available_milli"), f"network stock of {sku}: available_milli", -MAX_MILLI, MAX_MILLI),
        ))
    conn.executemany(
        "INSERT INTO network_stock(sku, location_id, available_milli) VALUES (?, ?, ?) "
        "ON CONFLICT(sku, location_id) DO UPDATE SET available_milli = excluded.available_milli",
        valid,
    )
    return len(valid)


def delete_network_stock(conn: sqlite3.Connection, keys: Iterable[tuple[str, str]]) -> int:
    """Remove ``(sku, location_id)`` rows (tombstones of ``net:<sku>:<location>``)."""
    _require_transaction(conn, "delete_network_stock")
    pairs = []
    for key in keys:
        if not (isinstance(key, tuple) and len(key) == 2):
            raise InventoryError(f"a network stock key is (sku, location_id), got {key!r}")
        pairs.append((_text(key[0], "SKU"), _text(key[1], "location_id")))
    return conn.executemany("DELETE FROM network_stock WHERE sku = ? AND location_id = ?", pairs).rowcount
