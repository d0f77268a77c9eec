"""No secret in the rest of the day's paper and logs, nor on the kiosk's screens.

test_redaction.py follows a sale and the agent's push through central. This file adds
the rest of the day at the service level - a return by the receipt's QR refunded to the
card, a click-and-collect order paid and handed over at the till, a shopper's check-in
at the kiosk - with everything logged at DEBUG and printed on the printer emulator; and
the real kiosk app under a virtual display, where after a loyalty card and a pickup
check-in the text of every widget of every screen (what a screenshot would show, read
from the widgets, not by OCR) and the app's own log are searched. Allowed are only the
masked forms (``•••• 1364``), the first name and the last four digits of a phone.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from pin_search import pin_in

from hardware.emulator.escpos_printer import EscposPrinterEmulator
from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
from hardware.payment import TcpPaymentTerminal
from hardware.printing import PrinterConfig
from hardware.queue import PrintQueue
from hardware.receipts.sale import receipt_code
from kiosk.services import KioskServices
from pos.services import PosServices
from retail import orders as retail_orders
from retail.cart import Cart
from retail.demo import DemoChain
from retail.demo.load import load_store
from retail.ids import new_id
from retail.sales import Tender

pytestmark = pytest.mark.security

NOW = (int(time.time()) // 3600) * 3600
PINS = ("1111", "2222", "9999")


@pytest.fixture(scope="module")
def chain() -> DemoChain:
    return DemoChain(now=NOW, seed=7, skus=80, stores=1, customers=5)


def _store(tmp_path, chain, terminal):
    path = tmp_path / f"MSK1-{terminal}.db"
    load_store(path, chain, chain.store_ids[0], terminal_id=terminal)
    return path


def secrets_of(db_path, chain) -> dict[str, str]:
    """What must never be shown or logged whole: card numbers, contacts, pickup codes, PINs."""
    person = chain.demo_customers()[0]
    found = {"loyalty card": person["cards"][0]["number"], "customer's last name": person["last_name"]}
    conn = sqlite3.connect(db_path)
    try:
        for number, contact in conn.execute("SELECT number, contact FROM orders WHERE contact != '{}'"):
            for field, value in json.loads(contact).items():
                if field in ("phone", "email", "address") and value and len(value) >= 6:
                    found[f"{number}'s {field}"] = value
    finally:
        conn.close()
    for number, _status, secret in chain.pickup_secrets(chain.store_ids[0]):
        found[f"{number}'s pickup code"] = secret
    return found


def leaks(places: dict[str, str], secrets: dict[str, str]) -> list[str]:
    out = [f"{what} in {where}" for where, text in places.items() for what, value in secrets.items() if value in text]
    out += [f"PIN {pin} in {where}: ...{context}..." for pin in PINS for where, text in places.items()
            if where != "the printed paper" and (context := pin_in(text, pin))]
    return out


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def debug_log():
    handler = Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old)


def _ready_order(conn, chain):
    """The demo store's ready order nobody has checked in for yet (each test has its own copy)."""
    for number, status, secret in chain.pickup_secrets(chain.store_ids[0]):
        order = retail_orders.get_order(conn, number)
        if status == "ready" and order.status == "ready" and not order.arrived_at:
            return order, secret
    raise AssertionError("no ready order in the demo store")


def test_a_return_a_handover_and_a_check_in_leak_nothing(tmp_path, chain, debug_log):
    till_db, kiosk_db = _store(tmp_path, chain, "P1"), _store(tmp_path, chain, "K1")
    secrets = secrets_of(till_db, chain)
    printer = EscposPrinterEmulator(port=0, out_dir=tmp_path / "paper").start()
    card_terminal = EmulatedPaymentTerminal(pan_last4="4242").start()
    queue = PrintQueue(till_db, PrinterConfig(printer.spec, timeout_s=3), backoff_s=(0.1,), poll_s=0.05).start()
    kiosk_queue = PrintQueue(kiosk_db, PrinterConfig(printer.spec, timeout_s=3), backoff_s=(0.1,), poll_s=0.05).start()
    till = PosServices(till_db, clock=lambda: NOW, queue=queue,
                       payment=TcpPaymentTerminal("127.0.0.1", card_terminal.port, timeout_s=3))
    kiosk = KioskServices(kiosk_db, clock=lambda: NOW, queue=kiosk_queue)
    try:
        manager = till.sign_in("2222")
        shift = till.open_shift(manager.id, 100_000)
        card = secrets["loyalty card"]
        customer = till.loyalty_card(card)
        cart = Cart()
        for (sku,) in till.conn.execute(
                "SELECT p.sku FROM products p JOIN prices r ON r.sku = p.sku WHERE p.unit = 'pcs' AND p.active = 1 "
                "AND r.kind = 'regular' AND r.valid_from <= ? AND (r.valid_to IS NULL OR r.valid_to > ?) "
                "ORDER BY p.sku LIMIT 2", (NOW, NOW)).fetchall():
            till.offer(sku).add_to(cart)
        priced = till.price(cart)
        paid = till.pay_card(f"{new_id()}:1", priced.total)
        sale, problem = till.finish_sale(
            priced, [Tender("card", paid.amount, f"{paid.scheme} {paid.masked_pan} {paid.txn_id}/{paid.auth_code}")],
            staff_id=manager.id, shift_id=shift.id, sale_id=new_id(), customer_id=customer.account.customer_id,
            card_number=card)
        assert problem == ""
        # The return by the receipt's QR, refunded to the card.
        found = till.find_receipt(receipt_code(till.conn, sale, NOW))
        back = till.return_sale(found.id, [(found.lines[0].line_no, found.lines[0].qty_milli)], None,
                                staff_id=manager.id, shift_id=shift.id, return_id=new_id())
        till.after_sale(back)
        # A click-and-collect order: verified by its number and code, paid, handed over.
        order, secret = _ready_order(till.conn, chain)
        order = till.verify_pickup(number=order.number, secret=secret)
        priced = till.order_priced_cart(order)
        order_sale, problem = till.finish_sale(priced, [Tender("cash", priced.total)], staff_id=manager.id,
                                               shift_id=shift.id, sale_id=new_id(), order_id=order.id)
        assert till.hand_over(order.id, manager.id, order_sale.id).status == "collected"
        # A shopper checks in at the kiosk with the order's code (the kiosk's own copy of the store).
        other, other_secret = _ready_order(kiosk.conn, chain)
        assert kiosk.check_in(number=other.number, secret=other_secret).state == "ready"
        kiosk.identify(card)
        printed = printer.wait_for_jobs(4, timeout=15)
        documents = [str(r[0]) for db in (till.conn, kiosk.conn) for r in db.execute("SELECT document FROM print_jobs")]
        audit = [str(tuple(r)) for db in (till.conn, kiosk.conn) for r in db.execute("SELECT * FROM audit")]
        outbox = [r[0] for db in (till.conn, kiosk.conn) for r in db.execute("SELECT payload FROM outbox")]
    finally:
        till.close()
        kiosk.close()
        queue.close()
        kiosk_queue.close()
        card_terminal.stop()
        printer.stop()
    paper = "\n".join("\n".join(job.text_lines) for job in printed)
    assert sale.number in paper and back.number in paper and order.number in paper
    assert "4242" in paper and card[-4:] in paper, "the masked card numbers belong on the receipt"
    places = {"the log at DEBUG": "\n".join(debug_log.lines), "the printed paper": paper,
              "the print queue": "\n".join(documents), "the audit trail": "\n".join(audit)}
    assert leaks(places, secrets) == []
    # The outbox carries the customer id and the contact to central on purpose (it is the
    # order itself); it must still carry no PIN and no loyalty card number.
    assert leaks({"the outbox": "\n".join(outbox)}, {"loyalty card": card}) == []


