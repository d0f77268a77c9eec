"""Pricing a cart against a demo store, placing endless-aisle orders, pickup codes."""
import shutil

import pytest

from retail import checkout, keys, orders
from retail.cart import Cart
from retail.catalogue import by_sku
from retail.codes.signed import SignatureError
from retail.demo import DemoChain
from retail.demo.load import load_store
from retail.prices import price_at
from retail.promotions import PromotionBook, customer_offers
from retail.store import connect, integrity_ok

NOW = 1_767_225_600


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "store.db"
    load_store(path, DemoChain(seed=7, skus=800, stores=4, customers=60, now=NOW), "MSK1", terminal_id="K1",
               terminal_kind="kiosk")
    return path


@pytest.fixture
def conn(template, tmp_path):
    path = tmp_path / "store.db"
    shutil.copy(template, path)
    c = connect(path)
    yield c
    c.close()


def add(conn, cart, sku, qty=1000):
    p = by_sku(conn, sku)
    shelf = price_at(conn, sku, NOW)
    return cart.add(sku=p.sku, name_ru=p.name_ru, name_en=p.name_en, unit=p.unit, unit_price=shelf.regular,
                    label_price=shelf.label, vat_rate_bp=p.vat_rate_bp, category_id=p.category_id,
                    brand_id=p.brand_id, qty_milli=qty)


def priced_skus(conn, n, unit="pcs"):
    rows = conn.execute("SELECT p.sku FROM products p JOIN prices r ON r.sku = p.sku AND r.kind = 'regular' "
                        "AND r.valid_from <= ? WHERE p.unit = ? AND p.active GROUP BY p.sku ORDER BY p.sku LIMIT ?",
                        (NOW, unit, n)).fetchall()
    return [r[0] for r in rows]


def promoted_category_sku(conn):
    """A piece SKU in a category a plain percent-off promotion targets, active now."""
    import json

    for pid, params in conn.execute("SELECT id, params FROM promotions WHERE kind = 'percent_off' AND coupon_code IS NULL "
                                    "AND tier IS NULL AND customer_id IS NULL AND (valid_from IS NULL OR valid_from <= ?) "
                                    "AND (valid_to IS NULL OR valid_to > ?)", (NOW, NOW)):
        cats = json.loads(params)["target"].get("category_ids", [])
        for cat in cats:
            row = conn.execute("SELECT p.sku FROM products p JOIN prices r ON r.sku = p.sku WHERE p.category_id = ? "
                               "AND p.unit = 'pcs' AND r.kind = 'regular' AND r.valid_from <= ? LIMIT 1",
                               (cat, NOW)).fetchone()
            if row:
                return pid, row[0]
    pytest.skip("demo chain has no active category promotion with priced items")


def test_promotions_from_the_store_apply_and_lines_add_up(conn):
    pid, sku = promoted_category_sku(conn)
    cart = Cart()
    add(conn, cart, sku, 2000)
    for other in priced_skus(conn, 5):
        add(conn, cart, other)
    result = checkout.price(conn, cart, NOW, book=PromotionBook())
    assert sum(l.amount for l in result.lines) == result.total
    assert result.total == result.subtotal - result.discount_total
    assert any(a.promotion_id for l in result.lines for a in l.adjustments)


def test_promotion_book_reloads_when_the_feed_changes_it(conn):
    book = PromotionBook()
    before = len(book.active(conn, NOW))
    conn.execute("BEGIN")
    conn.execute("DELETE FROM promotions WHERE customer_id IS NULL")
    conn.execute("INSERT INTO feed_state(feed, version) VALUES ('promotions', 99) "
                 "ON CONFLICT(feed) DO UPDATE SET version = 99")
    conn.execute("COMMIT")
    assert before > 0 and book.active(conn, NOW) == []


def test_personal_offers_only_for_their_customer(conn):
    row = conn.execute("SELECT customer_id FROM promotions WHERE customer_id IS NOT NULL LIMIT 1").fetchone()
    assert row, "the demo chain has personal offers"
    mine = customer_offers(conn, row[0], None, NOW + 1)
    assert any(p.customer_id == row[0] for p in mine) or mine == []
    assert all(p.customer_id in (None, row[0]) for p in PromotionBook().active(conn, NOW, customer_id=row[0]))
    assert all(p.customer_id is None for p in PromotionBook().active(conn, NOW))


