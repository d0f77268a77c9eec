"""pos.services.PosServices over a demo store: a till's shift at the service level.

Staff sign in with the demo PINs, a manager approves on the spot, sales commit once with
gapless receipt numbers, card payments go through the payment terminal emulator over
TCP (declined, unknown then recovered with the same key), suspended sales and kiosk
baskets come back once, returns never refund twice, pickup orders are handed over, and
the sync console lists what the outbox holds.
"""
from __future__ import annotations

import pytest

from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
from hardware.payment import Approved, Declined, TcpPaymentTerminal, Unknown
from retail import keys, staff
from retail.cart import Cart
from retail.codes.signed import SignatureError
from retail.ids import new_id
from retail.orders import OrderError
from retail.returns import ReturnError
from retail.sales import Tender
from retail.shifts import ShiftError
from pos.services import PosServices, ServiceError

from conftest import NOW


@pytest.fixture
def till(store_path):
    s = PosServices(store_path, clock=lambda: NOW)
    yield s
    s.close()


@pytest.fixture
def people(chain):
    return {row["role"]: row["id"] for row, pin in chain.staff_pins("MSK1") if row["active"]}


def _skus(till, n=3):
    rows = till.conn.execute(
        "SELECT p.sku FROM products p JOIN prices r ON r.sku = p.sku WHERE p.unit = 'pcs' AND p.active = 1 "
        "AND r.kind = 'regular' AND r.valid_from <= ? AND (r.valid_to IS NULL OR r.valid_to > ?) "
        "AND r.price BETWEEN 5000 AND 50000 ORDER BY p.sku LIMIT ?", (NOW, NOW, n)).fetchall()
    return [r[0] for r in rows]


def _sell(till, people, shift_id, skus, tenders_for=lambda total: [Tender("cash", total)], customer=None):
    cart = Cart()
    for sku in skus:
        till.offer(sku).add_to(cart)
    priced = till.price(cart)
    return till.commit_sale(priced, tenders_for(priced.total), staff_id=people["cashier"], shift_id=shift_id,
                            sale_id=new_id(), customer_id=customer)


def test_sign_in_with_demo_pins_and_refusals(till, people):
    assert till.sign_in("1111").id == people["cashier"]
    assert till.sign_in("2222").role == "manager"
    with pytest.raises(staff.WrongPin):
        till.sign_in("3333")  # the former cashier is inactive
    with pytest.raises(staff.PinError):
        till.sign_in("12")
    assert till.conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'sign_in'").fetchone()[0] == 2


def test_a_shift_with_approvals_sales_and_a_z_report(till, people):
    shift = till.open_shift(people["cashier"], 500000)
    till.cash_in(shift.id, 10000, "change from the safe", people["cashier"])
    with pytest.raises(staff.NotAllowed):
        till.cash_out(shift.id, 5000, "to the safe", people["cashier"])
    with pytest.raises(staff.NotAllowed):
        till.approve("cash_out", people["cashier"], "1111")  # a cashier cannot approve
    approval = till.approve("cash_out", people["cashier"], "2222", {"amount": 5000})
    till.cash_out(shift.id, 5000, "to the safe", people["cashier"], approval=approval)
    audited = till.conn.execute("SELECT approver_id FROM audit WHERE id = ?", (approval.id,)).fetchone()[0]
    assert audited == people["manager"]

    first = _sell(till, people, shift.id, _skus(till, 2))
    second = _sell(till, people, shift.id, _skus(till, 3)[2:], lambda t: [Tender("cash", t + 10000)])
    assert second.seq == first.seq + 1 and second.change == 10000
    assert till.last_sale().id == second.id
    report = till.x_report(shift.id)
    assert report.sales_count == 2 and report.cash_expected == 500000 + 10000 - 5000 + first.total + second.total
    with pytest.raises(staff.NotAllowed):
        till.close_shift(shift.id, report.cash_expected, people["cashier"])
    close = till.approve("close_shift", people["cashier"], "2222")
    z = till.close_shift(shift.id, report.cash_expected - 100, people["cashier"], approval=close)
    assert z.kind == "Z" and z.difference == -100
    assert till.current_shift() is None
    with pytest.raises(ShiftError):
        _sell(till, people, shift.id, _skus(till, 1))


