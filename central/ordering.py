"""Order lifecycle at central: placing (routing + reservations), status changes, handover.

Used by the ``order``/``order_status``/``order_arrived``/``pickup`` events of terminals
and by the web shop endpoint, so an order behaves the same whichever channel took it.

Events of different terminals reach central in any order (a till that was offline
sends its "ready" after another till's "pickup"), so a status change is applied only
when it moves the order forward; a late one is written to the order's history as not
applied and answered ``accepted`` with the order's current status - it is not an error.
A handover (``pickup``) is a physical fact and always applies unless the order was
already collected: the reservation is released and the stock leaves the source location.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from .errors import Conflict, Invalid, NotFound
from .routing import Site, choose_source
from .storage import catalogue, chain, orders, stock

log = logging.getLogger("central.orders")

RANK = {"placed": 0, "picking": 1, "ready": 2, "expired": 3, "collected": 4, "cancelled": 4, "delivered": 4}
FINAL = frozenset({"collected", "cancelled", "delivered"})
DEFAULT_HOLD_DAYS = 3


def sites(conn) -> list[Site]:
    return [Site(r["id"], r["kind"], r["city_ru"], r["city_en"], bool(r["pickup"]), r["delivery_days"])
            for r in chain.locations(conn)]


def hold_days(conn, store_id: str | None) -> int:
    raw = chain.setting(conn, store_id, "pickup_hold_days") if store_id else None
    try:
        value = json.loads(raw) if raw is not None else DEFAULT_HOLD_DAYS
    except ValueError:
        value = DEFAULT_HOLD_DAYS
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else DEFAULT_HOLD_DAYS


def check_lines(conn, lines: list[dict]) -> None:
    skus = {ln["sku"] for ln in lines}
    unknown = skus - catalogue.known_skus(conn, skus)
    if unknown:
        raise NotFound(f"unknown SKU {', '.join(sorted(unknown)[:5])}: central's catalogue does not have it")
    numbers = [ln["line_no"] for ln in lines]
    if len(set(numbers)) != len(numbers):
        raise Invalid("order line numbers repeat")


def place(conn, order: dict, lines: list[dict], *, source: str) -> dict:
    """Route, write and reserve a new order in the caller's transaction.

    ``order`` holds the header (id, number, channel, fulfilment, pickup_store_id,
    customer_id, contact, total, paid, payment, pickup_code_hash, created_at and the
    origin); returns the result a terminal or the web shop gets back.
    """
    if orders.find_id(conn, order["id"]) or orders.find_id(conn, order["number"]):
        raise Conflict(f"order {order['number']} ({order['id']}) already exists at central")
    check_lines(conn, lines)
    if sum(ln["amount"] for ln in lines) != order["total"]:
        raise Invalid(f"order total {order['total']} is not the sum of its lines "
                      f"({sum(ln['amount'] for ln in lines)})")
    if order["paid"] > order["total"]:
        raise Invalid("an order cannot be paid more than its total")
    chain_sites = sites(conn)
    pickup_store = order.get("pickup_store_id")
    if order["fulfilment"] == "pickup":
        home = next((s for s in chain_sites if s.id == pickup_store), None)
        if home is None or home.kind != "store":
            raise NotFound(f"pickup store {pickup_store!r} is not a store of this chain")
        if not home.pickup:
            raise Invalid(f"store {pickup_store} does not hand out click-and-collect orders")
    elif pickup_store:
        raise Invalid("a delivery order has no pickup store")
    need = [(ln["sku"], ln["qty_milli"]) for ln in lines]
    availability = stock.availability(conn, {sku for sku, _ in need})
    address = str((order.get("contact") or {}).get("address", ""))
    source_id = choose_source(order["fulfilment"], pickup_store, need, chain_sites, availability, address)
    orders.insert(conn, {**order, "source_id": source_id}, lines)
    for ln in lines:
        stock.reserve(conn, order["id"], ln["line_no"], source_id, ln["sku"], ln["qty_milli"], order["created_at"])
    orders.history(conn, order["id"], "placed", applied=True, at=order["created_at"], staff_id=None, source=source,
                   note=f"routed to {source_id}")
    return {"order_id": order["id"], "number": order["number"], "status": "placed", "source_id": source_id,
            "total": order["total"]}


def _order(conn, order_id: str):
    row = orders.header(conn, order_id)
    if row is None:
        raise NotFound(f"order {order_id} is not known at central")
    return row


def check_store(row, store_id: str) -> None:
    if store_id not in (row["pickup_store_id"], row["source_id"]):
        raise Invalid(f"order {row['number']} is not picked up at or shipped from store {store_id}")


def _mask(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"+{digits[:1]} *** ***-{digits[-4:-2]}-{digits[-2:]}" if len(digits) >= 7 else "(no phone)"


def _notify_ready(conn, row, at: int) -> None:
    data = orders.render(conn, [row["id"]])[row["id"]]
    contact = data["contact"] or {}
    store = chain.get_location(conn, row["pickup_store_id"]) if row["pickup_store_id"] else None
    where = f"{store['name_ru']}, {store['address']}" if store else "пункт выдачи"
    message = (f"Заказ {row['number']} готов к выдаче: {where}. Покажите QR-код или назовите код получения. "
               f"Храним до {_date(row['expires_at'])}.")
    recipient = _mask(str(contact.get("phone", ""))) if contact.get("phone") else str(contact.get("email", ""))
    if orders.notify(conn, row["id"], "ready", recipient, message, at):
        log.info("notified shopper %s: order %s is ready", recipient, row["number"])


def _date(ts: int | None) -> str:
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%d.%m.%Y")


def change_status(conn, order_id: str, status: str, *, at: int, staff_id: str | None, source: str,
                  store_id: str | None = None) -> dict:
    """Move an order to ``status`` if that is forward; returns ``{"status", "applied"}``."""
    if status not in RANK:
        raise Invalid(f"unknown order status {status!r}")
    row = _order(conn, order_id)
    if store_id is not None:
        check_store(row, store_id)
    current = row["status"]
    forward = current not in FINAL and RANK[status] > RANK[current]
    if status == "cancelled":
        forward = current not in FINAL
    if status == "expired":
        forward = current == "ready"
    orders.history(conn, order_id, status, applied=forward, at=at, staff_id=staff_id, source=source,
                   note="" if forward else f"order was already {current}")
    if not forward:
        return {"order_id": order_id, "status": current, "applied": False}
    changes: dict = {"status": status}
    if status == "ready":
        changes["ready_at"] = at
        changes["expires_at"] = at + hold_days(conn, row["pickup_store_id"]) * 86400
    orders.touch(conn, order_id, at, **changes)
    if status in ("cancelled", "expired"):
        stock.release(conn, order_id, at)
    if status == "ready" and row["fulfilment"] == "pickup":
        _notify_ready(conn, orders.header(conn, order_id), at)
    return {"order_id": order_id, "status": status, "applied": True}


def mark_arrived(conn, order_id: str, *, at: int, source: str, store_id: str | None = None) -> dict:
    row = _order(conn, order_id)
    if store_id is not None:
        check_store(row, store_id)
    orders.history(conn, order_id, "arrived", applied=row["status"] not in FINAL, at=at, staff_id=None, source=source)
    if row["status"] not in FINAL:
        orders.touch(conn, order_id, at, arrived_at=at)
    return {"order_id": order_id, "status": row["status"]}


def hand_over(conn, order_id: str, *, at: int, staff_id: str | None, source: str, event_id: str | None,
              store_id: str | None = None) -> dict:
    """The shopper has the goods: release the reservation, move the stock out, collected."""
    row = _order(conn, order_id)
    if store_id is not None:
        check_store(row, store_id)
    if row["status"] == "collected":
        orders.history(conn, order_id, "collected", applied=False, at=at, staff_id=staff_id, source=source,
                       note="already collected")
        return {"order_id": order_id, "status": "collected", "applied": False}
    stock.release(conn, order_id, at)
    for ln in orders.render(conn, [order_id])[order_id]["lines"]:
        stock.move(conn, f"pickup:{order_id}:{ln['line_no']}", row["source_id"], ln["sku"], -ln["qty_milli"],
                   reason="pickup", ref_id=order_id, event_id=event_id, at=at)
    orders.touch(conn, order_id, at, status="collected", collected_at=at)
    orders.history(conn, order_id, "collected", applied=True, at=at, staff_id=staff_id, source=source)
    return {"order_id": order_id, "status": "collected", "applied": True}
