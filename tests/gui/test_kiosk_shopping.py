"""A shopper at the kiosk, online: search on the on-screen keyboard, scans (serial scanner and
camera), loyalty prices, and an endless-aisle home-delivery order paid at the kiosk's card
terminal, printed, recorded locally and delivered to central by the agent.

One app run (a few minutes of a shopper's visit); real central, real payment terminal and
printer emulators on loopback, the real app in its own process under Xvfb.
"""
from __future__ import annotations

import json

import pytest

from kiosk_support import central, chain_template, configure, launch, register, shots_dir, write_facts  # noqa: F401

pytestmark = pytest.mark.gui


# ---------------------------------------------------------------- the scenario (app process)


def _facts():
    from kiosk.demo_script import load_facts

    return load_facts()


def scenario_online(app, d):
    from kivy.graphics.texture import Texture
    from PIL import Image

    from kiosk import demo_script as demo
    from kiosk.camera import CameraFeed
    from kiosk.driving import keyboard_type
    from kiosk.qr import qr_pixels

    facts = _facts()
    yield from demo.start(app, d)

    # Language and large text are on every screen.
    d.tap("nav_lang")
    yield d.until(lambda: app.lang == "en", 5, "English")
    d.tap("nav_large")
    yield d.until(lambda: app.font_scale > 1, 5, "large text")
    yield 0.4
    d.shot("search-english-large-text")
    d.tap("nav_large")
    d.tap("nav_lang")
    yield d.until(lambda: app.lang == "ru" and app.font_scale == 1, 5, "back to Russian")

    # Search as the shopper types on the on-screen keyboard: results follow every key.
    screen = app.screens["search"]
    latencies = []
    for ch in "молоко":
        before = screen.searches
        yield from keyboard_type(d, ch)
        yield d.until(lambda: screen.searches > before, 5, f"results after typing {ch!r}")
        latencies.append(screen.last_latency_ms)
    d.note("search_latency_ms", latencies)
    assert screen.ids.query.text == "молоко" and screen.ids.results.data
    d.shot("search")

    # Browse: a department, one of its categories, a product.
    d.tap("nav_categories")
    category = app.screens["category"]
    yield d.until(lambda: len(category.ids.tiles.children) > 3, 10, "the departments")
    yield 0.3
    d.shot("departments")
    yield d.tap(category.ids.tiles.children[-1])
    yield d.until(lambda: len(category.trail) == 1 and category.has_children
                  and len(category.ids.tiles.children) > 0, 10, "a department's categories")
    yield 0.3
    yield d.tap(category.ids.tiles.children[-1])
    yield d.until(lambda: len(category.trail) == 2 and category.ids.products.data, 10, "a category's products")
    yield 0.4
    d.shot("category-products")
    yield d.tap(demo.first_row(d))
    yield d.until(lambda: app.current == "product" and app.screens["product"].page is not None, 10,
                  "a product from the category")
    d.tap("nav_search")
    yield demo.wait_screen(d, app, "search")

    # A product barcode through the serial scanner.
    scanned = app.scans_handled
    app.test_scanner.send(facts["barcode"])
    yield d.until(lambda: app.scans_handled > scanned and app.current == "product"
                  and app.screens["product"].page is not None, 10, "the serial scan")
    d.note("scanned_sku", app.screens["product"].sku)
    yield 0.3
    d.shot("product-scanned")

    # A shelf-label QR in front of the camera: a Kivy texture through the camera scanner.
    url = facts["shelf_url"]
    pixels, side = qr_pixels(url)
    image = Image.frombytes("RGBA", (side, side), pixels).resize((side * 6, side * 6), Image.NEAREST)
    texture = Texture.create(size=image.size, colorfmt="rgba")
    texture.blit_buffer(image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes(), colorfmt="rgba",
                        bufferfmt="ubyte")
    feed = app.camera_feed or CameraFeed(app.camera_scanner)
    scanned = app.scans_handled
    assert feed.feed_texture(texture)
    yield d.until(lambda: app.scans_handled > scanned and app.screens["product"].sku == url.rsplit("/", 1)[1],
                  10, "the camera scan of the shelf label")
    yield 0.3
    d.shot("product-camera-scan")

    # The loyalty card through the serial scanner: greeting by first name, card prices.
    app.test_scanner.send(facts["card"])
    yield d.until(lambda: app.customer is not None and app.current == "loyalty", 10, "the greeting")
    yield 0.3
    loyalty = app.screens["loyalty"]
    assert loyalty.greeting.endswith(f"{facts['first_name']}!") and loyalty.balance_text
    assert facts["card"] not in json.dumps([loyalty.tier_text, loyalty.greeting, app.greeting])
    d.shot("loyalty")
    yield from demo.search(app, d, "сыр")
    product = app.screens["product"]
    yield d.until(lambda: bool(product.member_text) and product.page.price.member_pays is not None, 10,
                  "the card price")
    d.note("member_price", [product.page.price.pays, product.page.price.member_pays])
    d.shot("product-card-price")
    yield from demo.add_to_basket(app, d)

    # Endless aisle: a TV this store does not stock.
    yield from demo.search(app, d, demo.ENDLESS_AISLE_WORD, here=False)
    assert not product.here_ok, product.here_text
    # The list showed what the page charges: the promoted price, the regular one struck through.
    listed = next(r for r in app.screens["search"].ids.results.data if r["sku"] == product.page.sku)
    price = product.page.price
    assert listed["price_text"] == app.money(price.pays)
    assert listed["was_text"] == (f"[s]{app.money(price.regular)}[/s]" if price.pays < price.regular else "")
    d.note("listed_price", [listed["price_text"], listed["was_text"]])
    d.shot("product-not-here")
    yield from demo.add_to_basket(app, d)
    d.tap("nav_basket")
    yield demo.wait_screen(d, app, "basket")
    basket = app.screens["basket"]
    yield d.until(lambda: basket.total_text and len(basket.ids.lines.data) == 2, 10, "the priced basket")
    row = demo.first_row(d, "BasketRow")
    plus = next(w for w in row.walk(restrict=True) if getattr(w, "text", "") == "+")
    first_qty = app.basket.lines[0].qty_milli
    yield d.tap(plus)
    yield d.until(lambda: app.basket is not None and app.basket.lines[0].qty_milli > first_qty, 10,
                  "more of the first line")
    assert app.basket.total == sum(line.amount for line in app.basket.lines)
    d.note("basket_total", app.basket.total)
    d.shot("basket")

    # Home delivery: a wrong phone number first, then the right one.
    d.tap("checkout")
    yield demo.wait_screen(d, app, "checkout")
    checkout = app.screens["checkout"]
    yield from demo.fill_contact(app, d, "delivery", phone="12345")
    d.tap("go_on")
    yield d.until(lambda: "phone" in checkout.errors, 10, "the phone number to be refused")
    d.shot("checkout-error")
    typed = [checkout.ids[f].text for f in ("name", "phone", "email", "address")]
    assert set(checkout.errors) == {"phone"}, (checkout.errors, typed)
    checkout.ids.phone.text = ""
    d.tap(checkout.ids.phone)
    yield from keyboard_type(d, "89165554433")
    d.tap("go_on")
    yield demo.wait_screen(d, app, "payment")
    yield 0.3
    d.shot("payment")
    total = app.basket_total
    d.tap("pay_card")
    yield d.until(lambda: app.current == "done", 30, "the card payment and the order")
    done = app.screens["done"]
    yield d.until(lambda: bool(done.print_text), 10, "the print status")
    yield 0.3
    d.shot("done")
    d.note("order_number", done.number.split()[-1])
    d.note("order_total", total)
    d.note("printed", done.printed)

    # Finish: the next shopper starts from nothing.
    d.tap("finish")
    yield demo.wait_screen(d, app, "attract")
    assert app.cart.is_empty() and app.customer is None and app.greeting == ""
    assert screen.ids.query.text == "" and checkout.ids.phone.text == ""