# ---------------------------------------------------------------- the kiosk's screens


def _texts(widget, out: list[str]) -> list[str]:
    for attr in ("text", "hint_text", "title", "message", "headline", "advice", "greeting", "problem",
                 "tier_text", "lines_text"):
        value = getattr(widget, attr, None)
        if isinstance(value, str) and value:
            out.append(value)
    for child in getattr(widget, "children", ()):
        _texts(child, out)
    return out


def scenario_screens(app, d):
    """In the kiosk's process: a card and a check-in, then every screen's text and the log."""
    import os

    from kivy.core.window import Window

    facts = json.loads(Path(os.environ["VITRINA_DEMO_FACTS"]).read_text(encoding="utf-8"))
    handler = Collect()
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    yield d.until(lambda: app.current == "attract", 15, "the attract screen")
    app.show("loyalty")
    yield 0.3
    app.screens["loyalty"].typed(facts["card"])
    yield d.until(lambda: app.customer is not None, 10, "the card to be recognised")
    yield 0.5
    d.shot("loyalty")
    texts = _texts(Window, [])
    for screen in app.root.ids.sm.screens:
        _texts(screen, texts)
    app.show("pickup")
    yield 0.3
    pickup = app.screens["pickup"]
    pickup.check(number=facts["number"], secret=facts["secret"])
    yield d.until(lambda: pickup.state == "ready", 10, "the check-in")
    yield 0.5
    d.shot("pickup")
    _texts(Window, texts)
    for screen in app.root.ids.sm.screens:
        _texts(screen, texts)
    d.note("texts", texts)
    d.note("log", handler.lines)
    d.note("first_name", app.greeting)


@pytest.mark.gui
@pytest.mark.timeout(240)
def test_the_kiosk_screens_show_only_masked_forms(tmp_path, chain):
    gui = str(Path(__file__).resolve().parents[1] / "gui")
    if gui not in sys.path:
        sys.path.insert(0, gui)
    from kiosk_support import launch

    db = _store(tmp_path, chain, "K1")
    secrets = secrets_of(db, chain)
    conn = sqlite3.connect(db)
    try:
        order, secret = _ready_order(conn, chain)
    finally:
        conn.close()
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"card": secrets["loyalty card"], "number": order.number, "secret": secret}),
                     encoding="utf-8")
    outcome = launch(db, "test_redaction_screens:scenario_screens", tmp_path / "shots", facts=str(facts),
                     process_timeout=200)
    texts, log = outcome.notes["texts"], outcome.notes["log"]
    screen = "\n".join(texts)
    assert order.number in screen and secrets["loyalty card"][-4:] in screen, "the check-in and the card show"
    assert chain.demo_customers()[0]["first_name"] in outcome.notes["first_name"]
    assert leaks({"the kiosk's screens": screen, "the kiosk's log": "\n".join(log)}, secrets) == []


def test_the_leak_search_finds_a_pin_and_not_an_id_that_holds_its_digits():
    assert leaks({"the log": 'sign-in {"pin": "2222"}'}, {}) == ['PIN 2222 in the log: ...sign-in {"pin": "2222"}...']
    assert leaks({"the log": "PIN 1111 refused"}, {}) != []
    assert leaks({"the log": "sale 0190fa3c-2222-7a2b-9c2d-a2222ffe2222 of 12222 kopecks"}, {}) == []
