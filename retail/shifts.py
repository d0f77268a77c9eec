"""Cashier shifts: opening float, cash in and out, X and Z reports, closing.

A shift is the span between counting the drawer in and counting it out. Every kopeck that
enters or leaves the drawer is a ``cash_movements`` row (signed: into the drawer is
positive): the float, the cash part of each sale, cash refunds, and cash in / cash out
with a reason. So the cash the drawer should hold is simply their sum, and it equals
float + cash sales - cash refunds + in - out by construction.

One shift may be open per terminal (a unique index in the schema); shift numbers are
gapless (``sequences``). Opening, cash in/out and closing each write their outbox event
(``shift`` / ``cash``) and an audit row in the same durable transaction.

An X report can be printed any time and changes nothing; the Z report is built when the
shift closes, stored with it (``shifts.z_report``) so it can be reprinted identically.
Reports are plain dataclasses; a receipt layout and a screen both show them.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass

from . import outbox
from .ids import new_id
from .money import format_money
from .staff import Approval, authorise
from .store import durable
from .store.sequences import next_value
from .store.settings import get

TENDER_KINDS = ("cash", "card", "points", "prepaid")
MAX_CASH = 10**11  # a million rubles: beyond this a typed amount is a typo


class ShiftError(ValueError):
    """A shift action that cannot happen; the message says why and what to do."""


@dataclass(frozen=True)
class Shift:
    id: str
    number: int
    opened_by: str
    opened_at: int
    float_amount: int
    closed_by: str | None
    closed_at: int | None
    counted: int | None
    expected: int | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class CashMovement:
    id: str
    shift_id: str
    kind: str
    amount: int       # signed: into the drawer is positive
    staff_id: str
    reason: str
    at: int


@dataclass(frozen=True)
class TenderTotal:
    """One tender kind over the shift: taken on sales, given back on returns, and the net."""

    kind: str
    sales: int
    refunds: int
    net: int


@dataclass(frozen=True)
class VatTotal:
    """One VAT rate over the shift, net of returns: gross amount and the VAT inside it."""

    rate_bp: int
    gross: int
    vat: int


@dataclass(frozen=True)
class ShiftReport:
    """An X (interim) or Z (closing) report. Money in kopecks; refunds as positive sums."""

    kind: str                 # 'X' or 'Z'
    shift_id: str
    shift_number: int
    store_id: str
    terminal_id: str
    opened_at: int
    opened_by: str
    at: int                   # when the report was made (the close time for a Z)
    closed_by: str | None
    sales_count: int
    sales_amount: int
    returns_count: int
    returns_amount: int
    net_amount: int
    discounts: int            # discounts given on the shift's sales
    discounts_returned: int   # discounts of lines that came back
    points_earned: int        # net of reversals on returns
    points_redeemed: int      # net of points given back on returns
    tenders: tuple[TenderTotal, ...]
    vat: tuple[VatTotal, ...]
    float_amount: int
    cash_sales: int
    cash_refunds: int
    cash_in: int
    cash_out: int
    cash_expected: int
    counted: int | None       # Z only
    difference: int | None    # counted - expected: negative is a shortage

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ShiftReport":
        data = dict(data)
        data["tenders"] = tuple(TenderTotal(**t) for t in data["tenders"])
        data["vat"] = tuple(VatTotal(**v) for v in data["vat"])
        return cls(**data)


_SHIFT_COLUMNS = "id, number, opened_by, opened_at, float_amount, closed_by, closed_at, counted, expected"


def _amount(value: object, what: str, *, allow_zero: bool) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShiftError(f"{what} must be an amount in kopecks")
    if value < 0 or (value == 0 and not allow_zero):
        raise ShiftError(f"{what} must be more than zero" if not allow_zero else f"{what} must not be negative")
    if value > MAX_CASH:
        raise ShiftError(f"{what} is too large; check the amount typed")
    return value


# ---------------------------------------------------------------- reading

def get_shift(conn: sqlite3.Connection, shift_id: str) -> Shift | None:
    row = conn.execute(f"SELECT {_SHIFT_COLUMNS} FROM shifts WHERE id = ?", (shift_id,)).fetchone()
    return Shift(*row) if row else None


def current_shift(conn: sqlite3.Connection) -> Shift | None:
    """The open shift of this terminal, if any."""
    row = conn.execute(f"SELECT {_SHIFT_COLUMNS} FROM shifts WHERE closed_at IS NULL").fetchone()
    return Shift(*row) if row else None


def require_open(conn: sqlite3.Connection, shift_id: str | None) -> Shift:
    """The shift, which must exist and be open (used by sales and returns too)."""
    if not shift_id:
        raise ShiftError("no shift is open: open a shift (count the float) first")
    shift = get_shift(conn, shift_id)
    if shift is None:
        raise ShiftError(f"shift {shift_id!r} does not exist on this terminal; open a shift first")
    if not shift.is_open:
        raise ShiftError(f"shift {shift.number} is closed; open a new shift first")
    return shift


def cash_in_drawer(conn: sqlite3.Connection, shift_id: str) -> int:
    """What the drawer should hold now: the sum of the shift's signed cash movements."""
    return conn.execute("SELECT COALESCE(SUM(amount), 0) FROM cash_movements WHERE shift_id = ?",
                        (shift_id,)).fetchone()[0]