# ---------------------------------------------------------------- the test (pytest process)


def test_shopper_orders_for_delivery_and_pays_at_the_kiosk(tmp_path, central, chain_template):
    from hardware.emulator.escpos_printer import EscposPrinterEmulator
    from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
    from retail.orders import get_order

    kiosk = register(tmp_path, central, chain_template.home, "K1")
    facts = write_facts(chain_template, kiosk, tmp_path / "facts.json")
    with EmulatedPaymentTerminal() as terminal, EscposPrinterEmulator(port=0) as printer:
        configure(kiosk, payment=f"tcp:127.0.0.1:{terminal.port}", printer=printer.spec)
        outcome = launch(kiosk.db_path, "test_kiosk_shopping:scenario_online", shots_dir("shopping"),
                         facts=str(facts), serial_scanner=True, camera=True)
        number = outcome.notes["order_number"]
        order = get_order(kiosk.conn, number)
        assert order is not None and order.fulfilment == "delivery" and order.channel == "kiosk"
        assert order.paid == order.total == outcome.notes["order_total"]
        charges = terminal.ledger
        assert [(c.key, c.amount) for c in charges] == [(order.id, order.total)]
        assert outcome.notes["printed"]
        confirmation = next(job for job in printer.jobs if number in job.text)
        assert confirmation is not None
    latencies = outcome.notes["search_latency_ms"]
    assert max(latencies) < 1000, latencies  # budget (100 ms) is measured by the benchmarks; this catches a hang
    print(f"\nkiosk first frame after {outcome.notes['first_frame_s']:.2f} s; search latencies (ms): "
          + ", ".join(f"{ms:.0f}" for ms in latencies))

    # The agent delivers the order to central.
    kiosk.sync()
    db = central.db()
    try:
        rows = db.execute("SELECT number, total, paid FROM orders WHERE number = ?", (number,)).fetchall()
    finally:
        db.close()
    assert [tuple(r) for r in rows] == [(number, order.total, order.paid)]
