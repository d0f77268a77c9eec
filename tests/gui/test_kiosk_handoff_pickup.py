"""The kiosk hands a basket to the till and to the shopper's phone, checks pickup codes (valid,
forged, expired), forgets the shopper after inactivity, and only a technician leaves kiosk mode.

One app run. The hand-off ticket is printed on the ESC/POS emulator; its QR is decoded by
zxing-cpp from the printed paper and recalled by the till's own services (``PosServices``)
on a till of the same store; the phone QR is decoded from the kiosk's screenshot.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from kiosk_support import central, chain_template, configure, launch, register, shots_dir, write_facts  # noqa: F401

pytestmark = pytest.mark.gui


def scenario_handoff_pickup(app, d):
    from kiosk import demo_script as demo
    from kiosk.driving import keyboard_type, tap_corner

    facts = demo.load_facts()
    yield from demo.start(app, d)

    # A basket: to the phone, then to the till.
    yield from demo.search(app, d, demo.SEARCH_WORD)
    yield from demo.add_to_basket(app, d, qty_steps=1)
    yield from demo.search(app, d, demo.ENDLESS_AISLE_WORD)
    yield from demo.add_to_basket(app, d)
    d.tap("nav_basket")
    yield demo.wait_screen(d, app, "basket")
    yield d.until(lambda: app.screens["basket"].total_text != "", 10, "the priced basket")
    d.note("basket", [(i.sku, i.qty_milli) for i in app.cart.items])
    d.tap("phone")
    phone = app.screens["phone"]
    yield d.until(lambda: phone.url.startswith("https://vitrina.example/basket?b="), 10, "the phone link")
    yield 0.5
    d.shot("phone")
    d.note("phone_url", phone.url)
    d.tap("back")
    yield demo.wait_screen(d, app, "basket")
    d.tap("pay_at_till")
    done = app.screens["done"]
    yield d.until(lambda: app.current == "done" and done.mode == "handoff", 20, "the hand-off ticket")
    yield 0.5
    d.shot("handoff")
    d.note("handoff_code", done.qr)
    d.note("handoff_printed", done.printed)
    d.tap("finish")
    yield demo.wait_screen(d, app, "attract")
    assert app.cart.is_empty()

    # Click and collect: typed, forged QR, valid QR, expired order.
    yield from demo.start(app, d)
    d.tap("nav_pickup")
    yield demo.wait_screen(d, app, "pickup")
    pickup = app.screens["pickup"]
    yield from demo.type_pickup(app, d, *facts["ready"])
    yield d.until(lambda: pickup.state == "ready", 10, "the ready order to check in")
    yield 0.3
    d.shot("pickup-ready")
    scanned = app.scans_handled
    app.test_scanner.send(facts["forged_qr"])
    yield d.until(lambda: app.scans_handled > scanned and not pickup.checking and pickup.state == "refused", 10,
                  "the forged code to be refused")
    assert "недействителен" in pickup.problem, pickup.problem
    yield 0.3
    d.shot("pickup-forged")
    scanned = app.scans_handled
    app.test_scanner.send(facts["pickup_qr"])
    yield d.until(lambda: app.scans_handled > scanned and pickup.state == "arrived", 10, "the signed QR")
    yield 0.3
    d.shot("pickup-qr-already-here")
    yield from demo.type_pickup(app, d, *facts["expired"])
    yield d.until(lambda: pickup.state == "expired", 10, "the expired order")
    yield 0.3
    d.shot("pickup-expired")

    # Inactivity: a warning with a countdown, then everything about the shopper is gone.
    app.test_scanner.send(facts["card"])
    yield d.until(lambda: app.customer is not None, 10, "the card")
    yield from demo.search(app, d, "хлеб")
    yield from demo.add_to_basket(app, d)
    d.tap("nav_search")
    yield demo.wait_screen(d, app, "search")
    yield from keyboard_type(d, " бор")
    app.warn_seconds, app.idle_seconds = 3, 2
    app.reset_idle()
    yield d.until(lambda: app._warning is not None and app._warning.parent is not None, 10, "the warning")
    yield 0.3
    d.shot("idle-warning")
    yield d.until(lambda: app.current == "attract", 15, "the reset after the countdown")
    assert app.cart.is_empty() and app.customer is None and app.greeting == ""
    assert app.screens["search"].ids.query.text == "" and pickup.ids.number.text == "" and pickup.headline == ""
    assert app.screens["loyalty"].greeting == ""
    app.idle_seconds = 0
    yield 0.3
    d.shot("after-reset")

    # Kiosk mode: closing the window is refused; the hidden corner opens a PIN pad where a
    # cashier's PIN is refused and the technician's leaves kiosk mode.
    from kivy.core.window import Window

    assert app.kiosk_mode and Window.dispatch("on_request_close") is True
    tap_corner(d)
    yield d.until(lambda: app._pad is not None and app._pad.parent is not None, 5, "the PIN pad")
    yield 0.5
    d.tap("choose_technician")
    yield 0.2
    for digit in "9999":
        d.tap(text=digit)
    d.tap("ok")
    yield demo.wait_screen(d, app, "technician")
    yield 1.0
    d.shot("technician-screen")
    d.tap("technician_back")
    yield demo.wait_screen(d, app, "attract")
    tap_corner(d)
    yield d.until(lambda: app._pad is not None and app._pad.parent is not None, 5, "the PIN pad")
    yield 0.3
    d.shot("technician-choose")
    d.tap("choose_exit")
    yield 0.2
    for digit in "1111":
        d.tap(text=digit)
    d.tap("ok")
    yield d.until(lambda: bool(app._pad.message), 10, "the cashier's PIN to be refused")
    yield 0.3
    d.shot("technician-refused")
    for digit in "9999":
        d.tap(text=digit)
    d.tap("ok")
    yield d.until(lambda: app.exited, 10, "the technician's exit from kiosk mode")


def test_hand_off_phone_pickup_idle_and_technician_exit(tmp_path, central, chain_template):
    import zxingcpp
    from PIL import Image

    from hardware.emulator.escpos_printer import EscposPrinterEmulator
    from pos.services import PosServices
    from retail import keys
    from retail.orders import get_order, pickup_code

    kiosk = register(tmp_path, central, chain_template.home, "K1")
    till = register(tmp_path, central, chain_template.home, "P1")
    facts_path = write_facts(chain_template, kiosk, tmp_path / "facts.json")
    import json

    facts = json.loads(facts_path.read_text(encoding="utf-8"))
    number, secret = facts["ready"]
    good = pickup_code(kiosk.conn, number, secret, int(__import__("time").time()))
    facts["pickup_qr"] = good
    facts["forged_qr"] = good[:-6] + ("AAAAAA" if not good.endswith("AAAAAA") else "BBBBBB")
    facts_path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    shots = shots_dir("handoff-pickup")

    with EscposPrinterEmulator(port=0) as printer:
        configure(kiosk, printer=printer.spec)
        outcome = launch(kiosk.db_path, "test_kiosk_handoff_pickup:scenario_handoff_pickup", shots,
                         facts=str(facts_path), serial_scanner=True)
        jobs = list(printer.jobs)

    # The printed hand-off ticket's QR, read off the paper, opens the basket at the till.
    code = outcome.notes["handoff_code"]
    assert outcome.notes["handoff_printed"]
    ticket = next(job for job in jobs if code in job.qr_payloads)
    assert code in [r.text for r in zxingcpp.read_barcodes(ticket.image)]
    services = PosServices(till.db_path)
    try:
        recalled = services.recall_basket(code, "MSK1-S1")
    finally:
        services.close()
    assert sorted((i.sku, i.qty_milli) for i in recalled.cart.items) == sorted(map(tuple, outcome.notes["basket"]))

    # The phone QR on the screen carries the signed basket to the web shop.
    shot = Image.open(shots / "phone.png")
    urls = [r.text for r in zxingcpp.read_barcodes(shot)]
    assert urls == [outcome.notes["phone_url"]]
    signed = parse_qs(urlsplit(urls[0]).query)["b"][0]
    payload = keys.verify(kiosk.conn, signed, int(__import__("time").time()), expect_kind="basket").payload
    assert sorted(map(tuple, payload["lines"])) == sorted(map(tuple, outcome.notes["basket"]))

    # The ready order checked in (once), the slip printed, the exit audited.
    order = get_order(kiosk.conn, number)
    assert order.arrived_at is not None
    kinds = [r[0] for r in kiosk.conn.execute("SELECT kind FROM outbox ORDER BY seq")]
    assert kinds.count("order_arrived") == 1
    slip = next(job for job in jobs if code not in job.qr_payloads and number in job.text)
    assert "ВАШ ЗАКАЗ ГОТОВ" in slip.text_lines and "ВЫДАЧА ЗАКАЗА" not in slip.text, "a check-in slip"
    actions = [r[0] for r in kiosk.conn.execute("SELECT action FROM audit ORDER BY at, rowid")]
    assert actions[-3:] == ["kiosk_technician_screen", "kiosk_exit_denied", "exit_kiosk"], actions

    # Central learns the shopper is here.
    kiosk.sync()
    db = central.db()
    try:
        arrived = db.execute("SELECT arrived_at FROM orders WHERE number = ?", (number,)).fetchone()[0]
    finally:
        db.close()
    assert arrived == order.arrived_at

    # ... and the till's handover list shows the shopper at the store after its next sync.
    till.sync()
    services = PosServices(till.db_path)
    try:
        listed = next(o for o in services.pickup_orders() if o.number == number)
    finally:
        services.close()
    assert listed.status == "ready" and listed.arrived_at == order.arrived_at