def test_card_payments_declined_and_unknown_recovered_with_the_same_key(till, people):
    with EmulatedPaymentTerminal() as emu:
        till.payment = TcpPaymentTerminal(emu.host, emu.port, timeout_s=1, decision_timeout_s=0.4, recovery_s=0.3,
                                          poll_s=0.1)
        emu.cue("decline", reason="insufficient funds")
        assert isinstance(till.pay_card("sale-1:1", 12345), Declined)
        emu.cue("approve", delay_s=1.5)  # the customer is slow: the till gives up waiting
        assert isinstance(till.pay_card("sale-1:2", 12345), Unknown)
        import time
        time.sleep(1.6)
        again = till.pay_card("sale-1:2", 12345)
        assert isinstance(again, Approved) and again.amount == 12345
        assert len(emu.charges_for("sale-1:2")) == 1 and not emu.charges_for("sale-1:1")
    till.payment = None
    with pytest.raises(ServiceError):
        till.pay_card("x", 1)


def test_suspend_and_resume_once(till, people):
    cart = Cart()
    for sku in _skus(till, 2):
        till.offer(sku).add_to(cart)
    sid = till.suspend(cart, till.price(cart).total, people["cashier"], None, "blue jacket")
    listed = till.suspended()
    assert [s.id for s in listed] == [sid] and listed[0].label == "blue jacket" and listed[0].lines == 2
    back = till.resume(sid, people["cashier"])
    assert back.to_dict() == cart.to_dict()
    assert till.suspended() == []
    with pytest.raises(ServiceError):
        till.resume(sid, people["cashier"])
    with pytest.raises(ServiceError):
        till.suspend(Cart(), 0, people["cashier"], None)


def test_kiosk_basket_is_recalled_once_and_only_in_its_store(till, people):
    skus = _skus(till, 2)
    lines = [(skus[0], 2000), (skus[1], 1000), ("NO-SUCH", 1000)]
    code = keys.sign(till.conn, "basket", {"basket_id": new_id(), "store": "MSK1", "terminal": "K1",
                                           "lines": lines}, NOW, 3600)
    basket = till.recall_basket(code, people["cashier"])
    assert [(i.sku, i.qty_milli) for i in basket.cart.items] == lines[:2]
    assert basket.kiosk == "K1" and len(basket.skipped) == 1
    with pytest.raises(ServiceError):
        till.recall_basket(code, people["cashier"])
    other = keys.sign(till.conn, "basket", {"basket_id": new_id(), "store": "MSK2", "terminal": "K1",
                                            "lines": lines[:1]}, NOW, 3600)
    with pytest.raises(ServiceError):
        till.recall_basket(other, people["cashier"])
    pickup = keys.sign(till.conn, "pickup", {"order": "X", "secret": "1"}, NOW, 3600)
    with pytest.raises(SignatureError):
        till.recall_basket(pickup, people["cashier"])


def test_returns_by_number_and_receipt_qr_never_twice(till, people):
    shift = till.open_shift(people["manager"], 100000)
    sale = _sell(till, people, shift.id, _skus(till, 2), lambda t: [Tender("card", t, "T1")])
    assert till.find_receipt(sale.number.lower()).id == sale.id
    qr = keys.sign(till.conn, "receipt", {"receipt": sale.number, "sale_id": sale.id, "store": "MSK1"}, NOW, 86400)
    assert till.find_receipt(qr).id == sale.id
    line = sale.lines[0]
    with pytest.raises(staff.NotAllowed):
        till.return_sale(sale.id, [(line.line_no, 1000)], None, staff_id=people["cashier"], shift_id=shift.id,
                         return_id=new_id())
    refund = till.approve("refund", people["cashier"], "2222")
    back = till.return_sale(sale.id, [(line.line_no, 1000)], None, staff_id=people["cashier"], shift_id=shift.id,
                            return_id=new_id(), approval=refund)
    assert back.kind == "return" and back.tenders[0].kind == "card" and back.total == -line.amount
    with pytest.raises(ReturnError):
        till.return_sale(sale.id, [(line.line_no, 1000)], "cash", staff_id=people["manager"], shift_id=shift.id,
                         return_id=new_id())
    left = {r.line_no: r.left_milli for r in till.returnable(sale.id)}
    assert left[line.line_no] == 0
    with pytest.raises(ServiceError):
        till.find_receipt(back.number)
    with pytest.raises(ServiceError):
        till.lookup_order("WEB-1")  # no connection to central configured