def test_scheduled_price_switches_on_without_network(conn):
    row = conn.execute("SELECT sku, valid_from, price FROM prices WHERE kind = 'regular' AND valid_from > ? "
                       "ORDER BY valid_from LIMIT 1", (NOW,)).fetchone()
    assert row, "the demo chain schedules future prices"
    sku, starts, new_price = row
    cart = Cart()
    add(conn, cart, sku)
    assert checkout.refresh_shelf_prices(conn, cart, starts - 1) == 0
    assert checkout.refresh_shelf_prices(conn, cart, starts) == 1
    assert cart.items[0].unit_price == new_price


@pytest.fixture
def basket(conn):
    cart = Cart()
    for sku in priced_skus(conn, 3):
        add(conn, cart, sku)
    return cart, checkout.price(conn, cart, NOW, book=PromotionBook())


CONTACT = orders.Contact("Анна Петрова", "8 (916) 123-45-67", "anna@example.ru", "Москва, ул. Тверская, д. 1, кв. 2")


def test_place_pickup_order_offline_writes_order_holds_and_event_once(conn, basket):
    cart, priced = basket
    placed = orders.place_order(conn, cart, priced, channel="kiosk", fulfilment="pickup", pickup_store_id="MSK1",
                                contact=CONTACT, now=NOW, order_id="01900000-0000-7000-8000-000000000001")
    assert placed.number.startswith("MSK1-K1-") and len(placed.pickup_secret) == 6
    again = orders.place_order(conn, cart, priced, channel="kiosk", fulfilment="pickup", pickup_store_id="MSK1",
                               contact=CONTACT, now=NOW, order_id="01900000-0000-7000-8000-000000000001")
    assert again.number == placed.number
    assert conn.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'order'").fetchone()[0] == 1
    order = orders.get_order(conn, placed.number)
    assert order.total == priced.total and len(order.lines) == 3 and order.contact["phone"] == "+79161234567"
    event = conn.execute("SELECT payload FROM outbox WHERE kind = 'order'").fetchone()[0]
    assert placed.pickup_secret not in event  # only the hash travels
    assert integrity_ok(conn)


@pytest.mark.parametrize("contact,fulfilment,message", [
    (orders.Contact("А", "+79161234567"), "pickup", "name"),
    (orders.Contact("Анна", "12345"), "pickup", "mobile phone"),
    (orders.Contact("Анна", "+79161234567", "not-an-email"), "pickup", "e-mail"),
    (orders.Contact("Анна", "+79161234567"), "delivery", "delivery address"),
])
def test_bad_contact_details_are_refused_and_nothing_is_written(conn, basket, contact, fulfilment, message):
    cart, priced = basket
    with pytest.raises(orders.OrderError, match=message):
        orders.place_order(conn, cart, priced, channel="kiosk", fulfilment=fulfilment, pickup_store_id="MSK1",
                           contact=contact, now=NOW)
    assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def test_pickup_by_qr_and_by_typed_code_forged_and_expired(conn, basket):
    cart, priced = basket
    placed = orders.place_order(conn, cart, priced, channel="kiosk", fulfilment="pickup", pickup_store_id="MSK1",
                                contact=CONTACT, now=NOW)
    assert orders.verify_pickup(conn, code=placed.pickup_code, now=NOW + 60).id == placed.id
    assert orders.verify_pickup(conn, number=placed.number, secret=placed.pickup_secret, now=NOW).id == placed.id
    with pytest.raises(orders.OrderError, match="does not match"):
        orders.verify_pickup(conn, number=placed.number, secret="000000" if placed.pickup_secret != "000000"
                             else "111111", now=NOW)
    forged = placed.pickup_code[:-3] + ("AAA" if not placed.pickup_code.endswith("AAA") else "BBB")
    with pytest.raises(SignatureError):
        orders.verify_pickup(conn, code=forged, now=NOW)
    with pytest.raises(SignatureError, match="expired"):
        orders.verify_pickup(conn, code=placed.pickup_code, now=NOW + orders.PICKUP_CODE_TTL_S + 1)


