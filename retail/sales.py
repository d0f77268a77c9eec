"""Committing a sale: one durable transaction from priced basket to outbox event.

``commit_sale`` checks everything that can be checked first (the priced cart adds up, the
tenders cover the total exactly, points are within the balance and the offline cap),
then writes, in ONE ``durable`` transaction: the gapless receipt number, the sale and its
lines (with the pricing engine's adjustments), tenders, the cash part as a drawer
movement, stock movements, loyalty events, and the ``sale`` outbox event carrying all of
it. A failure anywhere rolls everything back, the receipt number included, so numbers
stay gapless and central never hears of half a sale.

A sale that pays for an order (``order_id``: payment taken at click-and-collect handover)
moves no stock: the order's goods were reserved when it was placed and leave the shelf
with its ``pickup`` event, so moving them here as well would count them out twice.

Retries are safe: the caller makes the sale id (UUIDv7) before the first attempt and
passes it again after a crash or timeout; a sale id that is already committed returns
the committed sale instead of a second one (Odoo POS's duplicate orders after timeouts
are the cautionary tale).

Tenders as the cashier enters them (:class:`Tender`): ``amount`` is what the customer
hands over in cash, or what is charged to a card, to points or to a prepayment. Card,
points and prepaid must not exceed what is left to pay; cash may exceed it, and the
excess is change. The stored tender rows keep both what a tender covers (``amount``)
and what was handed over (``tendered``, ``change``).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import crashpoints, loyalty, outbox
from .ids import human_number, new_id
from .inventory import record_movement
from .loyalty import Account
from .money import format_money
from .pricing import PricedCart
from .shifts import require_open
from .staff import require_staff
from .store import durable
from .store.sequences import next_value
from .store.settings import get, get_int, identity

TENDER_KINDS = ("cash", "card", "points", "prepaid")
MAX_AMOUNT = 10**11


class SaleError(ValueError):
    """A sale that cannot be committed as given; the message says what to fix."""


class SaleNotFound(SaleError):
    """No sale or return with that id or number on this terminal."""


@dataclass(frozen=True)
class Tender:
    """One payment as entered: kind, amount in kopecks, reference (terminal txn, masked card)."""

    kind: str
    amount: int
    reference: str = ""


@dataclass(frozen=True)
class SaleLine:
    line_no: int
    sku: str
    name: str
    qty_milli: int            # negative on a return
    unit_price: int
    base_amount: int
    discount: int
    amount: int
    vat_rate_bp: int
    vat_amount: int
    adjustments: tuple[dict, ...]
    original_line_no: int | None = None


@dataclass(frozen=True)
class SaleTender:
    id: str
    kind: str
    amount: int               # what it covers of the total (negative: a refund)
    tendered: int             # what was handed over
    change: int
    reference: str


@dataclass(frozen=True)
class CommittedSale:
    """A sale or a return as recorded: what a receipt prints and a screen shows."""

    id: str
    number: str
    seq: int
    kind: str                 # 'sale' or 'return'
    shift_id: str | None
    staff_id: str
    customer_id: str | None
    card_masked: str
    order_id: str | None
    original_sale_id: str | None
    original_number: str
    subtotal: int
    discount: int
    total: int
    points_earned: int
    points_redeemed: int
    created_at: int
    outbox_seq: int | None
    lines: tuple[SaleLine, ...]
    tenders: tuple[SaleTender, ...]

    @property
    def change(self) -> int:
        return sum(t.change for t in self.tenders)

    def vat_breakdown(self) -> tuple[tuple[int, int, int], ...]:
        """(rate_bp, gross, vat) per VAT rate, highest rate first."""
        rows: dict[int, list[int]] = {}
        for line in self.lines:
            row = rows.setdefault(line.vat_rate_bp, [0, 0])
            row[0] += line.amount
            row[1] += line.vat_amount
        return tuple((rate, g, v) for rate, (g, v) in sorted(rows.items(), reverse=True))


@dataclass(frozen=True)
class PlannedTender:
    """A checked tender as it will be stored: what it covers, what was handed over, change."""

    kind: str
    amount: int
    tendered: int
    change: int
    reference: str


# ---------------------------------------------------------------- validation

def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_tenders(total: int, tenders: Iterable[Tender] | None) -> list[PlannedTender]:
    """Match the entered tenders against ``total``: the covered amounts add up exactly.

    Card, points and prepaid are charged exactly what they cover and together must not
    exceed the total; at most one cash tender, which may exceed what is left (change).
    """
    tenders = list(tenders or ())
    for t in tenders:
        if not isinstance(t, Tender):
            raise SaleError("tenders must be Tender(kind, amount, reference)")
        if t.kind not in TENDER_KINDS:
            raise SaleError(f"unknown tender {t.kind!r}; use one of {', '.join(TENDER_KINDS)}")
        if not _int(t.amount) or t.amount <= 0:
            raise SaleError(f"the {t.kind} amount must be more than zero kopecks")
        if t.amount > MAX_AMOUNT:
            raise SaleError(f"the {t.kind} amount is too large; check what was typed")
        if not isinstance(t.reference, str):
            raise SaleError("a tender reference must be text")
    cash = [t for t in tenders if t.kind == "cash"]
    if len(cash) > 1:
        raise SaleError("enter the cash handed over once, as one amount")
    exact = [t for t in tenders if t.kind != "cash"]
    covered = sum(t.amount for t in exact)
    if covered > total:
        raise SaleError(f"card, points and prepayment come to {format_money(covered)}, more than the "
                        f"total {format_money(total)}; they must be exact, only cash gives change")
    rows = [PlannedTender(t.kind, t.amount, t.amount, 0, t.reference) for t in exact]
    left = total - covered
    if cash:
        handed = cash[0].amount
        if handed < left:
            raise SaleError(f"{format_money(left - handed)} is still to pay")
        if left == 0:
            raise SaleError("nothing is left to pay in cash; remove the cash tender")
        rows.append(PlannedTender("cash", left, handed, handed - left, cash[0].reference))
    elif left:
        raise SaleError(f"{format_money(left)} is still to pay")
    return rows


def _check_cart(cart: PricedCart) -> None:
    if not isinstance(cart, PricedCart):
        raise SaleError("commit a PricedCart from the pricing engine")
    if not cart.lines:
        raise SaleError("the basket is empty")
    lines = cart.lines
    if (sum(pl.amount for pl in lines) != cart.total or sum(pl.base_amount for pl in lines) != cart.subtotal
            or cart.subtotal - cart.total != cart.discount_total
            or any(pl.base_amount - pl.discount != pl.amount or pl.amount < 0 for pl in lines)):
        raise SaleError("the priced basket does not add up; price it again before paying")
    if len({pl.line.line_no for pl in lines}) != len(lines):
        raise SaleError("the priced basket repeats a line number; price it again")


def line_names(conn: sqlite3.Connection, lines: Iterable[tuple[int, str]],
               given: Mapping[int, str] | None = None) -> dict[int, str]:
    """Receipt names per (line_no, sku): the caller's (from the cart), else the catalogue's, else the SKU."""
    given = dict(given or {})
    lines = list(lines)
    missing = sorted({sku for no, sku in lines if not given.get(no)})
    catalogue: dict[str, str] = {}
    if missing:
        english = get(conn, "language") == "en"
        for sku, ru, en in conn.execute(
                "SELECT sku, name_ru, name_en FROM products WHERE sku IN (SELECT value FROM json_each(?))",
                (json.dumps(missing),)):
            catalogue[sku] = (en or ru) if english else ru
    return {no: given.get(no) or catalogue.get(sku, sku) for no, sku in lines}


def _adjustment(adj) -> dict:
    return {"promotion_id": adj.promotion_id, "kind": adj.kind, "label": adj.label, "amount": adj.amount,
            "terms": [list(t) for t in adj.terms]}


def _customer(conn: sqlite3.Connection, customer: Account | str | None) -> tuple[Account | None, str]:
    if customer is None:
        return None, ""
    cid = customer.customer_id if isinstance(customer, Account) else customer
    if not isinstance(cid, str) or not cid:
        raise SaleError("customer must be a loyalty Account or a customer id")
    account = loyalty.get_account(conn, cid)
    if account is None:
        raise SaleError("this customer is not known on this terminal yet; sell without the card")
    return account, customer.card_masked if isinstance(customer, Account) else ""


# ---------------------------------------------------------------- committing

def commit_sale(conn: sqlite3.Connection, priced_cart: PricedCart, tenders: Iterable[Tender], *,
                staff_id: str, shift_id: str, customer: Account | str | None = None,
                order_id: str | None = None, now: int, sale_id: str | None = None,
                names: Mapping[int, str] | None = None, points_online: bool = False) -> CommittedSale:
    """Record a paid sale; idempotent by ``sale_id``. See the module docstring.

    ``names``: line_no -> receipt name (else the catalogue's). ``points_online``: central
    was reachable when the points were checked, so the offline redemption cap does not apply.
    """
    if not _int(now):
        raise SaleError("now must be unix seconds (int)")
    sale_id = sale_id or new_id()
    _check_cart(priced_cart)
    rows = check_tenders(priced_cart.total, tenders)
    with durable(conn):
        existing = conn.execute("SELECT kind, total FROM sales WHERE id = ?", (sale_id,)).fetchone()
        if existing is not None:
            if tuple(existing) != ("sale", priced_cart.total):
                raise SaleError("this sale id was already used for a different sale; start a new sale")
        else:
            _write_sale(conn, sale_id, priced_cart, rows, staff_id, shift_id, customer, order_id, now,
                        names, points_online)
            crashpoints.reach("sale.writing")
    return get_sale(conn, sale_id)


def _write_sale(conn, sale_id, cart, rows, staff_id, shift_id, customer, order_id, now, names,
                points_online) -> None:
    require_staff(conn, staff_id)
    require_open(conn, shift_id)
    account, card_masked = _customer(conn, customer)
    value = loyalty.point_value(conn)
    points_paid = sum(r.amount for r in rows if r.kind == "points")
    redeemed = 0
    if points_paid:
        if account is None:
            raise SaleError("paying with points needs the customer's loyalty card")
        if points_paid % value:
            raise SaleError(f"points pay in steps of {format_money(value)}; "
                            f"{format_money(points_paid)} is not a whole number of points")
        redeemed = points_paid // value
        allowed = loyalty.max_redeemable(conn, account, points_online)
        if redeemed > allowed:
            why = "" if points_online or allowed == account.balance else " while central is unreachable"
            raise SaleError(f"only {allowed} points can be spent now{why}; "
                            f"the card has {account.balance}")
    earned = 0
    if account is not None:
        earned = loyalty.earn_points(cart.total - points_paid, get_int(conn, "earn_rate_bp", 100))

    store, terminal = identity(conn)
    seq = next_value(conn, "receipt")
    number = human_number(store, terminal, seq)
    customer_id = account.customer_id if account else None
    by_no = line_names(conn, [(pl.line.line_no, pl.line.sku) for pl in cart.lines], names)
    payload_lines, line_rows, movements = [], [], []
    for pl in cart.lines:
        line = pl.line
        unit_price = line.price_override if line.price_override is not None else line.unit_price
        adjustments = [_adjustment(a) for a in pl.adjustments]
        payload_lines.append({
            "line_no": line.line_no, "sku": line.sku, "qty_milli": line.qty_milli, "unit_price": unit_price,
            "base_amount": pl.base_amount, "discount": pl.discount, "amount": pl.amount,
            "vat_rate_bp": line.vat_rate_bp, "vat_amount": pl.vat_amount, "adjustments": adjustments,
        })
        line_rows.append((sale_id, line.line_no, line.sku, by_no[line.line_no], line.qty_milli, unit_price,
                          pl.base_amount, pl.discount, pl.amount, line.vat_rate_bp, pl.vat_amount,
                          json.dumps(adjustments, ensure_ascii=False)))
        if order_id is None:  # an order's stock leaves with its pickup event, not here
            movements.append({"id": new_id(), "sku": line.sku, "delta_milli": -line.qty_milli})
    tender_rows = [(new_id(), r) for r in rows]
    loyalty_rows = [{"id": new_id(), "customer_id": customer_id, "kind": kind, "points": points}
                    for kind, points in (("earn", earned), ("redeem", -redeemed)) if account and points]

    # The event first: its seq ties the movements and loyalty events to it. All of this is
    # one transaction, so the order of the writes inside it is invisible outside.
    event = outbox.emit(conn, "sale", {
        "sale_id": sale_id, "number": number, "receipt_seq": seq, "shift_id": shift_id, "staff_id": staff_id,
        "customer_id": customer_id, "order_id": order_id, "created_at": now, "subtotal": cart.subtotal,
        "discount": cart.discount_total, "total": cart.total, "lines": payload_lines,
        "tenders": tenders_payload(rows, sign=1), "loyalty": loyalty_rows, "movements": movements,
    }, now=now)
    conn.execute(
        "INSERT INTO sales(id, number, seq, kind, shift_id, staff_id, customer_id, card_masked, order_id, "
        "subtotal, discount, total, points_earned, points_redeemed, outbox_seq, created_at) "
        "VALUES (?, ?, ?, 'sale', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sale_id, number, seq, shift_id, staff_id, customer_id, card_masked, order_id, cart.subtotal,
         cart.discount_total, cart.total, earned, redeemed, event.seq, now),
    )
    conn.executemany(
        "INSERT INTO sale_lines(sale_id, line_no, sku, name, qty_milli, unit_price, base_amount, discount, "
        "amount, vat_rate_bp, vat_amount, adjustments) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", line_rows)
    write_tenders(conn, sale_id, tender_rows, shift_id, staff_id, now, sign=1)
    for m in movements:
        record_movement(conn, m["sku"], m["delta_milli"], "sale", sale_id, event.seq, now, movement_id=m["id"])
    write_loyalty(conn, loyalty_rows, sale_id, event.seq, now)


def tenders_payload(rows: list, *, sign: int) -> list[dict]:
    """The event's view of the tenders: what each covers (negative on a refund)."""
    return [{"kind": r.kind, "amount": sign * r.amount, "reference": r.reference} for r in rows]


def write_tenders(conn: sqlite3.Connection, sale_id: str, rows: list, shift_id: str, staff_id: str,
                  now: int, *, sign: int) -> None:
    """Tender rows [(id, row)] (``sign`` -1 for refunds) and the drawer movement of the cash part."""
    for tender_id, r in rows:
        amount = sign * r.amount
        conn.execute(
            "INSERT INTO tenders(id, sale_id, kind, amount, tendered, change, reference, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (tender_id, sale_id, r.kind, amount, sign * r.tendered, r.change, r.reference, now),
        )
        if r.kind == "cash":
            conn.execute(
                "INSERT INTO cash_movements(id, shift_id, kind, amount, staff_id, sale_id, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (new_id(), shift_id, "sale" if sign > 0 else "refund", amount, staff_id, sale_id, now),
            )


def write_loyalty(conn: sqlite3.Connection, events: list[dict], sale_id: str, event_seq: int, now: int) -> None:
    """Loyalty events (signed points) as the outbox event lists them, tied to its seq."""
    conn.executemany(
        "INSERT INTO loyalty_events(id, customer_id, kind, points, sale_id, outbox_seq, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(e["id"], e["customer_id"], e["kind"], e["points"], sale_id, event_seq, now) for e in events],
    )


# ---------------------------------------------------------------- reading

_SALE_COLUMNS = ("id, number, seq, kind, shift_id, staff_id, customer_id, card_masked, order_id, "
                 "original_sale_id, original_number, subtotal, discount, total, points_earned, "
                 "points_redeemed, created_at, outbox_seq")


def _load(conn: sqlite3.Connection, row) -> CommittedSale:
    sale_id = row[0]
    lines = tuple(
        SaleLine(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], tuple(json.loads(r[10])), r[11])
        for r in conn.execute(
            "SELECT line_no, sku, name, qty_milli, unit_price, base_amount, discount, amount, vat_rate_bp, "
            "vat_amount, adjustments, original_line_no FROM sale_lines WHERE sale_id = ? ORDER BY line_no",
            (sale_id,)))
    tenders = tuple(SaleTender(*r) for r in conn.execute(
        "SELECT id, kind, amount, tendered, change, reference FROM tenders WHERE sale_id = ? ORDER BY rowid",
        (sale_id,)))
    return CommittedSale(*tuple(row), lines=lines, tenders=tenders)