def test_blind_return_needs_a_manager(till, people):
    shift = till.open_shift(people["cashier"], 100000)
    sku = _skus(till, 1)[0]
    approval = till.approve("blind_return", people["cashier"], "2222")
    back = till.blind_return([(sku, 1000)], "cash", staff_id=people["cashier"], shift_id=shift.id,
                             return_id=new_id(), approval=approval)
    assert back.total == -till.offer(sku).price.shown
    assert till.cash_in_drawer(shift.id) == 100000 + back.total


def test_pickup_orders_ready_and_handed_over_with_payment(till, people, chain):
    shift = till.open_shift(people["cashier"], 0)
    orders = {o.number: o for o in till.pickup_orders()}
    secrets = {n: (st, code) for n, st, code in chain.pickup_secrets("MSK1")}
    placed = next(o for o in orders.values() if o.status == "placed")
    assert till.set_order_status(placed.id, "picking", people["cashier"]).status == "picking"
    assert till.set_order_status(placed.id, "ready", people["cashier"]).status == "ready"
    unpaid = next(o for o in orders.values() if o.status == "ready" and o.due)
    order = till.verify_pickup(number=unpaid.number, secret=secrets[unpaid.number][1])
    with pytest.raises(OrderError):
        till.hand_over(order.id, people["cashier"])
    priced = till.order_priced_cart(order)
    assert priced.total == order.total
    sale = till.commit_sale(priced, [Tender("cash", priced.total)], staff_id=people["cashier"], shift_id=shift.id,
                            sale_id=new_id(), order_id=order.id)
    done = till.hand_over(order.id, people["cashier"], sale.id)
    assert done.status == "collected"
    kinds = [r.kind for r in till.outbox_rows("pending")]
    assert kinds[:2] == ["pickup", "sale"] and "order_status" in kinds


def test_sync_console_lists_events_retries_dead_letters_and_shows_quarantine(till, people):
    shift = till.open_shift(people["cashier"], 1000)
    assert [r.kind for r in till.outbox_rows("pending")] == ["shift"]
    seq = till.outbox_rows("pending")[0].seq
    till.conn.execute("UPDATE outbox SET status = 'dead', last_error = 'unknown shift' WHERE seq = ?", (seq,))
    dead = till.outbox_rows("dead")
    assert dead[0].last_error == "unknown shift" and dead[0].ref == str(shift.number)
    till.retry_dead(seq, people["manager"])
    assert till.outbox_rows("dead") == [] and till.outbox_rows("pending")[0].seq == seq
    till.conn.execute("INSERT INTO quarantine(feed, row_key, reason, payload, at) VALUES "
                      "('prices', 'price:x', 'price must be int', '{}', 1)")
    assert till.quarantine()[0].reason == "price must be int"
    with pytest.raises(ServiceError):
        till.outbox_rows("lost")


def test_points_are_capped_while_central_is_unreachable(till, chain):
    anna = chain.demo_customers()[0]
    points, online = till.redeemable_points(anna["id"])
    assert not online and points == min(anna["balance"], 500)


# ---------------------------------------------------------------- printing and the drawer


@pytest.fixture
def printing(till, tmp_path):
    from hardware.devices import build_drawer
    from hardware.emulator.escpos_printer import EscposPrinterEmulator
    from hardware.printing import PrinterConfig
    from hardware.queue import PrintQueue
    from hardware import devices

    emulator = EscposPrinterEmulator(port=0, out_dir=tmp_path / "paper").start()
    config = PrinterConfig(emulator.spec, timeout_s=2)
    queue = PrintQueue(till.db_path, config, backoff_s=(0.2,), poll_s=0.1).start()
    devices.configure(till.conn, "drawer", "printer")
    till.queue, till.drawer = queue, build_drawer(till.conn, config)
    yield emulator, queue
    queue.close()
    emulator.stop()


def test_a_committed_sale_prints_its_receipt_and_kicks_the_drawer_for_cash(till, people, printing):
    emulator, queue = printing
    shift = till.open_shift(people["cashier"], 100000)
    cart = Cart()
    till.offer(_skus(till, 1)[0]).add_to(cart)
    priced = till.price(cart)
    sale, problem = till.finish_sale(priced, [Tender("cash", priced.total + 500)], staff_id=people["cashier"],
                                     shift_id=shift.id, sale_id=new_id())
    assert problem == ""
    job = queue.wait_printed(f"receipt:{sale.id}")
    assert job.status == "printed"
    printed = emulator.wait_for_jobs(1)[-1]
    assert sale.number in "\n".join(printed.text_lines) and printed.drawer_kicks
    copy = till.reprint_last()
    assert queue.wait_printed(copy.id).status == "printed"
    assert "КОПИЯ" in "\n".join(emulator.wait_for_jobs(2)[-1].text_lines)
    report, problem = till.print_x_report(shift.id)
    assert problem == "" and report.sales_count == 1
    approval = till.approve("no_sale", people["cashier"], "2222")
    till.no_sale(people["cashier"], approval)