def movements(conn: sqlite3.Connection, shift_id: str) -> list[CashMovement]:
    return [CashMovement(*r) for r in conn.execute(
        "SELECT id, shift_id, kind, amount, staff_id, reason, at FROM cash_movements "
        "WHERE shift_id = ? ORDER BY at, rowid", (shift_id,))]


# ---------------------------------------------------------------- opening and cash

def open_shift(conn: sqlite3.Connection, staff_id: str, float_amount: int, now: int,
               *, shift_id: str | None = None) -> Shift:
    """Open a shift with the counted float; idempotent by ``shift_id``."""
    _amount(float_amount, "the float", allow_zero=True)
    shift_id = shift_id or new_id()
    with durable(conn):
        existing = get_shift(conn, shift_id)
        if existing is not None:
            return existing
        current = current_shift(conn)
        if current is not None:
            raise ShiftError(f"shift {current.number} is still open on this terminal; close it first")
        authorise(conn, "open_shift", staff_id, now, details={"shift_id": shift_id, "float": float_amount})
        number = next_value(conn, "shift")
        conn.execute(
            "INSERT INTO shifts(id, number, opened_by, opened_at, float_amount) VALUES (?, ?, ?, ?, ?)",
            (shift_id, number, staff_id, now, float_amount),
        )
        conn.execute(
            "INSERT INTO cash_movements(id, shift_id, kind, amount, staff_id, reason, at) "
            "VALUES (?, ?, 'float', ?, ?, 'opening float', ?)",
            (new_id(), shift_id, float_amount, staff_id, now),
        )
        outbox.emit(conn, "shift", {
            "shift_id": shift_id, "number": number, "action": "open", "at": now, "staff_id": staff_id,
            "float_amount": float_amount, "counted": None, "expected": None,
        }, now=now)
    return get_shift(conn, shift_id)


def cash_in(conn: sqlite3.Connection, shift_id: str, amount: int, reason: str, *, staff_id: str,
            now: int, movement_id: str | None = None) -> CashMovement:
    """Put cash into the drawer (change from the safe, ...), with a reason."""
    return _cash(conn, shift_id, "in", amount, reason, staff_id, now, movement_id, None)


def cash_out(conn: sqlite3.Connection, shift_id: str, amount: int, reason: str, *, staff_id: str,
             now: int, approval: Approval | None = None, movement_id: str | None = None) -> CashMovement:
    """Take cash out (to the safe, to the bank): a manager's own right, or with an approval."""
    return _cash(conn, shift_id, "out", amount, reason, staff_id, now, movement_id, approval)


def _cash(conn, shift_id, kind, amount, reason, staff_id, now, movement_id, approval) -> CashMovement:
    _amount(amount, f"cash {kind}", allow_zero=False)
    if not isinstance(reason, str) or not reason.strip():
        raise ShiftError(f"say why cash goes {kind}: a reason is required")
    reason = reason.strip()[:200]
    movement_id = movement_id or new_id()
    with durable(conn):
        row = conn.execute("SELECT id, shift_id, kind, amount, staff_id, reason, at FROM cash_movements "
                           "WHERE id = ?", (movement_id,)).fetchone()
        if row is not None:
            return CashMovement(*row)
        require_open(conn, shift_id)
        if kind == "out":
            available = cash_in_drawer(conn, shift_id)
            if amount > available:
                raise ShiftError(f"the drawer should hold only {format_money(available)}; "
                                 "cannot take out more than that")
        approval_id = authorise(conn, f"cash_{kind}", staff_id, now, approval=approval,
                                details={"amount": amount, "reason": reason, "movement_id": movement_id})
        signed = amount if kind == "in" else -amount
        conn.execute(
            "INSERT INTO cash_movements(id, shift_id, kind, amount, staff_id, reason, approval_id, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (movement_id, shift_id, kind, signed, staff_id, reason, approval_id, now),
        )
        outbox.emit(conn, "cash", {"id": movement_id, "shift_id": shift_id, "kind": kind, "amount": amount,
                                   "reason": reason, "at": now, "staff_id": staff_id}, now=now)
    return CashMovement(movement_id, shift_id, kind, signed, staff_id, reason, now)


# ---------------------------------------------------------------- reports and closing

def x_report(conn: sqlite3.Connection, now: int, shift_id: str | None = None) -> ShiftReport:
    """The interim report of ``shift_id`` (default: the open shift); changes nothing."""
    shift = get_shift(conn, shift_id) if shift_id else current_shift(conn)
    if shift is None:
        raise ShiftError("no shift is open and none was chosen; there is nothing to report")
    return _report(conn, shift, "X", now, None, None)


