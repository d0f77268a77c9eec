"""Returns: refunds against a receipt, without one (blind), and of web orders.

A return is recorded like a sale, in the same ``sales`` table with ``kind = 'return'``,
its own gapless receipt number, negative quantities and amounts, refund tenders, drawer
movement, restocking stock movements, loyalty reversals and a ``return`` outbox event,
all in one durable transaction and idempotent by ``return_id``.

Never twice: the quantity left on a line is what was sold minus everything returned by
all earlier returns; asking for more names the line and the figures.

What a partial return refunds: the line's final amount (after discounts) per unit,
times the quantity returned, rounded half up; the return that takes the line's last
units gets the remainder (what was paid minus everything refunded on it before), so
however a line comes back in parts, a full return refunds exactly what was paid, to the
kopeck. Its discount and VAT are split the same way (:func:`refund_share`).

Refunds go back to the original tender kinds in proportion to what is left on each
(``refund_tenders=None``), all in cash (``"cash"``), or as the cashier lists them.
Points are given back in whole points; a fraction of a point goes back in cash.
Earned points are reversed in proportion to the money refunded (the full earn when
everything is back); points refunded are credited back (both ``reverse`` events).

A receipted return is the ``refund`` action (a manager's own right, or with an
approval); a blind return always needs a manager's approval (``staff.approve``) and
refunds at the shelf price the caller gives.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .ids import human_number, new_id
from .loyalty import point_value
from .money import MILLI, allocate_capped, format_money, line_amount, round_half_up, vat_included
from . import outbox
from .inventory import record_movement
from .sales import (
    MAX_AMOUNT, CommittedSale, SaleError, SaleNotFound, Tender, PlannedTender, get_sale, tenders_payload,
    write_loyalty, write_tenders,
)
from .shifts import cash_in_drawer, require_open
from .staff import Approval, authorise
from .store import durable
from .store.sequences import next_value
from .store.settings import identity

CASH = "cash"  # refund_tenders="cash": the whole refund in cash


class ReturnError(SaleError):
    """A return that cannot be made as asked; the message names the line and the figures."""


@dataclass(frozen=True)
class ReturnableLine:
    line_no: int
    sku: str
    name: str
    unit_price: int
    vat_rate_bp: int
    sold_milli: int
    returned_milli: int
    left_milli: int
    amount: int               # what was paid for the whole line
    refunded: int             # refunded so far by earlier returns


@dataclass(frozen=True)
class BlindLine:
    """A returned item without a receipt, at the shelf price the caller looked up."""

    sku: str
    name: str
    qty_milli: int
    unit_price: int
    vat_rate_bp: int


@dataclass(frozen=True)
class _Out:
    """One line of a return being built (positive figures; stored negated)."""

    line_no: int
    original_line_no: int | None
    sku: str
    name: str
    qty_milli: int
    unit_price: int
    base_amount: int
    discount: int
    amount: int
    vat_rate_bp: int
    vat_amount: int


def refund_share(total: int, sold: int, before: int, refunded: int, qty: int) -> int:
    """The part of a line's ``total`` that ``qty`` more of its ``sold`` units take back.

    ``before`` units and ``refunded`` of ``total`` went back earlier. The per-unit share
    (rounded half up), never more than is left; the last units take exactly what is left.
    """
    left = total - refunded
    if before + qty >= sold:
        return left
    return max(0, min(round_half_up(total * qty, sold), left))


# ---------------------------------------------------------------- what can come back

def _original(conn: sqlite3.Connection, original_sale_id: str) -> CommittedSale:
    try:
        sale = get_sale(conn, original_sale_id)
    except SaleNotFound as exc:
        raise ReturnError(str(exc)) from None
    if sale.kind != "sale":
        raise ReturnError(f"{sale.number} is itself a return; find the original receipt")
    return sale


def _returned(conn: sqlite3.Connection, sale_id: str) -> dict[int, tuple[int, int, int, int]]:
    """original line_no -> (qty, amount, discount, VAT) already returned, over all earlier returns."""
    return {r[0]: tuple(r[1:]) for r in conn.execute(
        "SELECT l.original_line_no, -SUM(l.qty_milli), -SUM(l.amount), -SUM(l.discount), -SUM(l.vat_amount) "
        "FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.original_sale_id = ? AND s.kind = 'return' "
        "GROUP BY l.original_line_no", (sale_id,))}


def returnable_lines(conn: sqlite3.Connection, original_sale_id: str) -> list[ReturnableLine]:
    """Every line of the original sale with what is left to return (sold - all earlier returns)."""
    sale = _original(conn, original_sale_id)
    back = _returned(conn, sale.id)
    out = []
    for line in sale.lines:
        qty, amount, _, _ = back.get(line.line_no, (0, 0, 0, 0))
        out.append(ReturnableLine(line.line_no, line.sku, line.name, line.unit_price, line.vat_rate_bp,
                                  line.qty_milli, qty, line.qty_milli - qty, line.amount, amount))
    return out


def _requested(lines: Iterable[tuple[int, int]], known: Mapping[int, object], what: str) -> list[tuple[int, int]]:
    wanted, seen = [], set()
    for item in lines:
        try:
            line_no, qty = item
        except (TypeError, ValueError):
            raise ReturnError("list each returned line as (line number, quantity in thousandths)") from None
        if isinstance(line_no, bool) or not isinstance(line_no, int):
            raise ReturnError(f"{what} has no line {line_no!r}; line numbers are whole numbers")
        if line_no in seen:
            raise ReturnError(f"line {line_no} is listed twice; give its whole quantity once")
        seen.add(line_no)
        if line_no not in known:
            raise ReturnError(f"{what} has no line {line_no}")
        if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
            raise ReturnError(f"line {line_no}: the quantity to return must be more than zero")
        wanted.append((line_no, qty))
    if not wanted:
        raise ReturnError("choose at least one line to return")
    return wanted


def _check_qty(conn, line_no, name, sku, sold, before, qty) -> None:
    left = sold - before
    if qty > left:
        raise ReturnError(
            f"line {line_no} ({name}): {_qty(sold)} sold, {_qty(before)} already returned, "
            f"only {_qty(left)} can come back" if left else
            f"line {line_no} ({name}) was already returned in full")
    unit = conn.execute("SELECT unit FROM products WHERE sku = ?", (sku,)).fetchone()
    pieces = unit[0] == "pcs" if unit else sold % MILLI == 0
    if pieces and qty % MILLI:
        raise ReturnError(f"line {line_no} ({name}): piece goods come back in whole pieces")


def _qty(milli: int) -> str:
    whole, frac = divmod(milli, MILLI)
    return str(whole) if not frac else f"{milli / MILLI:g}"


# ---------------------------------------------------------------- refund tenders

def _refund_rows(conn: sqlite3.Connection, total: int, refund_tenders, remaining: dict[str, int],
                 allowed: tuple[str, ...]) -> list[PlannedTender]:
    """Split ``total`` over tenders: by default over ``remaining`` (kind -> still refundable)."""
    value = point_value(conn)
    if refund_tenders is None:
        kinds = [k for k in remaining if remaining[k] > 0]
        if not kinds:
            kinds = [CASH]
        caps = [remaining.get(k, 0) for k in kinds]
        if sum(caps) < total:
            caps[kinds.index(CASH) if CASH in kinds else 0] += total - sum(caps)
        parts = dict(zip(kinds, allocate_capped(total, caps)))
        if parts.get("points", 0) % value:
            extra = parts["points"] % value
            parts["points"] -= extra
            parts[CASH] = parts.get(CASH, 0) + extra
        return [PlannedTender(k, a, a, 0, "") for k, a in parts.items() if a]
    if refund_tenders == CASH:
        return [PlannedTender(CASH, total, total, 0, "")] if total else []
    if isinstance(refund_tenders, str):
        raise ReturnError(f"refund to {refund_tenders!r}? Say \"cash\" or list the refund tenders")
    rows = []
    for t in refund_tenders:
        if not isinstance(t, Tender):
            raise ReturnError("refund tenders must be Tender(kind, amount, reference)")
        if t.kind not in allowed:
            raise ReturnError(f"this return cannot be refunded to {t.kind}; use {', '.join(allowed)}")
        if isinstance(t.amount, bool) or not isinstance(t.amount, int) or not 0 < t.amount <= MAX_AMOUNT:
            raise ReturnError(f"the {t.kind} refund must be a positive amount in kopecks")
        if any(r.kind == t.kind for r in rows):
            raise ReturnError(f"list the {t.kind} refund once")
        if t.kind != CASH and t.amount > remaining.get(t.kind, 0):
            raise ReturnError(f"at most {format_money(remaining.get(t.kind, 0))} can go back to {t.kind}; "
                              "refund the rest in cash")
        if t.kind == "points" and t.amount % value:
            raise ReturnError(f"points go back in steps of {format_money(value)}")
        rows.append(PlannedTender(t.kind, t.amount, t.amount, 0, t.reference))
    given = sum(r.amount for r in rows)
    if given != total:
        raise ReturnError(f"the refund tenders come to {format_money(given)} but the refund is "
                          f"{format_money(total)}")
    return rows


# ---------------------------------------------------------------- committing

def commit_return(conn: sqlite3.Connection, original_sale_id: str, lines: Iterable[tuple[int, int]],
                  refund_tenders: Iterable[Tender] | str | None = None, *, staff_id: str, shift_id: str,
                  now: int, return_id: str | None = None, approval: Approval | None = None) -> CommittedSale:
    """Return ``lines`` [(original line_no, qty_milli)] of a sale made on this terminal."""
    return_id = return_id or new_id()
    with durable(conn):
        done = _existing(conn, return_id)
        if done is None:
            _return_against_sale(conn, return_id, original_sale_id, lines, refund_tenders, staff_id,
                                 shift_id, now, approval)
    return get_sale(conn, return_id)


def _existing(conn: sqlite3.Connection, return_id: str) -> str | None:
    row = conn.execute("SELECT kind FROM sales WHERE id = ?", (return_id,)).fetchone()
    if row is not None and row[0] != "return":
        raise ReturnError("this return id was already used for a sale; start the return again")
    return return_id if row else None


def _return_against_sale(conn, return_id, original_sale_id, lines, refund_tenders, staff_id, shift_id,
                         now, approval) -> None:
    sale = _original(conn, original_sale_id)
    back = _returned(conn, sale.id)
    originals = {line.line_no: line for line in sale.lines}
    out = []
    for n, (line_no, qty) in enumerate(_requested(lines, originals, f"receipt {sale.number}"), start=1):
        o = originals[line_no]
        before, amount_back, discount_back, vat_back = back.get(line_no, (0, 0, 0, 0))
        _check_qty(conn, line_no, o.name, o.sku, o.qty_milli, before, qty)
        amount = refund_share(o.amount, o.qty_milli, before, amount_back, qty)
        discount = refund_share(o.discount, o.qty_milli, before, discount_back, qty)
        vat = refund_share(o.vat_amount, o.qty_milli, before, vat_back, qty)
        out.append(_Out(n, line_no, o.sku, o.name, qty, o.unit_price, amount + discount, discount, amount,
                        o.vat_rate_bp, vat))
    refund = sum(x.amount for x in out)

    # What is still refundable to each original tender kind, and the loyalty so far.
    remaining: dict[str, int] = {}
    for t in sale.tenders:
        remaining[t.kind] = remaining.get(t.kind, 0) + t.amount
    prior = conn.execute(
        "SELECT COALESCE(-SUM(total), 0), COALESCE(-SUM(points_earned), 0) FROM sales "
        "WHERE original_sale_id = ? AND kind = 'return'", (sale.id,)).fetchone()
    for kind, amount in conn.execute(
        "SELECT t.kind, SUM(t.amount) FROM tenders t JOIN sales s ON s.id = t.sale_id "
        "WHERE s.original_sale_id = ? AND s.kind = 'return' GROUP BY t.kind", (sale.id,)):
        remaining[kind] = remaining.get(kind, 0) + amount
    rows = _refund_rows(conn, refund, refund_tenders, remaining, tuple(dict.fromkeys((CASH, *remaining))))

    earn_back = 0
    if sale.points_earned and sale.total:
        earn_back = refund_share(sale.points_earned, sale.total, prior[0], prior[1], refund)
    points_back = sum(r.amount for r in rows if r.kind == "points") // point_value(conn)
    loyalty = [("reverse", -earn_back), ("reverse", points_back)]
    approval_id = authorise(conn, "refund", staff_id, now, approval=approval,
                            details={"return_id": return_id, "sale": sale.number, "amount": refund})
    _write_return(conn, return_id, out, rows, staff_id=staff_id, shift_id=shift_id, now=now,
                  original_sale_id=sale.id, original_number=sale.number, order_id=sale.order_id,
                  customer_id=sale.customer_id, card_masked=sale.card_masked, loyalty=loyalty,
                  approval_id=approval_id)


def commit_blind_return(conn: sqlite3.Connection, lines: Iterable[BlindLine],
                        refund_tenders: Iterable[Tender] | str | None = None, *, approval: Approval,
                        staff_id: str, shift_id: str, now: int, return_id: str | None = None,
                        reason: str = "") -> CommittedSale:
    """A return without a receipt: a manager's approval, shelf prices from the caller, cash or card."""
    return_id = return_id or new_id()
    lines = list(lines)
    if not lines:
        raise ReturnError("choose at least one item to return")
    out = []
    for n, b in enumerate(lines, start=1):
        if not isinstance(b, BlindLine):
            raise ReturnError("blind return lines must be BlindLine(sku, name, qty_milli, unit_price, vat_rate_bp)")
        ints = (b.qty_milli, b.unit_price, b.vat_rate_bp)
        if any(isinstance(v, bool) or not isinstance(v, int) for v in ints) or b.qty_milli <= 0 \
                or b.unit_price < 0 or not 0 <= b.vat_rate_bp <= 10_000:
            raise ReturnError(f"item {n} ({b.name or b.sku}): quantity, price and VAT must be whole numbers, "
                              "quantity above zero")
        if not isinstance(b.sku, str) or not b.sku.strip():
            raise ReturnError(f"item {n}: scan the product so its SKU is known")
        amount = line_amount(b.unit_price, b.qty_milli)
        out.append(_Out(n, None, b.sku, b.name or b.sku, b.qty_milli, b.unit_price, amount, 0, amount,
                        b.vat_rate_bp, vat_included(amount, b.vat_rate_bp)))
    refund = sum(x.amount for x in out)
    with durable(conn):
        if _existing(conn, return_id) is None:
            tenders = CASH if refund_tenders is None else refund_tenders
            rows = _refund_rows(conn, refund, tenders, {"card": refund}, (CASH, "card"))
            if not isinstance(approval, Approval):
                raise ReturnError("a return without a receipt needs a manager's approval")
            approval_id = authorise(conn, "blind_return", staff_id, now, approval=approval, always_approve=True)
            _write_return(conn, return_id, out, rows, staff_id=staff_id, shift_id=shift_id, now=now,
                          original_sale_id=None, original_number="", order_id=None, customer_id=None,
                          card_masked="", loyalty=[], approval_id=approval_id)
    return get_sale(conn, return_id)


