"""No PIN, full loyalty card number, token or customer contact in logs, receipts or print jobs.

A real day in small: central (in this process, logging at DEBUG), a till registered
with its token and synced by the agent's CLI at ``--verbose``; the manager signs in
with a PIN, opens the shift, sells to a loyalty customer by card through the payment
terminal emulator, the receipt prints on the printer emulator, and the agent pushes the
sale. Then every log line (this process's, the agent's output), every decoded receipt
and every stored print job is searched for the secrets of that day; only masked forms
(``•••• 1364``, ``**** 1234``) may appear.
"""
from __future__ import annotations

import json
import logging

import pytest
from pin_search import pin_in

from bench.faults import rig
from hardware.emulator.escpos_printer import EscposPrinterEmulator
from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
from hardware.payment import TcpPaymentTerminal
from hardware.printing import PrinterConfig
from hardware.queue import PrintQueue
from retail.cart import Cart
from retail.ids import new_id
from retail.sales import Tender

pytestmark = pytest.mark.security

MANAGER_PIN = "2222"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def day(tmp_path):
    handler = Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    template = rig.build_template(tmp_path / "template")
    db = tmp_path / "central.db"
    rig.copy_database(template.path, db)
    central = rig.Central(db, template)
    printer = EscposPrinterEmulator(port=0, out_dir=tmp_path / "receipts").start()
    card_terminal = EmulatedPaymentTerminal(pan_last4="1234").start()
    term = rig.register(tmp_path, central, template.home, "P1")
    outputs = [rig.run_cli("sync", "-v", "once", "--db", str(term.db_path), env=rig.child_env())]
    try:
        yield tmp_path, template, central, printer, card_terminal, term, outputs, handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        term.close()
        card_terminal.stop()
        printer.stop()
        central.stop()


def _secrets_of(term, template) -> dict[str, str]:
    conn = term.conn
    card, customer_id = conn.execute("SELECT number, customer_id FROM loyalty_cards ORDER BY number LIMIT 1").fetchone()
    found = {"loyalty card": card, "terminal token": template.tokens[(template.home, "P1")]}
    row = conn.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
    for column in ("phone", "email"):
        if column in row.keys() and row[column]:
            found[f"customer {column}"] = row[column]
    for (contact,) in conn.execute("SELECT contact FROM orders WHERE contact != '{}' LIMIT 3"):
        for field, value in json.loads(contact).items():
            if field in ("phone", "email", "address") and value:
                found[f"an order's contact {field}"] = value
    return found | {"customer id": customer_id}


def test_no_secret_reaches_a_log_a_receipt_or_a_print_job(day):
    from pos.services import PosServices

    work, template, central, printer, card_terminal, term, outputs, handler = day
    secrets = _secrets_of(term, template)
    customer_id = secrets.pop("customer id")
    queue = PrintQueue(term.db_path, PrinterConfig(printer.spec, timeout_s=3), backoff_s=(0.1,), poll_s=0.05)
    payment = TcpPaymentTerminal("127.0.0.1", card_terminal.port, timeout_s=3)
    till = PosServices(term.db_path, queue=queue, payment=payment)
    queue.start()
    try:
        manager = till.sign_in(MANAGER_PIN)
        shift = till.current_shift() or till.open_shift(manager.id, 100_000)
        view = till.loyalty_card(secrets["loyalty card"])
        assert view is not None
        skus = [r[0] for r in till.conn.execute(
            "SELECT sku FROM products WHERE unit = 'pcs' AND active = 1 ORDER BY sku LIMIT 12")]
        cart = Cart()
        for sku in skus:
            try:
                till.offer(sku).add_to(cart)
            except Exception:   # not priced here: a cashier could not sell it either
                continue
            if len(cart.items) == 2:
                break
        priced = till.price(cart)
        key = f"{new_id()}:1"
        paid = till.pay_card(key, priced.total)
        sale, problem = till.finish_sale(priced, [Tender("card", paid.amount, f"{paid.scheme} {paid.masked_pan} {paid.txn_id}/{paid.auth_code}")],
                                         staff_id=manager.id, shift_id=shift.id, sale_id=new_id(),
                                         customer_id=customer_id, card_number=secrets["loyalty card"])
        assert problem == ""
        printer.wait_for_jobs(1, timeout=10)
        documents = [r[0] for r in till.conn.execute("SELECT document FROM print_jobs")]
    finally:
        queue.close()
        till.close()
    outputs.append(rig.run_cli("sync", "-v", "once", "--db", str(term.db_path), env=rig.child_env()))

    receipts = [p.read_text(encoding="utf-8") for p in (work / "receipts").glob("*.txt")]
    assert receipts and any(sale.number in r for r in receipts), "the receipt did not print"
    places = {"this process's log": "\n".join(handler.lines),
              "the agent's output": "\n".join(o.stdout + o.stderr for o in outputs),
              "the printed receipts": "\n".join(receipts),
              "the print queue": "\n".join(str(d) for d in documents)}
    assert "sync" in places["the agent's output"].lower() or places["the agent's output"], "no agent output"
    leaks = [f"{what} in {where}" for where, text in places.items() for what, value in secrets.items()
             if value and value in text]
    leaks += [f"the manager's PIN in {where}" for where, text in places.items()
              if where != "the printed receipts" and pin_in(text, MANAGER_PIN)]
    assert leaks == []
    card = secrets["loyalty card"]
    assert card[-4:] in places["the printed receipts"], "the receipt should show the card's masked form"
