"""Scripted kiosk scenarios for the demo (``python run_kiosk.py --script NAME``) and the GUI tests.

Each scenario drives the real app through :mod:`ui.driver` the way a shopper would: taps
on the screen, typing on the on-screen keyboard, scans through the app's scanner entry
point, and leaves a screenshot of every screen it passes. The scenarios:

``search``   type a product name on the on-screen keyboard, open the best match;
``scan``     scan a product barcode and the shelf-label QR of another product;
``order``    endless aisle: an item this store does not stock and one it does, picked up
             in another store, contact typed on screen, paid by card (or at pickup when
             the kiosk has no payment terminal), order number and confirmation;
``loyalty``  scan the demo customer's card: greeting, points, offers, card prices;
``pickup``   click-and-collect check-in of a ready order by number and code, and an
             expired one;
``shopper``  all of the above, one after the other (the README's demo).

What a scenario needs to know about the demo data (a loyalty card, a ready order and its
code, a barcode) comes from :func:`facts_for`, which the demo orchestration writes to a
JSON file named by ``VITRINA_DEMO_FACTS``; the store keeps only hashes of pickup codes, so
the kiosk cannot find them itself. A scenario whose facts are missing says so and skips.
"""
from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Callable

from .driving import first_row, keyboard_type

FACTS_ENV = "VITRINA_DEMO_FACTS"
SEARCH_WORD = "молоко"
ENDLESS_AISLE_WORD = "телевизор"


# ---------------------------------------------------------------- demo facts


def facts_for(chain, store_id: str, conn: sqlite3.Connection) -> dict:
    """What the scenarios use from a demo chain loaded into ``conn`` (a terminal of ``store_id``)."""
    people = chain.demo_customers()
    card = next(c["number"] for c in people[0]["cards"] if not c["blocked"])
    orders = chain.pickup_secrets(store_id)
    arrived = {r[0] for r in conn.execute("SELECT number FROM orders WHERE arrived_at IS NOT NULL")}
    ready = [(n, s) for n, status, s in orders if status == "ready" and n not in arrived]
    expired = [(n, s) for n, status, s in orders if status == "expired"]
    barcodes = [r[0] for r in conn.execute(
        "SELECT b.code FROM barcodes b JOIN stock s ON s.sku = b.sku JOIN products p ON p.sku = b.sku "
        "WHERE p.active = 1 AND p.unit = 'pcs' AND s.on_hand_milli > s.safety_milli ORDER BY p.id LIMIT 2")]
    other = conn.execute("SELECT id FROM stores WHERE kind = 'store' AND pickup = 1 AND id <> ? "
                         "ORDER BY delivery_days, id LIMIT 1", (store_id,)).fetchone()
    skus = [r[0] for r in conn.execute(
        "SELECT p.sku FROM products p JOIN stock s ON s.sku = p.sku WHERE p.active = 1 AND p.unit = 'pcs' "
        "AND s.on_hand_milli > s.safety_milli ORDER BY p.id LIMIT 2")]
    return {
        "store": store_id,
        "card": card,
        "first_name": people[0]["first_name"],
        "ready": list(ready[0]) if ready else None,
        "expired": list(expired[0]) if expired else None,
        "barcode": barcodes[0] if barcodes else None,
        "shelf_url": f"https://vitrina.example/p/{skus[1]}" if len(skus) > 1 else None,
        "other_store": other[0] if other else None,
    }