def test_status_flow_arrival_and_handover(conn, basket):
    cart, priced = basket
    placed = orders.place_order(conn, cart, priced, channel="kiosk", fulfilment="pickup", pickup_store_id="MSK1",
                                contact=CONTACT, now=NOW, paid=priced.total)
    with pytest.raises(orders.OrderError, match="not ready"):
        orders.hand_over(conn, placed.id, staff_id="s1", now=NOW)
    with pytest.raises(orders.OrderError, match="cannot become collected"):
        orders.set_status(conn, placed.id, "collected", staff_id="s1", now=NOW)
    orders.set_status(conn, placed.id, "picking", staff_id="s1", now=NOW)
    orders.set_status(conn, placed.id, "ready", staff_id="s1", now=NOW + 10)
    arrived = orders.record_arrival(conn, placed.id, NOW + 20)
    assert arrived.arrived_at == NOW + 20
    done = orders.hand_over(conn, placed.id, staff_id="s1", now=NOW + 30)
    assert done.status == "collected"
    assert conn.execute("SELECT COUNT(*) FROM holds WHERE order_id = ? AND released_at IS NULL",
                        (placed.id,)).fetchone()[0] == 0
    with pytest.raises(orders.OrderError, match="already collected"):
        orders.hand_over(conn, placed.id, staff_id="s1", now=NOW + 40)
    kinds = [r[0] for r in conn.execute("SELECT kind FROM outbox ORDER BY seq")]
    assert kinds == ["order", "order_status", "order_status", "order_arrived", "pickup"]


def test_unpaid_order_needs_payment_before_handover(conn, basket):
    cart, priced = basket
    placed = orders.place_order(conn, cart, priced, channel="kiosk", fulfilment="pickup", pickup_store_id="MSK1",
                                contact=CONTACT, now=NOW)
    orders.set_status(conn, placed.id, "ready", staff_id="s1", now=NOW)
    with pytest.raises(orders.OrderError, match="take the payment"):
        orders.hand_over(conn, placed.id, staff_id="s1", now=NOW)
    assert orders.hand_over(conn, placed.id, staff_id="s1", now=NOW, sale_id="sale-1").status == "collected"


def test_overdue_ready_orders_are_listed_for_restocking(conn, basket):
    cart, priced = basket
    placed = orders.place_order(conn, cart, priced, channel="kiosk", fulfilment="pickup", pickup_store_id="MSK1",
                                contact=CONTACT, now=NOW)
    orders.set_status(conn, placed.id, "ready", staff_id="s1", now=NOW)
    assert placed.id not in [o.id for o in orders.overdue(conn, "MSK1", NOW + 3600)]
    assert placed.id in [o.id for o in orders.overdue(conn, "MSK1", NOW + 30 * 86400)]


@pytest.mark.parametrize("text,expected", [
    ("+7 916 123-45-67", "+79161234567"), ("89161234567", "+79161234567"), ("9161234567", "+79161234567"),
])
def test_phone_numbers_normalise(text, expected):
    assert orders.normalize_phone(text) == expected


def test_no_signing_key_is_a_clear_message(tmp_path):
    c = connect(tmp_path / "empty.db")
    with pytest.raises(keys.NoSigningKey, match="sync once"):
        keys.signing_key(c, NOW)


def test_unit_prices_are_one_unit_alone_after_the_chains_promotions(conn):
    """What lists show: the engine's total for one unit alone, the category promotion taken off,
    a personal offer or a tier's not (no card is known in a list); a kilogram of a weighed item."""
    book = PromotionBook()
    _, promoted = promoted_category_sku(conn)
    weighed = priced_skus(conn, 1, unit="kg")[0]
    products = [by_sku(conn, s) for s in (promoted, weighed, *priced_skus(conn, 3))]
    unpriced = by_sku(conn, products[-1].sku)
    conn.execute("DELETE FROM prices WHERE sku = ?", (unpriced.sku,))
    got = checkout.unit_prices(conn, products, NOW, book=book)
    assert unpriced.sku not in got
    products.pop()
    for product in products:
        cart = Cart()
        add(conn, cart, product.sku)
        priced = checkout.price(conn, cart, NOW, book=book)
        assert got[product.sku].pays == priced.total, product.sku
        assert got[product.sku].shelf == price_at(conn, product.sku, NOW)
    assert got[promoted].saved > 0
    assert checkout.one_unit(by_sku(conn, weighed), got[weighed].shelf).items[0].qty_milli == 1000
    # A shopper's own offers and tier are not in a list's price: it is the same with a card or without.
    cart = Cart()
    add(conn, cart, promoted)
    customer, tier = conn.execute("SELECT id, tier FROM customers WHERE tier = 'gold' LIMIT 1").fetchone()
    cart.identify(customer, tier)
    assert checkout.price(conn, cart, NOW, book=book).total < got[promoted].pays
