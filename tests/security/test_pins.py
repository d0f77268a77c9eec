"""Staff PINs at the till's service layer: salted slow hashes, lockout, audited rights.

tests/transactions/test_staff.py covers ``retail.staff`` itself (hash format, rules,
lockout arithmetic, the approval table). Here the same promises are checked where an
attacker at a till meets them: ``pos.services.PosServices`` over a store loaded from
the demo chain, with the drawer kicked through the printer emulator. Every action a
manager gates (void over the limit, price override, no sale, cash out, blind return,
refund to cash, closing the shift, the sync console) must refuse a cashier without an
approval, accept a manager's approval once, and leave an audit row naming the approver.
"""
from __future__ import annotations

import json
import sqlite3
import time

import pytest
from pin_search import pin_in

from hardware.drawer import PrinterDrawer
from hardware.emulator.escpos_printer import EscposPrinterEmulator
from hardware.printing import PrinterConfig
from pos.services import PosServices
from retail import outbox, staff
from retail.cart import Cart
from retail.demo import DemoChain
from retail.demo.load import load_store
from retail.ids import new_id
from retail.returns import ReturnError
from retail.sales import Tender
from retail.store import transaction

pytestmark = pytest.mark.security

NOW = (int(time.time()) // 3600) * 3600
PINS = {"cashier": "1111", "manager": "2222", "technician": "9999"}


@pytest.fixture(scope="module")
def chain() -> DemoChain:
    return DemoChain(now=NOW, seed=7, skus=120, stores=1, customers=10)


@pytest.fixture(scope="module")
def template(tmp_path_factory, chain):
    path = tmp_path_factory.mktemp("pins") / "MSK1-P1.db"
    load_store(path, chain, chain.store_ids[0], terminal_id="P1")
    return path


@pytest.fixture
def till(tmp_path, template):
    path = tmp_path / "till.db"
    with sqlite3.connect(template) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    clock = {"now": NOW}
    s = PosServices(path, clock=lambda: clock["now"])
    s.test_clock = clock
    yield s
    s.close()


@pytest.fixture
def people(chain):
    return {row["role"]: row["id"] for row, _pin in chain.staff_pins(chain.store_ids[0]) if row["active"]}


@pytest.fixture
def drawer(till, tmp_path):
    emulator = EscposPrinterEmulator(port=0, out_dir=tmp_path / "paper").start()
    till.drawer = PrinterDrawer(PrinterConfig(emulator.spec, timeout_s=2))
    yield emulator
    emulator.stop()


def _audit(till, action):
    return till.conn.execute("SELECT staff_id, approver_id, details FROM audit WHERE action = ? ORDER BY rowid",
                             (action,)).fetchall()


def _sku(till):
    return till.conn.execute(
        "SELECT p.sku FROM products p JOIN prices r ON r.sku = p.sku WHERE p.unit = 'pcs' AND p.active = 1 "
        "AND r.kind = 'regular' AND r.valid_from <= ? AND (r.valid_to IS NULL OR r.valid_to > ?) "
        "AND r.price BETWEEN 5000 AND 50000 ORDER BY p.sku LIMIT 1", (NOW, NOW)).fetchone()[0]


# ---------------------------------------------------------------- hashes


def test_stored_hashes_are_salted_and_slow(till, people):
    rows = till.conn.execute("SELECT id, pin_hash FROM staff").fetchall()
    assert len({h for _, h in rows}) == len(rows)
    for _id, stored in rows:
        n, r, p, salt, key = staff.parse_pin_hash(stored)
        assert n >= 2**14 and r >= 8 and len(salt) >= 16 and len(key) >= 32, "a fast or unsalted PIN hash"
        assert not any(pin in stored for pin in PINS.values())
    # Two people given the same PIN get different hashes (a fresh salt each time).
    a = staff.add_staff(till.conn, "Twin A", "cashier", "48151623")
    b = staff.add_staff(till.conn, "Twin B", "cashier", "48151623")
    ha, hb = (till.conn.execute("SELECT pin_hash FROM staff WHERE id = ?", (m.id,)).fetchone()[0] for m in (a, b))
    assert ha != hb and staff.verify_pin("48151623", ha) and staff.verify_pin("48151623", hb)
    started = time.perf_counter()
    staff.verify_pin("48151623", ha)
    assert time.perf_counter() - started > 0.005, "verifying a PIN must cost real work"


# ---------------------------------------------------------------- lockout


def test_the_pin_pad_locks_after_n_wrong_pins_for_sign_in_and_approvals(till, people):
    limit = 5
    for n in range(limit - 1):
        with pytest.raises(staff.WrongPin, match="before the PIN pad locks"):
            till.sign_in("0000")
    with pytest.raises(staff.LockedOut, match="locked"):
        till.approve("cash_out", people["cashier"], "0001")  # a wrong approver PIN counts too
    for pin in (PINS["manager"], PINS["technician"]):  # even the right PINs wait now
        with pytest.raises(staff.LockedOut):
            till.sign_in(pin)
        with pytest.raises(staff.LockedOut):
            till.approve("no_sale", people["cashier"], pin)
    assert not _audit(till, "sign_in")
    till.test_clock["now"] = NOW + 301
    assert till.sign_in(PINS["manager"]).id == people["manager"]
    assert staff.lock_state(till.conn) == (0, 0)


# ---------------------------------------------------------------- privileged actions


def test_no_sale_needs_the_right_and_an_approval_opens_the_drawer_once(till, people, drawer):
    with pytest.raises(staff.NotAllowed, match="approval"):
        till.no_sale(people["cashier"])
    assert not drawer.jobs, "the drawer opened for a cashier without an approval"
    refund = till.approve("refund", people["cashier"], PINS["manager"])
    with pytest.raises(staff.NotAllowed):
        till.no_sale(people["cashier"], refund)  # an approval of something else
    forged = staff.Approval(new_id(), "no_sale", people["cashier"], people["manager"], NOW)
    with pytest.raises(staff.NotAllowed):
        till.no_sale(people["cashier"], forged)  # an Approval that no manager gave
    approval = till.approve("no_sale", people["cashier"], PINS["manager"])
    till.no_sale(people["cashier"], approval)
    with pytest.raises(staff.NotAllowed, match="already used"):
        till.no_sale(people["cashier"], approval)
    till.no_sale(people["manager"])  # the manager's own right, audited
    rows = _audit(till, "no_sale")
    assert (people["cashier"], people["manager"]) in [(r[0], r[1]) for r in rows]
    assert (people["manager"], None) in [(r[0], r[1]) for r in rows]
    kicks = sum(len(job.drawer_kicks) for job in drawer.wait_for_jobs(2))
    assert kicks == 2


def test_cash_out_close_shift_and_refunds_are_gated_and_name_the_approver(till, people):
    shift = till.open_shift(people["cashier"], 100000)
    with pytest.raises(staff.NotAllowed):
        till.cash_out(shift.id, 5000, "to the safe", people["cashier"])
    approval = till.approve("cash_out", people["cashier"], PINS["manager"], {"amount": 5000})
    till.cash_out(shift.id, 5000, "to the safe", people["cashier"], approval=approval)
    with pytest.raises(staff.NotAllowed, match="already used"):
        till.cash_out(shift.id, 5000, "to the safe", people["cashier"], approval=approval)
    assert (people["cashier"], people["manager"]) in [(r[0], r[1]) for r in _audit(till, "cash_out")]

    cart = Cart()
    till.offer(_sku(till)).add_to(cart)
    priced = till.price(cart)
    sale = till.commit_sale(priced, [Tender("card", priced.total, "T1")], staff_id=people["cashier"],
                            shift_id=shift.id, sale_id=new_id())
    with pytest.raises(staff.NotAllowed):  # a card sale refunded in cash is the manager's call
        till.return_sale(sale.id, [(1, 1000)], "cash", staff_id=people["cashier"], shift_id=shift.id,
                         return_id=new_id())
    with pytest.raises(ReturnError, match="approval"):
        till.blind_return([(_sku(till), 1000)], "cash", staff_id=people["cashier"], shift_id=shift.id,
                          return_id=new_id(), approval=None)
    manager_own = till.approve("refund", people["cashier"], PINS["manager"])
    with pytest.raises(staff.NotAllowed):  # an approval of another action does not do
        till.blind_return([(_sku(till), 1000)], "cash", staff_id=people["cashier"], shift_id=shift.id,
                          return_id=new_id(), approval=manager_own)
    blind_ok = till.approve("blind_return", people["cashier"], PINS["manager"])
    till.blind_return([(_sku(till), 1000)], "cash", staff_id=people["cashier"], shift_id=shift.id,
                      return_id=new_id(), approval=blind_ok)
    assert (people["cashier"], people["manager"]) in [(r[0], r[1]) for r in _audit(till, "blind_return")]

    with pytest.raises(staff.NotAllowed):
        till.close_shift(shift.id, till.cash_in_drawer(shift.id), people["cashier"])
    close = till.approve("close_shift", people["cashier"], PINS["manager"])
    report = till.close_shift(shift.id, till.cash_in_drawer(shift.id), people["cashier"], approval=close)
    assert till.z_report(shift.id).shift_id == report.shift_id
    assert (people["cashier"], people["manager"]) in [(r[0], r[1]) for r in _audit(till, "close_shift")]


@pytest.mark.parametrize("action", ["price_override", "void_line_over_threshold", "no_sale", "refund"])
def test_a_cashier_cannot_audit_a_managers_action_as_done_without_an_approval(till, people, action):
    details = {"sku": "X", "new_price": 1}
    with pytest.raises(staff.NotAllowed, match="approval"):
        till.audit(people["cashier"], action, details)
    forged = staff.Approval(new_id(), action, people["cashier"], people["manager"], NOW)
    with pytest.raises(staff.NotAllowed):
        till.audit(people["cashier"], action, details, forged)
    assert not _audit(till, action)
    # The manager's own right is audited without an approver; a real approval names the approver.
    till.audit(people["manager"], action, details)
    approval = till.approve(action, people["cashier"], PINS["manager"], details)
    till.audit(people["cashier"], "void_line" if action.startswith("void") else action, details, approval)
    rows = [(r[0], r[1]) for r in _audit(till, action)]
    assert (people["manager"], None) in rows and (people["cashier"], people["manager"]) in rows


def test_the_sync_console_retry_needs_its_right(till, people):
    with transaction(till.conn):
        event = outbox.emit(till.conn, "test.event", {"n": 1}, now=NOW)
        till.conn.execute("UPDATE outbox SET status = 'dead' WHERE seq = ?", (event.seq,))
    with pytest.raises(staff.NotAllowed):
        till.retry_dead(event.seq, people["cashier"])
    assert outbox.counts(till.conn)["dead"] == 1
    forged = staff.Approval(new_id(), "sync_console", people["cashier"], people["manager"], NOW)
    with pytest.raises(staff.NotAllowed):
        till.retry_dead(event.seq, people["cashier"], forged)
    till.retry_dead(event.seq, people["technician"])
    assert outbox.counts(till.conn)["dead"] == 0
    rows = _audit(till, "retry_dead_letter")
    assert [r[0] for r in rows] == [people["technician"]] and json.loads(rows[0][2]) == {"seq": event.seq}
    # A cashier let into the console by a manager retries with that approval while it is fresh.
    console = till.approve("sync_console", people["cashier"], PINS["manager"])
    till.retry_dead(event.seq, people["cashier"], console)
    till.retry_dead(event.seq, people["cashier"], console)
    assert (people["cashier"], people["manager"]) in [(r[0], r[1]) for r in _audit(till, "retry_dead_letter")]
    till.test_clock["now"] = NOW + staff.APPROVAL_TTL_S + 1
    with pytest.raises(staff.NotAllowed, match="expired"):
        till.retry_dead(event.seq, people["cashier"], console)


def test_a_manager_pin_never_lands_in_the_audit_trail(till, people):
    till.sign_in(PINS["cashier"])
    till.approve("no_sale", people["cashier"], PINS["manager"], {"reason": "change"})
    with pytest.raises(staff.StaffError):
        till.approve("no_sale", people["cashier"], PINS["manager"], {"manager_pin": PINS["manager"]})
    dump = "\n".join(str(r) for r in till.conn.execute("SELECT * FROM audit"))
    for pin in PINS.values():
        assert not pin_in(dump, pin)