def write_facts(path: str | Path, facts: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(facts, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def load_facts() -> dict:
    path = os.environ.get(FACTS_ENV)
    if not path or not Path(path).is_file():
        return {}
    return json.loads(Path(path).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- steps


def wait_screen(d, app, name: str, timeout: float = 10):
    return d.until(lambda: app.current == name, timeout, f"the {name} screen")


def start(app, d):
    """From wherever the kiosk is, back to a fresh attract screen, then into the shop."""
    if app.current != "attract":
        app.reset_session()
        yield 0.3
    yield d.until(lambda: bool(app.screens["attract"].slides) or app.screens["attract"].title == "", 10,
                  "promotions on the attract screen")
    yield 0.4
    d.shot("01-attract")
    d.tap("touch_to_start")
    yield wait_screen(d, app, "search")


def search(app, d, word: str = SEARCH_WORD, shots: tuple[str, str] | None = ("02-search", "03-product"),
           here: bool | None = None):
    """Type on the on-screen keyboard; open the best match (screenshots named by ``shots``), or with
    ``here=False`` the first one this store does not have on its shelves (scrolling to it)."""
    if app.current != "search":
        d.tap("nav_search")
        yield wait_screen(d, app, "search")
    screen = app.screens["search"]
    screen.ids.query.text = ""
    yield from keyboard_type(d, word)
    yield d.until(lambda: screen.ids.query.text == word and screen.ids.results.data
                  and screen.status and word in screen.status, 10, f"results for {word!r}")
    yield 0.4
    if here is None:
        row = first_row(d)
    else:
        row = yield from scroll_to_row(app, d, here)
    if shots:
        d.shot(shots[0])
    yield from open_row(app, d, row)
    if shots:
        d.shot(shots[1])


def scroll_to_row(app, d, here: bool):
    """Put the keyboard away and scroll the results down a step at a time until a row that is (or
    is not) on this store's shelves is wholly in view; that row."""
    screen = app.screens["search"]
    screen.keyboard_done()
    yield 0.3
    results = screen.ids.results
    for _ in range(40):
        row = d.find_row("ResultRow", in_stock=here)
        if row is not None:
            return row
        if results.scroll_y <= 0:
            break
        results.scroll_y = max(0.0, results.scroll_y - 0.08)
        yield 0.1
    from ui.driver import ScenarioFailed

    raise ScenarioFailed(f"no result for {screen.ids.query.text!r} is {'' if here else 'not '}in stock here")


def open_row(app, d, row):
    screen = app.screens["product"]
    yield d.tap(row)
    yield d.until(lambda: app.current == "product" and screen.page is not None and not screen.loading, 10,
                  "the product page")
    yield 0.3


def scan(app, d, code: str, then: str = "product"):
    """A scan through the app's scanner entry point (what every scanner transport calls)."""
    before = app.scans_handled
    app.handle_scan(code, None)
    yield d.until(lambda: app.scans_handled > before, 10, f"the scan of {code[:30]!r}")
    if then == "product":
        screen = app.screens["product"]
        yield d.until(lambda: app.current == "product" and screen.page is not None and not screen.loading, 10,
                      "the scanned product's page")
    yield 0.3


def scans(app, d, facts: dict):
    if facts.get("barcode"):
        yield from scan(app, d, facts["barcode"])
        d.shot("04-scanned-barcode")
    if facts.get("shelf_url"):
        yield from scan(app, d, facts["shelf_url"])
        d.shot("04-scanned-shelf-label")


def add_to_basket(app, d, qty_steps: int = 0):
    count = app.basket_count
    for _ in range(qty_steps):
        d.tap(app.screens["product"].ids.qty.ids.plus)
    d.tap("add")
    yield d.until(lambda: app.basket_count > count and app.basket is not None, 10, "the basket to grow")


def loyalty(app, d, facts: dict):
    if not facts.get("card"):
        d.note("loyalty", "skipped: no demo card in the facts")
        return
    yield from scan(app, d, facts["card"], then="")
    yield d.until(lambda: app.customer is not None and app.current == "loyalty", 10, "the greeting")
    yield 0.3
    d.shot("05-loyalty")
    yield from search(app, d, "сыр", shots=None)
    yield d.until(lambda: bool(app.screens["product"].member_text), 10, "the card price")
    d.shot("06-product-card-price")


def fill_contact(app, d, fulfilment: str, *, name: str = "ольга", phone: str = "89165554433",
                 email: str = "olga@example.ru", address: str = "москва, тверская 1, кв 2"):
    screen = app.screens["checkout"]
    d.tap("choose_delivery" if fulfilment == "delivery" else "choose_pickup")
    yield 0.2
    fields = [("name", name), ("phone", phone), ("email", email)]
    if fulfilment == "delivery":
        fields.append(("address", address))
    for field, text in fields:
        widget = screen.ids[field]
        widget.text = ""
        d.tap(widget)
        yield 0.1
        yield from keyboard_type(d, text)
    yield 0.2


def choose_store(app, d, store_id: str | None):
    screen = app.screens["checkout"]
    yield d.until(lambda: len(screen.ids.stores.children) > 0, 10, "the pickup stores")
    yield 0.3  # laid out
    for button in screen.ids.stores.children:
        if store_id is None or getattr(button, "store_id", None) == store_id:
            screen.ids.stores.parent.scroll_to(button, animate=False)  # a finger scrolls the list to it
            yield 0.3
            yield d.tap(button)
            break
    yield d.until(lambda: store_id is None or screen.store_id == store_id, 5, f"the store {store_id}")


def order(app, d, facts: dict, *, fulfilment: str = "pickup", pay: str = "card"):
    """Endless aisle: something not on these shelves and something that is; order; pay; done."""
    yield from search(app, d, ENDLESS_AISLE_WORD, shots=("07-search-endless-aisle", "08-product-not-here"),
                      here=False)
    yield from add_to_basket(app, d)
    yield from search(app, d, SEARCH_WORD, shots=None)
    yield from add_to_basket(app, d, qty_steps=1)
    d.tap("nav_basket")
    yield wait_screen(d, app, "basket")
    yield d.until(lambda: app.screens["basket"].total_text != "", 10, "the priced basket")
    yield 0.3
    d.shot("09-basket")
    d.tap("checkout")
    yield wait_screen(d, app, "checkout")
    yield from fill_contact(app, d, fulfilment)
    if fulfilment == "pickup":
        yield from choose_store(app, d, facts.get("other_store"))
    d.shot("10-checkout")
    d.tap("go_on")
    yield wait_screen(d, app, "payment")
    yield 0.3
    d.shot("11-payment")
    payment = app.screens["payment"]
    if pay == "card" and app.services.payment is not None:
        d.tap("pay_card")
        yield d.until(lambda: app.current == "done" or (payment.problem and not payment.busy), 60,
                      "the card payment")
        if app.current != "done" and fulfilment == "pickup":
            d.shot("11-payment-problem")
            d.tap("pay_later")  # the terminal is not working: pay at pickup
    else:
        d.tap("pay_later")
    yield d.until(lambda: app.current == "done", 60, "the order to be placed")
    yield 0.5
    d.shot("12-done")
    d.note("order_number", app.screens["done"].number)
    d.tap("finish")
    yield wait_screen(d, app, "attract")


def pickup(app, d, facts: dict):
    ready, expired = facts.get("ready"), facts.get("expired")
    if not ready:
        d.note("pickup", "skipped: no ready demo order in the facts")
        return
    d.tap("nav_pickup")
    yield wait_screen(d, app, "pickup")
    yield from type_pickup(app, d, *ready)
    yield d.until(lambda: app.screens["pickup"].state in ("ready", "arrived"), 10, "the ready order")
    yield 0.3
    d.shot("13-pickup-ready")
    if expired:
        yield from type_pickup(app, d, *expired)
        yield d.until(lambda: app.screens["pickup"].state == "expired", 10, "the expired order")
        yield 0.3
        d.shot("14-pickup-expired")


def type_pickup(app, d, number: str, code: str):
    screen = app.screens["pickup"]
    screen.state = ""
    for field, text in (("number", number.replace("-", "").lower()), ("secret", code)):
        screen.ids[field].text = ""
        d.tap(screen.ids[field])
        yield 0.1
        yield from keyboard_type(d, text)
    d.tap("check")
    yield d.until(lambda: not screen.checking, 10, "the order check")


# ---------------------------------------------------------------- named scenarios


def _named(steps: Callable[[object, object, dict], object]):
    def scenario(app, d):
        facts = load_facts()
        yield from start(app, d)
        yield from steps(app, d, facts)
    return scenario


SCENARIOS = {
    "search": _named(lambda app, d, facts: search(app, d)),
    "scan": _named(lambda app, d, facts: scans(app, d, facts)),
    "order": _named(lambda app, d, facts: order(app, d, facts)),
    "loyalty": _named(lambda app, d, facts: loyalty(app, d, facts)),
    "pickup": _named(lambda app, d, facts: pickup(app, d, facts)),
}


def _shopper(app, d, facts):
    yield from search(app, d)
    yield from scans(app, d, facts)
    yield from loyalty(app, d, facts)
    yield from order(app, d, facts)
    yield from start(app, d)
    yield from pickup(app, d, facts)


SCENARIOS["shopper"] = _named(_shopper)


def scenario(name: str):
    """The scenario called ``name`` (see the module docstring), for ``run_scenario``."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"no kiosk scenario {name!r}; choose one of {', '.join(SCENARIOS)}") from None