def test_paper_out_leaves_the_sale_and_queues_the_receipt(till, people, printing):
    emulator, queue = printing
    emulator.set_state(paper="out")
    shift = till.open_shift(people["cashier"], 0)
    cart = Cart()
    till.offer(_skus(till, 1)[0]).add_to(cart)
    priced = till.price(cart)
    sale, _ = till.finish_sale(priced, [Tender("card", priced.total, "T")], staff_id=people["cashier"],
                               shift_id=shift.id, sale_id=new_id())
    assert till.get_sale(sale.number).id == sale.id
    job = queue.wait_for(f"receipt:{sale.id}", lambda j: j.last_error is not None, 10)
    assert job.status == "queued" and job.error_kind == "paper_out"
    emulator.set_state(paper="ok")
    till.retry_printing()
    assert queue.wait_printed(job.id).status == "printed"


def test_without_a_printer_the_cashier_is_told(till, people):
    shift = till.open_shift(people["cashier"], 0)
    cart = Cart()
    till.offer(_skus(till, 1)[0]).add_to(cart)
    priced = till.price(cart)
    _, problem = till.finish_sale(priced, [Tender("cash", priced.total)], staff_id=people["cashier"],
                                  shift_id=shift.id, sale_id=new_id())
    assert problem == "No receipt printer is set up; the receipt was not printed"
    with pytest.raises(ServiceError):
        till.reprint_last()
    with pytest.raises(ServiceError):
        till.no_sale(people["manager"])
    till.open_drawer_quietly()  # no drawer: nothing to open, no error


def test_devices_are_rebuilt_from_the_configuration(till):
    from hardware import devices
    from hardware.payment import TcpPaymentTerminal

    devices.configure(till.conn, "payment", "tcp:127.0.0.1:7777", {"timeout_s": 1})
    built = till.rebuild_device("payment")
    assert isinstance(built, TcpPaymentTerminal) and till.payment is built
    devices.configure(till.conn, "scanner", "wedge")
    assert type(till.rebuild_device("scanner")).__name__ == "KeyboardWedge"
    assert till.rebuild_device("drawer") is None  # not configured
    with pytest.raises(ServiceError):
        till.rebuild_device("toaster")


def test_ready_orders_past_their_pickup_time_are_listed_and_put_back(store_path, people):
    later = PosServices(store_path, clock=lambda: NOW + 30 * 86400)
    try:
        overdue = later.overdue_orders()
        assert overdue and all(o.status == "ready" for o in overdue)
        back = later.set_order_status(overdue[0].id, "expired", people["cashier"])
        assert back.status == "expired"
        assert overdue[0].id not in {o.id for o in later.overdue_orders()}
        assert any(o.id == back.id for o in later.pickup_orders())  # still listed, to restock
    finally:
        later.close()


def test_a_sale_is_checkpointed_after_its_receipt_not_inside_its_commit(till, people, tmp_path):
    """The till's commits leave the WAL alone; finishing the sale copies it into the file."""
    import shutil
    import sqlite3

    assert till.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    shift = till.open_shift(people["cashier"], 0)
    committed = _sell(till, people, shift.id, _skus(till, 2))  # commit only: still in the log

    def in_main_file() -> set[str]:
        copy = tmp_path / "main-file-only.db"  # the database file without its -wal beside it
        shutil.copyfile(till.db_path, copy)
        conn = sqlite3.connect(copy)
        try:
            return {r[0] for r in conn.execute("SELECT id FROM sales")}
        finally:
            conn.close()

    assert committed.id not in in_main_file()
    cart = Cart()
    till.offer(_skus(till, 1)[0]).add_to(cart)
    priced = till.price(cart)
    sale, _ = till.finish_sale(priced, [Tender("cash", priced.total)], staff_id=people["cashier"],
                               shift_id=shift.id, sale_id=new_id())
    assert {committed.id, sale.id} <= in_main_file()
