import json

import pytest

from retail import shifts
from retail.shifts import ShiftError, cash_in, cash_out, close_shift, open_shift, x_report, z_report
from retail.staff import NotAllowed, approve
from tx_support import IDS, NOW, PINS, db, snapshot  # noqa: F401

CASHIER, MANAGER, TECH = IDS["cashier"], IDS["manager"], IDS["technician"]


def _events(conn, kind):
    return [json.loads(r[0]) for r in conn.execute("SELECT payload FROM outbox WHERE kind = ? ORDER BY seq", (kind,))]


def test_open_writes_float_event_and_gapless_numbers(db):
    first = open_shift(db, CASHIER, 500_00, NOW)
    assert (first.number, first.float_amount, first.is_open) == (1, 500_00, True)
    assert shifts.current_shift(db) == first
    assert shifts.cash_in_drawer(db, first.id) == 500_00
    with pytest.raises(ShiftError, match="shift 1 is still open"):
        open_shift(db, CASHIER, 0, NOW)
    close_shift(db, first.id, 500_00, staff_id=MANAGER, now=NOW + 10)
    second = open_shift(db, CASHIER, 0, NOW + 20)
    assert second.number == 2
    assert [(e["action"], e["number"]) for e in _events(db, "shift")] == [("open", 1), ("close", 1), ("open", 2)]
    assert _events(db, "shift")[0] == {"shift_id": first.id, "number": 1, "action": "open", "at": NOW,
                                       "staff_id": CASHIER, "float_amount": 500_00, "counted": None,
                                       "expected": None}


def test_open_is_idempotent_by_id(db):
    a = open_shift(db, CASHIER, 100, NOW, shift_id="s-1")
    assert open_shift(db, CASHIER, 100, NOW + 5, shift_id="s-1") == a
    assert len(_events(db, "shift")) == 1


@pytest.mark.parametrize("amount", [-1, 1.5, "100", None, True, 10**12])
def test_open_refuses_bad_float(db, amount):
    before = snapshot(db)
    with pytest.raises(ShiftError):
        open_shift(db, CASHIER, amount, NOW)
    assert snapshot(db) == before


def test_technician_cannot_open_a_shift(db):
    before = snapshot(db)
    with pytest.raises(NotAllowed):
        open_shift(db, TECH, 0, NOW)
    assert snapshot(db) == before


def test_cash_in_and_out_rules(db):
    shift = open_shift(db, CASHIER, 1000_00, NOW)
    with pytest.raises(ShiftError, match="reason is required"):
        cash_in(db, shift.id, 100, "  ", staff_id=CASHIER, now=NOW)
    with pytest.raises(ShiftError, match="more than zero"):
        cash_in(db, shift.id, 0, "change", staff_id=CASHIER, now=NOW)
    moved = cash_in(db, shift.id, 200_00, "change from the safe", staff_id=CASHIER, now=NOW + 1)
    assert moved.amount == 200_00
    before = snapshot(db)
    with pytest.raises(NotAllowed, match="cash out needs a manager's approval"):
        cash_out(db, shift.id, 100_00, "to the safe", staff_id=CASHIER, now=NOW + 2)
    assert snapshot(db) == before
    approval = approve(db, "cash_out", CASHIER, PINS["manager"], NOW + 3, {"amount": 300_00})
    out = cash_out(db, shift.id, 300_00, "to the safe", staff_id=CASHIER, now=NOW + 4, approval=approval)
    assert out.amount == -300_00
    with pytest.raises(NotAllowed, match="already used"):
        cash_out(db, shift.id, 1_00, "again", staff_id=CASHIER, now=NOW + 5, approval=approval)
    with pytest.raises(ShiftError, match="should hold only 900,00"):
        cash_out(db, shift.id, 900_01, "too much", staff_id=MANAGER, now=NOW + 6)
    cash_out(db, shift.id, 100_00, "bank", staff_id=MANAGER, now=NOW + 7)
    assert shifts.cash_in_drawer(db, shift.id) == 800_00
    assert [(e["kind"], e["amount"]) for e in _events(db, "cash")] == [("in", 200_00), ("out", 300_00), ("out", 100_00)]
    actions = [r[0] for r in db.execute("SELECT action FROM audit ORDER BY rowid")]
    assert actions == ["open_shift", "cash_in", "cash_out", "cash_out"]
    approved = db.execute("SELECT approval_id FROM cash_movements WHERE amount = -30000").fetchone()[0]
    assert approved == approval.id


def test_cash_movement_is_idempotent(db):
    shift = open_shift(db, CASHIER, 0, NOW)
    a = cash_in(db, shift.id, 100, "change", staff_id=CASHIER, now=NOW, movement_id="m1")
    assert cash_in(db, shift.id, 100, "change", staff_id=CASHIER, now=NOW + 1, movement_id="m1") == a
    assert shifts.cash_in_drawer(db, shift.id) == 100


def test_cash_on_a_closed_shift_is_refused(db):
    shift = open_shift(db, CASHIER, 0, NOW)
    close_shift(db, shift.id, 0, staff_id=MANAGER, now=NOW + 1)
    with pytest.raises(ShiftError, match="shift 1 is closed"):
        cash_in(db, shift.id, 100, "late", staff_id=CASHIER, now=NOW + 2)


def test_close_needs_permission_and_stores_the_z_report(db):
    shift = open_shift(db, CASHIER, 300_00, NOW)
    cash_in(db, shift.id, 50_00, "change", staff_id=CASHIER, now=NOW + 1)
    x = x_report(db, NOW + 2)
    assert (x.kind, x.cash_expected, x.counted, x.difference) == ("X", 350_00, None, None)
    before = snapshot(db)
    with pytest.raises(NotAllowed):
        close_shift(db, shift.id, 350_00, staff_id=CASHIER, now=NOW + 3)
    assert snapshot(db) == before
    approval = approve(db, "close_shift", CASHIER, PINS["manager"], NOW + 3)
    z = close_shift(db, shift.id, 349_00, staff_id=CASHIER, now=NOW + 4, approval=approval)
    assert (z.kind, z.cash_expected, z.counted, z.difference, z.cash_in) == ("Z", 350_00, 349_00, -1_00, 50_00)
    assert (z.store_id, z.terminal_id, z.shift_number, z.closed_by) == ("MSK1", "P1", 1, CASHIER)
    assert z_report(db, shift.id) == z
    assert close_shift(db, shift.id, 1, staff_id=MANAGER, now=NOW + 9) == z  # idempotent
    row = db.execute("SELECT closed_by, closed_at, counted, expected FROM shifts").fetchone()
    assert tuple(row) == (CASHIER, NOW + 4, 349_00, 350_00)
    assert _events(db, "shift")[-1] == {"shift_id": shift.id, "number": 1, "action": "close", "at": NOW + 4,
                                        "staff_id": CASHIER, "float_amount": 300_00, "counted": 349_00,
                                        "expected": 350_00}
    assert shifts.current_shift(db) is None
    with pytest.raises(ShiftError, match="no shift is open"):
        x_report(db, NOW + 10)
    assert x_report(db, NOW + 10, shift.id).cash_expected == 350_00


def test_z_report_of_an_open_or_unknown_shift(db):
    shift = open_shift(db, CASHIER, 0, NOW)
    with pytest.raises(ShiftError, match="still open"):
        z_report(db, shift.id)
    with pytest.raises(ShiftError, match="does not exist"):
        z_report(db, "nope")


def test_require_open(db):
    with pytest.raises(ShiftError, match="open a shift"):
        shifts.require_open(db, None)
    with pytest.raises(ShiftError, match="does not exist"):
        shifts.require_open(db, "missing")
