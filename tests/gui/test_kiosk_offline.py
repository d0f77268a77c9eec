"""With central stopped, the kiosk still does everything a shopper needs, and what it recorded
reaches central exactly once when central returns.

The app runs with its sync agent (as ``run_kiosk.py`` starts it), so the agent really
fails to reach central and the kiosk shows that it works offline. Recorded offline: an
endless-aisle order picked up in another store and paid by card, a basket handed to the
till, a click-and-collect check-in and a loyalty greeting. Then central starts again on
the same port and the agent's cycles deliver the order and the arrival, once.
"""
from __future__ import annotations

import json

import pytest

from kiosk_support import central, chain_template, configure, launch, register, shots_dir, write_facts  # noqa: F401

pytestmark = pytest.mark.gui


def scenario_offline(app, d):
    from kiosk import demo_script as demo

    facts = demo.load_facts()
    yield from demo.start(app, d)
    yield d.until(lambda: bool(app.offline_text), 30, "the kiosk to notice central is unreachable")
    d.note("offline_text", app.offline_text)

    # Loyalty from the local store; the card is read by a keyboard-wedge scanner, which
    # "types" the digits and Enter faster than a person can.
    from kivy.core.window import Window

    assert app.wedge is not None
    for ch in facts["card"]:
        Window.dispatch("on_key_down", ord(ch), 0, ch, [])
        Window.dispatch("on_key_up", ord(ch), 0)
    Window.dispatch("on_key_down", 13, 40, None, [])
    yield d.until(lambda: app.customer is not None and app.current == "loyalty", 10, "the greeting, offline")
    yield 0.4
    d.shot("offline-loyalty")

    # Endless aisle, picked up in another store, paid by card: recorded here.
    yield from demo.order(app, d, facts, fulfilment="pickup", pay="card")
    d.note("order_number", d.outcome.notes["order_number"].split()[-1])

    # A basket to the till.
    yield from demo.start(app, d)
    yield from demo.search(app, d, demo.SEARCH_WORD)
    yield from demo.add_to_basket(app, d)
    d.tap("nav_basket")
    yield demo.wait_screen(d, app, "basket")
    d.tap("pay_at_till")
    yield d.until(lambda: app.current == "done" and app.screens["done"].mode == "handoff", 20, "the hand-off")
    yield 0.5
    d.note("handoff_code", app.screens["done"].qr)
    d.shot("offline-handoff")
    d.tap("finish")
    yield demo.wait_screen(d, app, "attract")

    # Click and collect: the code is checked against the local store.
    yield from demo.start(app, d)
    yield from demo.pickup(app, d, facts)
    assert app.screens["pickup"].state == "expired"


def test_everything_works_offline_and_reaches_central_once(tmp_path, central, chain_template):
    from hardware.emulator.escpos_printer import EscposPrinterEmulator
    from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
    from retail.orders import get_order

    kiosk = register(tmp_path, central, chain_template.home, "K1")
    facts = write_facts(chain_template, kiosk, tmp_path / "facts.json")
    ready_number = json.loads(facts.read_text(encoding="utf-8"))["ready"][0]
    central.stop()
    with EmulatedPaymentTerminal() as terminal, EscposPrinterEmulator(port=0) as printer:
        configure(kiosk, payment=f"tcp:127.0.0.1:{terminal.port}", printer=printer.spec, scanner="wedge")
        outcome = launch(kiosk.db_path, "test_kiosk_offline:scenario_offline", shots_dir("offline"),
                         facts=str(facts), agent=True)
        printed = [job.text for job in printer.jobs]
        charges = terminal.ledger
    number = outcome.notes["order_number"]
    order = get_order(kiosk.conn, number)
    assert order.fulfilment == "pickup" and order.pickup_store_id != kiosk.store and order.paid == order.total
    assert [c.key for c in charges] == [order.id]
    assert any(number in text for text in printed), "the order confirmation printed offline"
    pending = [r[0] for r in kiosk.conn.execute("SELECT kind FROM outbox WHERE status = 'pending' ORDER BY seq")]
    assert sorted(pending) == ["order", "order_arrived"], pending

    # Central returns: the agent delivers, and delivering again changes nothing.
    central.start()
    kiosk.sync()
    kiosk.sync()
    db = central.db()
    try:
        rows = db.execute("SELECT number, total, paid, pickup_store_id FROM orders WHERE number = ?",
                          (number,)).fetchall()
        arrived = db.execute("SELECT arrived_at FROM orders WHERE number = ?", (ready_number,)).fetchone()[0]
    finally:
        db.close()
    assert [tuple(r) for r in rows] == [(number, order.total, order.paid, order.pickup_store_id)]
    assert arrived is not None
    statuses = [r[0] for r in kiosk.conn.execute("SELECT status FROM outbox ORDER BY seq")]
    assert statuses == ["acked"] * len(statuses), statuses
