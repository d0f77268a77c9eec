"""Applying one terminal event to central's data (inside the caller's transaction).

Each ``apply_<kind>`` gets the checked payload (:mod:`central.payloads`) and returns the
``result`` the terminal will be answered with. Anything that makes the event
inapplicable raises :class:`Invalid`, :class:`NotFound` or :class:`Conflict` with a reason
for the manager who will look at the dead letter; the caller then rolls the event's
changes back and records the rejection.

Stock moves by the movements the terminal listed (each once, by its id), loyalty by its
entries (each once, by its id): central does not recompute what the till decided.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import ordering, payloads
from .errors import Conflict, Invalid, NotFound
from .storage import catalogue, customers, orders, sales, stock


@dataclass(frozen=True)
class Context:
    store_id: str
    terminal_id: str
    event_id: str
    received_at: int

    @property
    def source(self) -> str:
        return f"event:{self.event_id}"


def _known_references(conn, p: payloads.Sale) -> None:
    skus = {ln.sku for ln in p.lines} | {m.sku for m in p.movements}
    unknown = skus - catalogue.known_skus(conn, skus)
    if unknown:
        raise NotFound(f"unknown SKU {', '.join(sorted(unknown)[:5])}: central's catalogue does not have it")
    for cid in {e.customer_id for e in p.loyalty}:
        if not customers.exists(conn, cid):
            raise NotFound(f"unknown loyalty customer {cid}")


_SIGNS = {"earn": (0, None), "redeem": (None, 0)}


def _post_loyalty(conn, ctx: Context, p: payloads.Sale) -> int:
    total = 0
    for entry in p.loyalty:
        low, high = _SIGNS.get(entry.kind, (None, None))
        if (low is not None and entry.points < low) or (high is not None and entry.points > high):
            raise Invalid(f"loyalty entry {entry.id}: {entry.kind} points must be "
                          f"{'positive' if low is not None else 'negative'} (the signed effect on the balance)")
        if customers.post(conn, entry.id, entry.customer_id, entry.kind, entry.points, sale_id=p.sale_id,
                          event_id=ctx.event_id, store_id=ctx.store_id, at=p.created_at):
            total += entry.points
    return total


def _record_sale(conn, ctx: Context, p: payloads.Sale, kind: str) -> dict:
    if sales.exists(conn, p.sale_id):
        raise Conflict(f"sale {p.sale_id} was already recorded by another event")
    _known_references(conn, p)
    # vars(model): the checked fields as they are (a pydantic model keeps them in __dict__), without
    # model_dump's deep copy or dict(model)'s per-field checks: those were 5-10 % of a push
    header = {**vars(p), "tenders": [vars(t) for t in p.tenders], "id": p.sale_id, "kind": kind,
              "store_id": ctx.store_id, "terminal_id": ctx.terminal_id, "event_id": ctx.event_id}
    sales.insert(conn, header, [vars(ln) for ln in p.lines])
    moved = stock.move_many(conn, ctx.store_id, [(m.id, m.sku, m.delta_milli) for m in p.movements], reason=kind,
                            ref_id=p.sale_id, event_id=ctx.event_id, at=p.created_at)
    points = _post_loyalty(conn, ctx, p)
    return {"sale_id": p.sale_id, "number": p.number, "movements": moved, "points": points}


def apply_sale(conn, ctx: Context, p: payloads.Sale) -> dict:
    if any(ln.qty_milli <= 0 for ln in p.lines):
        raise Invalid("a sale's lines must have positive quantities; send returns as 'return' events")
    return _record_sale(conn, ctx, p, "sale")


def _returned_from_order(conn, p: payloads.Return) -> None:
    row = orders.header(conn, p.order_id)
    if row is None:
        raise NotFound(f"order {p.order_id} is not known at central")
    if row["status"] == "cancelled":
        raise Conflict(f"order {row['number']} was cancelled: nothing of it can be returned")
    for ln in p.lines:
        if ln.original_line_no is None:
            raise Invalid(f"return line {ln.line_no}: original_line_no must name the order line it refunds")
        bought = orders.line(conn, p.order_id, ln.original_line_no)
        if bought is None:
            raise NotFound(f"order {row['number']} has no line {ln.original_line_no}")
        if bought["sku"] != ln.sku:
            raise Invalid(f"return line {ln.line_no}: order line {ln.original_line_no} is {bought['sku']}, not {ln.sku}")
        qty = -ln.qty_milli
        if bought["returned_milli"] + qty > bought["qty_milli"]:
            raise Conflict(f"order {row['number']} line {ln.original_line_no}: bought {bought['qty_milli']}, "
                           f"returned {bought['returned_milli']} already, cannot return {qty} more")
        orders.add_returned(conn, p.order_id, ln.original_line_no, qty, p.created_at)


def _returned_from_sale(conn, p: payloads.Return) -> None:
    for ln in p.lines:
        if ln.original_line_no is None:
            continue
        bought = sales.line(conn, p.original_sale_id, ln.original_line_no)
        if bought is None:
            raise NotFound(f"sale {p.original_number or p.original_sale_id} has no line {ln.original_line_no}")
        qty = -ln.qty_milli
        if bought["returned_milli"] + qty > bought["qty_milli"]:
            raise Conflict(f"sale {p.original_number or p.original_sale_id} line {ln.original_line_no}: bought "
                           f"{bought['qty_milli']}, returned {bought['returned_milli']} already, "
                           f"cannot return {qty} more")
        sales.add_returned(conn, p.original_sale_id, ln.original_line_no, qty)


def apply_return(conn, ctx: Context, p: payloads.Return) -> dict:
    if any(ln.qty_milli >= 0 for ln in p.lines):
        raise Invalid("a return's lines must have negative quantities")
    if p.order_id:
        _returned_from_order(conn, p)
    elif p.original_sale_id and sales.exists(conn, p.original_sale_id):
        # A sale from a terminal whose events have not arrived yet cannot be checked here;
        # the till checked it against the signed receipt.
        _returned_from_sale(conn, p)
    return _record_sale(conn, ctx, p, "return")


def apply_order(conn, ctx: Context, p: payloads.Order) -> dict:
    header = {"id": p.order_id, "number": p.number, "channel": p.channel, "fulfilment": p.fulfilment,
              "pickup_store_id": p.pickup_store_id, "customer_id": p.customer_id, "contact": p.contact,
              "total": p.total, "paid": p.paid, "payment": p.payment, "pickup_code_hash": p.pickup_code_hash,
              "created_at": p.created_at, "origin_store_id": ctx.store_id, "origin_terminal_id": ctx.terminal_id,
              "event_id": ctx.event_id}
    lines = [{**ln.model_dump(), "name": ln.name or ln.sku} for ln in p.lines]
    return ordering.place(conn, header, lines, source=ctx.source)


def apply_order_status(conn, ctx: Context, p: payloads.OrderStatus) -> dict:
    return ordering.change_status(conn, p.order_id, p.status, at=p.at, staff_id=p.staff_id, source=ctx.source,
                                  store_id=ctx.store_id)


def apply_order_arrived(conn, ctx: Context, p: payloads.OrderArrived) -> dict:
    return ordering.mark_arrived(conn, p.order_id, at=p.at, source=ctx.source, store_id=ctx.store_id)


def apply_pickup(conn, ctx: Context, p: payloads.Pickup) -> dict:
    return ordering.hand_over(conn, p.order_id, at=p.at, staff_id=p.staff_id, source=ctx.source,
                              event_id=ctx.event_id, store_id=ctx.store_id)


def apply_shift(conn, ctx: Context, p: payloads.Shift) -> dict:
    sales.record_shift(conn, ctx.store_id, ctx.terminal_id, p.model_dump())
    return {"shift_id": p.shift_id, "action": p.action}


def apply_cash(conn, ctx: Context, p: payloads.Cash) -> dict:
    if not sales.record_cash(conn, ctx.store_id, ctx.terminal_id, p.model_dump()):
        raise Conflict(f"cash movement {p.id} was already recorded by another event")
    return {"id": p.id}


APPLIERS = {
    "sale": apply_sale, "return": apply_return, "order": apply_order, "order_status": apply_order_status,
    "order_arrived": apply_order_arrived, "pickup": apply_pickup, "shift": apply_shift, "cash": apply_cash,
}


def apply(conn, ctx: Context, kind: str, payload: dict) -> dict:
    """Check and apply one event; raises PayloadError / Invalid / NotFound / Conflict."""
    parsed = payloads.parse(kind, payload)  # refuses an unknown kind with the list of known ones
    return APPLIERS[kind](conn, ctx, parsed)