def commit_order_return(conn: sqlite3.Connection, order, lines: Iterable[tuple[int, int]],
                        refund_tenders: Iterable[Tender] | str | None = None, *, staff_id: str,
                        shift_id: str, now: int, return_id: str | None = None,
                        approval: Approval | None = None) -> CommittedSale:
    """Return lines of a web/app order fetched online (``order``: the protocol's order data).

    Left per line = ordered - central's ``returned_milli`` - this terminal's returns of the
    order that central has not acknowledged yet (so not yet in central's figure). An order
    fetched before an acknowledgement can only make this stricter, never refund twice.
    Central says how much came back, not what was refunded for it, so the earlier refunds
    of a line are taken as its per-unit share of what came back; the last units still
    get exactly what remains. Refunds go to the prepayment when the order was prepaid in
    full, else in cash.
    """
    data = _order_data(order)
    return_id = return_id or new_id()
    with durable(conn):
        if _existing(conn, return_id) is None:
            _return_against_order(conn, return_id, data, lines, refund_tenders, staff_id, shift_id, now,
                                  approval)
    return get_sale(conn, return_id)


def _order_data(order) -> dict:
    def field(obj, name, default=None):
        return obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)

    try:
        data = {k: field(order, k) for k in ("id", "number", "customer_id", "total", "paid")}
        data["lines"] = {
            field(line, "line_no"): {k: field(line, k) for k in
                                     ("sku", "name", "qty_milli", "unit_price", "amount", "vat_rate_bp",
                                      "returned_milli")}
            for line in field(order, "lines", ()) or ()}
    except (TypeError, AttributeError):
        raise ReturnError("the order data is incomplete; look the order up again") from None
    if not data["id"] or not data["number"] or not data["lines"]:
        raise ReturnError("the order data is incomplete; look the order up again")
    for no, line in data["lines"].items():
        numbers = ("qty_milli", "amount", "returned_milli")
        if any(isinstance(line[k], bool) or not isinstance(line[k], int) for k in numbers) \
                or line["qty_milli"] <= 0 or not 0 <= line["returned_milli"] <= line["qty_milli"]:
            raise ReturnError(f"order line {no} has inconsistent quantities; look the order up again")
        line["name"] = line["name"] or line["sku"]
        line["vat_rate_bp"] = line["vat_rate_bp"] if line["vat_rate_bp"] is not None else 2000
        line["unit_price"] = line["unit_price"] or 0
    return data