def get_sale(conn: sqlite3.Connection, id_or_number: str) -> CommittedSale:
    """A sale or return by its id or its receipt number (``MSK1-P1-000042``)."""
    if not isinstance(id_or_number, str) or not id_or_number.strip():
        raise SaleNotFound("type or scan a receipt number")
    key = id_or_number.strip()
    row = conn.execute(f"SELECT {_SALE_COLUMNS} FROM sales WHERE id = ? OR number = ?",
                       (key, key.upper())).fetchone()
    if row is None:
        raise SaleNotFound(f"no sale {key} on this terminal; check the number on the receipt")
    return _load(conn, row)


def last_sale(conn: sqlite3.Connection) -> CommittedSale | None:
    """The most recent receipt of this terminal (for a reprint), sale or return."""
    row = conn.execute(f"SELECT {_SALE_COLUMNS} FROM sales ORDER BY seq DESC LIMIT 1").fetchone()
    return _load(conn, row) if row else None


def sales_in_shift(conn: sqlite3.Connection, shift_id: str) -> list[CommittedSale]:
    """Every sale and return of a shift, in receipt order."""
    return [_load(conn, row) for row in
            conn.execute(f"SELECT {_SALE_COLUMNS} FROM sales WHERE shift_id = ? ORDER BY seq", (shift_id,))]