def z_report(conn: sqlite3.Connection, shift_id: str) -> ShiftReport:
    """The stored Z report of a closed shift, exactly as it was at closing (for reprints)."""
    row = conn.execute("SELECT z_report, closed_at FROM shifts WHERE id = ?", (shift_id,)).fetchone()
    if row is None:
        raise ShiftError(f"shift {shift_id!r} does not exist on this terminal")
    if row[1] is None or row[0] is None:
        raise ShiftError("this shift is still open; print an X report, or close the shift for its Z report")
    return ShiftReport.from_dict(json.loads(row[0]))


def close_shift(conn: sqlite3.Connection, shift_id: str, counted: int, *, staff_id: str, now: int,
                approval: Approval | None = None) -> ShiftReport:
    """Count the drawer out: writes the close and the Z report, emits the ``shift`` event.

    Idempotent: closing a shift that is already closed returns its stored Z report.
    """
    _amount(counted, "the counted cash", allow_zero=True)
    with durable(conn):
        shift = get_shift(conn, shift_id)
        if shift is None:
            raise ShiftError(f"shift {shift_id!r} does not exist on this terminal")
        if not shift.is_open:
            return z_report(conn, shift_id)
        authorise(conn, "close_shift", staff_id, now, approval=approval,
                  details={"shift_id": shift_id, "counted": counted})
        report = _report(conn, shift, "Z", now, counted, staff_id)
        conn.execute(
            "UPDATE shifts SET closed_by = ?, closed_at = ?, counted = ?, expected = ?, z_report = ? "
            "WHERE id = ? AND closed_at IS NULL",
            (staff_id, now, counted, report.cash_expected,
             json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True), shift_id),
        )
        outbox.emit(conn, "shift", {
            "shift_id": shift_id, "number": shift.number, "action": "close", "at": now, "staff_id": staff_id,
            "float_amount": shift.float_amount, "counted": counted, "expected": report.cash_expected,
        }, now=now)
    return report


def _report(conn, shift: Shift, kind: str, now: int, counted: int | None, closed_by: str | None) -> ShiftReport:
    sid = shift.id
    counts = {k: (0, 0, 0, 0, 0) for k in ("sale", "return")}
    for row in conn.execute(
        "SELECT kind, COUNT(*), COALESCE(SUM(total), 0), COALESCE(SUM(discount), 0), "
        "COALESCE(SUM(points_earned), 0), COALESCE(SUM(points_redeemed), 0) "
        "FROM sales WHERE shift_id = ? GROUP BY kind", (sid,)):
        counts[row[0]] = tuple(row[1:])
    s_count, s_amount, s_discount, s_earned, s_redeemed = counts["sale"]
    r_count, r_amount, r_discount, r_earned, r_redeemed = counts["return"]

    by_kind: dict[str, list[int]] = {}
    for tkind, skind, amount in conn.execute(
        "SELECT t.kind, s.kind, COALESCE(SUM(t.amount), 0) FROM tenders t JOIN sales s ON s.id = t.sale_id "
        "WHERE s.shift_id = ? GROUP BY t.kind, s.kind", (sid,)):
        pair = by_kind.setdefault(tkind, [0, 0])
        if skind == "sale":
            pair[0] += amount
        else:
            pair[1] -= amount
    tenders = tuple(TenderTotal(k, by_kind[k][0], by_kind[k][1], by_kind[k][0] - by_kind[k][1])
                    for k in TENDER_KINDS if k in by_kind)

    vat = tuple(VatTotal(*r) for r in conn.execute(
        "SELECT l.vat_rate_bp, SUM(l.amount), SUM(l.vat_amount) FROM sale_lines l "
        "JOIN sales s ON s.id = l.sale_id WHERE s.shift_id = ? GROUP BY l.vat_rate_bp "
        "ORDER BY l.vat_rate_bp DESC", (sid,)))

    cash = dict.fromkeys(("float", "in", "out", "sale", "refund"), 0)
    for mkind, amount in conn.execute(
        "SELECT kind, SUM(amount) FROM cash_movements WHERE shift_id = ? GROUP BY kind", (sid,)):
        cash[mkind] = amount
    expected = sum(cash.values())
    return ShiftReport(
        kind=kind, shift_id=sid, shift_number=shift.number,
        store_id=get(conn, "store_id") or "", terminal_id=get(conn, "terminal_id") or "",
        opened_at=shift.opened_at, opened_by=shift.opened_by, at=now, closed_by=closed_by,
        sales_count=s_count, sales_amount=s_amount, returns_count=r_count, returns_amount=-r_amount,
        net_amount=s_amount + r_amount, discounts=s_discount, discounts_returned=-r_discount,
        points_earned=s_earned + r_earned, points_redeemed=s_redeemed + r_redeemed,
        tenders=tenders, vat=vat, float_amount=cash["float"], cash_sales=cash["sale"],
        cash_refunds=-cash["refund"], cash_in=cash["in"], cash_out=-cash["out"], cash_expected=expected,
        counted=counted, difference=None if counted is None else counted - expected,
    )


__all__ = [
    "CashMovement", "Shift", "ShiftError", "ShiftReport", "TenderTotal", "VatTotal",
    "cash_in", "cash_in_drawer", "cash_out", "close_shift", "current_shift", "get_shift", "movements",
    "open_shift", "require_open", "x_report", "z_report",
]
