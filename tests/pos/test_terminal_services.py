"""ui.services.TerminalServices over a demo store: search, scans, pricing, loyalty, pickup, sync."""
from __future__ import annotations

import threading

import pytest

from retail import keys, loyalty
from retail.cart import Cart
from retail.codes import make_weight_barcode
from retail.codes import signed
from retail.codes.signed import SignatureError
from retail.orders import OrderError
from ui.services import (CardScanned, CodeScanned, ProductOffer, ScanProblem, ServiceError,
                         TerminalServices, duration_text, offline_text)

from conftest import NOW


@pytest.fixture
def services(store_path):
    s = TerminalServices(store_path, clock=lambda: NOW)
    yield s
    s.close()


def _barcode(services, unit="pcs"):
    return services.conn.execute(
        "SELECT b.code, p.sku FROM barcodes b JOIN products p ON p.sku = b.sku JOIN prices r ON r.sku = p.sku "
        "WHERE p.unit = ? AND p.active = 1 AND r.kind = 'regular' AND r.valid_from <= ? "
        "AND (r.valid_to IS NULL OR r.valid_to > ?) ORDER BY p.sku LIMIT 1", (unit, NOW, NOW)).fetchone()


def test_each_thread_has_its_own_connection(services):
    seen = []
    t = threading.Thread(target=lambda: seen.append(services.conn))
    t.start()
    t.join()
    assert seen[0] is not services.conn


def test_search_by_name_and_sku_shows_prices(services):
    rows = services.search("молоко", "ru")
    assert rows and all("олоко" in r.name for r in rows[:3])
    assert any(r.price is not None and r.price.regular > 0 for r in rows)
    sku = rows[0].sku
    assert services.search(sku, "ru")[0].sku == sku


def test_a_product_barcode_becomes_an_offer_that_goes_into_a_cart(services):
    code, sku = _barcode(services)
    offer = services.resolve_scan(code + "\r")
    assert isinstance(offer, ProductOffer) and offer.product.sku == sku and offer.qty_milli == 1000
    cart = Cart()
    offer.add_to(cart)
    offer.add_to(cart)
    assert cart.items[0].qty_milli == 2000


def test_a_scale_label_carries_the_weight(services):
    row = services.conn.execute("SELECT sku, plu FROM products WHERE unit = 'kg' AND plu IS NOT NULL "
                                "AND active = 1 ORDER BY sku LIMIT 1").fetchone()
    offer = services.resolve_scan(make_weight_barcode(row["plu"], 1234))
    assert isinstance(offer, ProductOffer)
    assert offer.product.sku == row["sku"] and offer.qty_milli == 1234 and not offer.needs_weight


def test_weighed_goods_by_plain_barcode_ask_for_the_weight(services):
    row = _barcode(services, "kg")
    offer = services.resolve_scan(row["code"])
    assert isinstance(offer, ProductOffer) and offer.needs_weight


@pytest.mark.parametrize("data, message", [
    ("4600000000008", "Unknown barcode {code}: not in the catalogue"),
    ("4600000000001", "This code cannot be read"),           # bad check digit
    ("garbage ✓", "This code cannot be read"),
    ("", "This code cannot be read"),
    ("VT1.msk1-2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "This code cannot be read"),
    (signed.sign("pickup", {"order": "MSK1-WEB-000001", "secret": "123456"}, b"forged-key-16byt" * 2, "msk1-2",
                 NOW + 600), "This code is not valid here"),
])
def test_bad_scans_are_problems_not_crashes(services, data, message):
    outcome = services.resolve_scan(data)
    assert isinstance(outcome, ScanProblem)
    assert outcome.message == message


def test_loyalty_cards_and_signed_codes(services, chain):
    anna = chain.demo_customers()[0]
    number = anna["cards"][0]["number"]
    assert services.resolve_scan(number) == CardScanned(number)
    view = services.loyalty_card(number)
    assert view.account.first_name == "Анна" and view.account.balance == anna["balance"]
    assert view.offers, "Анна (gold) has tier offers"
    blocked = chain.demo_customers()[2]["cards"][0]["number"]
    with pytest.raises(loyalty.CardBlocked):
        services.loyalty_card(blocked)
    code = keys.sign(services.conn, "basket", {"basket_id": "b1", "store": "MSK1", "terminal": "K1",
                                               "lines": [("x", 1000)]}, NOW, 600)
    scanned = services.resolve_scan(code)
    assert isinstance(scanned, CodeScanned) and scanned.kind == "basket" and scanned.payload["basket_id"] == "b1"
    with pytest.raises(SignatureError):
        services.verify_code(code, "pickup")


def test_pricing_applies_promotions(services):
    promo_sku = services.conn.execute(
        "SELECT json_extract(params, '$.target.skus[0]') FROM promotions WHERE kind = 'percent_off' "
        "AND coupon_code IS NULL AND tier IS NULL AND customer_id IS NULL AND valid_from <= ? "
        "AND (valid_to IS NULL OR valid_to > ?) AND json_extract(params, '$.target.skus[0]') IS NOT NULL",
        (NOW, NOW)).fetchone()
    cart = Cart()
    sku = promo_sku[0] if promo_sku else _barcode(services)["sku"]
    services.offer(sku).add_to(cart)
    priced = services.price(cart)
    assert priced.total == sum(pl.amount for pl in priced.lines)
    if promo_sku:
        assert priced.discount_total > 0
    with pytest.raises(ServiceError):
        services.offer("NO-SUCH-SKU")


def test_pickup_by_number_and_code(services, chain):
    number, status, secret = next(p for p in chain.pickup_secrets("MSK1") if p[1] == "ready")
    order = services.verify_pickup(number=number, secret=secret)
    assert order.number == number and order.status == "ready"
    with pytest.raises(OrderError):
        services.verify_pickup(number=number, secret="000000" if secret != "000000" else "111111")


def test_sync_status_and_banner_text(services):
    status = services.sync_status()
    assert not status.online
    text = offline_text(status, NOW, lambda text, **p: text.format(**p))
    assert text.startswith("Sync agent is not running")
    request = services.request_sync("staff-1")
    assert services.sync_request(request)["requested_by"] == "staff-1"
    assert duration_text(7300, lambda text, **p: text.format(**p)) == "2 h 1 min"
