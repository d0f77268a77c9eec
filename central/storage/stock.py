"""Stock per location: on hand, safety buffer, reservations for open orders, movements.

A stock row is one chain-wide feed row: the store it belongs to reads it as its own
``stock:<sku>`` row, every other store reads it as ``net:<sku>:<location>`` availability.
Available to promise = on hand - reserved - safety (never below zero); routing and the
network rows use the same figure.

Movements carry the id their maker gave them (the terminal's movement id, or
``<order id>:<line>`` for an order handed over), so applying one twice is impossible.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ..errors import Conflict
from .catalogue import json_ids
from .versions import CHAIN, next_version, next_versions, revive, revive_many, tombstone

_STOCK_SET = (
    "INSERT INTO stock(location_id, sku, on_hand_milli, safety_milli, version) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT(location_id, sku) DO UPDATE SET on_hand_milli = excluded.on_hand_milli, "
    "safety_milli = excluded.safety_milli, version = excluded.version"
)


_STOCK_INSERT = ("INSERT INTO stock(location_id, sku, on_hand_milli, safety_milli, version) "
                 "VALUES (?, ?, ?, ?, ?)")


def available(on_hand: int, reserved: int, safety: int) -> int:
    return max(0, on_hand - reserved - safety)


def set_levels(conn: sqlite3.Connection, location_id: str, rows: list[tuple[str, int, int]], *,
               fresh: bool = False) -> None:
    """Set on-hand and safety (an ERP count or the seed): ``rows`` of (sku, on_hand, safety)."""
    if not rows:
        return
    first = next_versions(conn, len(rows))
    conn.executemany(_STOCK_INSERT if fresh else _STOCK_SET,
                     [(location_id, sku, on, safety, first + i) for i, (sku, on, safety) in enumerate(rows)])
    if not fresh:
        revive_many(conn, "inventory", [(CHAIN, f"{location_id}:{sku}") for sku, _, _ in rows])


def delete_level(conn: sqlite3.Connection, location_id: str, sku: str, at: int) -> bool:
    gone = conn.execute("DELETE FROM stock WHERE location_id = ? AND sku = ? AND reserved_milli = 0",
                        (location_id, sku)).rowcount
    if gone:
        tombstone(conn, "inventory", CHAIN, f"{location_id}:{sku}", at)
    return bool(gone)


def level(conn: sqlite3.Connection, location_id: str, sku: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT location_id, sku, on_hand_milli, safety_milli, reserved_milli, version FROM stock "
        "WHERE location_id = ? AND sku = ?", (location_id, sku)).fetchone()


def _touch(conn: sqlite3.Connection, location_id: str, sku: str, on_hand_delta: int, reserved_delta: int) -> None:
    conn.execute(
        "INSERT INTO stock(location_id, sku, on_hand_milli, reserved_milli, version) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(location_id, sku) DO UPDATE SET on_hand_milli = on_hand_milli + excluded.on_hand_milli, "
        "reserved_milli = MAX(0, reserved_milli + ?), version = excluded.version",
        (location_id, sku, on_hand_delta, max(reserved_delta, 0), next_version(conn), reserved_delta),
    )
    revive(conn, "inventory", CHAIN, f"{location_id}:{sku}")


_TOUCH = ("INSERT INTO stock(location_id, sku, on_hand_milli, reserved_milli, version) VALUES (?, ?, ?, 0, ?) "
          "ON CONFLICT(location_id, sku) DO UPDATE SET on_hand_milli = on_hand_milli + excluded.on_hand_milli, "
          "version = excluded.version")


def move_many(conn: sqlite3.Connection, location_id: str, moves: list[tuple[str, str, int]], *,
              reason: str, ref_id: str, event_id: str | None, at: int) -> int:
    """Apply a sale's movements ``(movement_id, sku, delta_milli)`` once each; returns how many were new.

    What :func:`move` does per movement, in one statement per table for all of them (a
    pushed sale's ten lines were fifty statements). A movement id seen before - at
    central or earlier in ``moves`` - is skipped when its figures match and raises
    :class:`Conflict` when they differ.
    """
    if not moves:
        return 0
    known = {row[0]: (row[1], row[2], row[3]) for row in conn.execute(
        "SELECT id, location_id, sku, delta_milli FROM stock_movements WHERE id IN (SELECT value FROM json_each(?))",
        (json_ids(m[0] for m in moves),))}
    fresh: list[tuple[str, str, int]] = []
    for movement_id, sku, delta in moves:
        old = known.get(movement_id)
        if old is not None:
            if old != (location_id, sku, delta):
                raise Conflict(f"stock movement {movement_id} was already recorded with other figures "
                               f"({old[1]} {old[2]} at {old[0]})")
            continue
        known[movement_id] = (location_id, sku, delta)
        fresh.append((movement_id, sku, delta))
    if not fresh:
        return 0
    conn.executemany(
        "INSERT INTO stock_movements(id, location_id, sku, delta_milli, reason, ref_id, event_id, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(movement_id, location_id, sku, delta, reason, ref_id, event_id, at) for movement_id, sku, delta in fresh])
    per_sku: dict[str, int] = {}
    for _, sku, delta in fresh:
        per_sku[sku] = per_sku.get(sku, 0) + delta
    first = next_versions(conn, len(per_sku))
    conn.executemany(_TOUCH, [(location_id, sku, delta, first + i) for i, (sku, delta) in enumerate(per_sku.items())])
    revive_many(conn, "inventory", [(CHAIN, f"{location_id}:{sku}") for sku in per_sku])
    return len(fresh)


def move(conn: sqlite3.Connection, movement_id: str, location_id: str, sku: str, delta_milli: int, *,
         reason: str, ref_id: str, event_id: str | None, at: int) -> bool:
    """Apply one stock movement once. Returns False if this movement was applied before.

    Raises :class:`Conflict` when the id was used for a different movement.
    """
    old = conn.execute("SELECT location_id, sku, delta_milli FROM stock_movements WHERE id = ?",
                       (movement_id,)).fetchone()
    if old is not None:
        if tuple(old) != (location_id, sku, delta_milli):
            raise Conflict(f"stock movement {movement_id} was already recorded with other figures "
                           f"({old[1]} {old[2]} at {old[0]})")
        return False
    conn.execute(
        "INSERT INTO stock_movements(id, location_id, sku, delta_milli, reason, ref_id, event_id, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (movement_id, location_id, sku, delta_milli, reason, ref_id, event_id, at),
    )
    _touch(conn, location_id, sku, delta_milli, 0)
    return True


def reserve(conn: sqlite3.Connection, order_id: str, line_no: int, location_id: str, sku: str, qty_milli: int,
            at: int) -> None:
    conn.execute(
        "INSERT INTO reservations(order_id, line_no, location_id, sku, qty_milli, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (order_id, line_no, location_id, sku, qty_milli, at),
    )
    _touch(conn, location_id, sku, 0, qty_milli)


def release(conn: sqlite3.Connection, order_id: str, at: int) -> list[tuple[int, str, str, int]]:
    """Release an order's open reservations; returns (line_no, location, sku, qty) released."""
    rows = conn.execute(
        "UPDATE reservations SET released_at = ? WHERE order_id = ? AND released_at IS NULL "
        "RETURNING line_no, location_id, sku, qty_milli",
        (at, order_id),
    ).fetchall()
    for _, location_id, sku, qty in rows:
        _touch(conn, location_id, sku, 0, -qty)
    return [tuple(r) for r in rows]


def availability(conn: sqlite3.Connection, skus: Iterable[str]) -> dict[str, dict[str, int]]:
    """``{location: {sku: available to promise}}`` for ``skus`` across the chain."""
    out: dict[str, dict[str, int]] = {}
    for location_id, sku, on_hand, reserved, safety in conn.execute(
        "SELECT location_id, sku, on_hand_milli, reserved_milli, safety_milli FROM stock "
        "WHERE sku IN (SELECT value FROM json_each(?))", (json_ids(skus),)
    ):
        out.setdefault(location_id, {})[sku] = available(on_hand, reserved, safety)
    return out