def _return_against_order(conn, return_id, order, lines, refund_tenders, staff_id, shift_id, now,
                          approval) -> None:
    pending: dict[int, int] = {}
    for line_no, qty in conn.execute(
        "SELECT l.original_line_no, -SUM(l.qty_milli) FROM sale_lines l JOIN sales s ON s.id = l.sale_id "
        "LEFT JOIN outbox o ON o.seq = s.outbox_seq WHERE s.order_id = ? AND s.kind = 'return' "
        "AND COALESCE(o.status, 'pending') != 'acked' GROUP BY l.original_line_no", (order["id"],)):
        pending[line_no] = qty
    out = []
    for n, (line_no, qty) in enumerate(_requested(lines, order["lines"], f"order {order['number']}"), start=1):
        o = order["lines"][line_no]
        before = o["returned_milli"] + pending.get(line_no, 0)
        _check_qty(conn, line_no, o["name"], o["sku"], o["qty_milli"], before, qty)
        amount = refund_share(o["amount"], o["qty_milli"], before,
                              round_half_up(o["amount"] * before, o["qty_milli"]), qty)
        out.append(_Out(n, line_no, o["sku"], o["name"], qty, o["unit_price"], amount, 0, amount,
                        o["vat_rate_bp"], vat_included(amount, o["vat_rate_bp"])))
    refund = sum(x.amount for x in out)
    paid = order["paid"] or 0
    prepaid = order["total"] is not None and paid >= order["total"] > 0
    if refund_tenders is None:
        refund_tenders = [Tender("prepaid", refund)] if prepaid and refund else CASH
    rows = _refund_rows(conn, refund, refund_tenders, {"prepaid": paid, "card": refund}, (CASH, "card", "prepaid"))
    approval_id = authorise(conn, "refund", staff_id, now, approval=approval,
                            details={"return_id": return_id, "order": order["number"], "amount": refund})
    _write_return(conn, return_id, out, rows, staff_id=staff_id, shift_id=shift_id, now=now,
                  original_sale_id=None, original_number=order["number"], order_id=order["id"],
                  customer_id=order["customer_id"], card_masked="", loyalty=[], approval_id=approval_id)


def _write_return(conn, return_id: str, out: list[_Out], rows: list[PlannedTender], *, staff_id: str,
                  shift_id: str, now: int, original_sale_id: str | None, original_number: str,
                  order_id: str | None, customer_id: str | None, card_masked: str,
                  loyalty: list[tuple[str, int]], approval_id: str | None) -> None:
    require_open(conn, shift_id)
    cash = sum(r.amount for r in rows if r.kind == CASH)
    if cash:
        drawer = cash_in_drawer(conn, shift_id)
        if cash > drawer:
            raise ReturnError(f"the drawer should hold only {format_money(drawer)}, less than the "
                              f"{format_money(cash)} cash refund; refund to the card or put cash in first")
    store, terminal = identity(conn)
    seq = next_value(conn, "receipt")
    number = human_number(store, terminal, seq)
    subtotal = sum(x.base_amount for x in out)
    discount = sum(x.discount for x in out)
    total = sum(x.amount for x in out)
    points_earned = sum(p for _, p in loyalty if p < 0)
    points_redeemed = -sum(p for _, p in loyalty if p > 0)
    movements = [{"id": new_id(), "sku": x.sku, "delta_milli": x.qty_milli} for x in out]
    events = [{"id": new_id(), "customer_id": customer_id, "kind": kind, "points": points}
              for kind, points in loyalty if points and customer_id]
    event = outbox.emit(conn, "return", {
        "sale_id": return_id, "number": number, "receipt_seq": seq, "shift_id": shift_id, "staff_id": staff_id,
        "customer_id": customer_id, "order_id": order_id, "original_sale_id": original_sale_id,
        "original_number": original_number, "created_at": now, "subtotal": -subtotal, "discount": -discount,
        "total": -total,
        "lines": [{"line_no": x.line_no, "original_line_no": x.original_line_no, "sku": x.sku,
                   "qty_milli": -x.qty_milli, "unit_price": x.unit_price, "base_amount": -x.base_amount,
                   "discount": -x.discount, "amount": -x.amount, "vat_rate_bp": x.vat_rate_bp,
                   "vat_amount": -x.vat_amount, "adjustments": []} for x in out],
        "tenders": tenders_payload(rows, sign=-1), "loyalty": events, "movements": movements,
    }, now=now)
    conn.execute(
        "INSERT INTO sales(id, number, seq, kind, shift_id, staff_id, customer_id, card_masked, "
        "original_sale_id, original_number, order_id, subtotal, discount, total, points_earned, "
        "points_redeemed, approval_id, outbox_seq, created_at) "
        "VALUES (?, ?, ?, 'return', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (return_id, number, seq, shift_id, staff_id, customer_id, card_masked, original_sale_id,
         original_number, order_id, -subtotal, -discount, -total, points_earned, points_redeemed,
         approval_id, event.seq, now),
    )
    conn.executemany(
        "INSERT INTO sale_lines(sale_id, line_no, sku, name, qty_milli, unit_price, base_amount, discount, "
        "amount, vat_rate_bp, vat_amount, original_line_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(return_id, x.line_no, x.sku, x.name, -x.qty_milli, x.unit_price, -x.base_amount, -x.discount,
          -x.amount, x.vat_rate_bp, -x.vat_amount, x.original_line_no) for x in out],
    )
    write_tenders(conn, return_id, [(new_id(), r) for r in rows], shift_id, staff_id, now, sign=-1)
    for m in movements:
        record_movement(conn, m["sku"], m["delta_milli"], "return", return_id, event.seq, now, movement_id=m["id"])
    write_loyalty(conn, events, return_id, event.seq, now)
