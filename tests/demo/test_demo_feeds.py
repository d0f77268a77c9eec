"""Prices, promotions, stock, customers, staff, settings and orders of the demo chain."""
from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from demo_support import NOW

from retail.codes.gtin import validate_gtin
from retail.codes.instore import CardCode, parse_instore
from retail.money import line_amount
from retail.pricing import KINDS, Promotion
from retail.staff import verify_pin
from retail.demo import DEMO_PINS, INACTIVE_CASHIER_PIN


def test_stores_have_short_ids_and_the_warehouse_comes_last(chain):
    stores = list(chain.stores())
    assert [s["id"] for s in stores] == ["MSK1", "MSK2", "SPB1", "KZN1", "WH1"]
    assert stores[-1]["kind"] == "warehouse" and all(s["kind"] == "store" for s in stores[:-1])
    assert {s["pickup"] for s in stores[:-1]} == {True, False}
    assert all(s["timezone"] and s["address"] and s["city_ru"] and s["delivery_days"] >= 1 for s in stores)


def test_store_count_cycles_the_cities():
    from retail.demo import DemoChain

    ids = DemoChain(skus=20, stores=12, customers=0, now=NOW).store_ids
    assert ids[:4] == ["MSK1", "MSK2", "SPB1", "KZN1"] and ids[10:] == ["MSK3", "MSK4"]
    assert len(set(ids)) == 12


def test_price_books_are_realistic_effective_dated_and_vary_by_store(chain, products):
    msk = list(chain.prices("MSK1"))
    spb = list(chain.prices("SPB1"))
    assert all(isinstance(r["price"], int) and r["price"] > 0 for r in msk)
    assert all(r["valid_to"] is None or r["valid_to"] > r["valid_from"] for r in msk)
    regular = {}
    for r in msk:
        if r["kind"] == "regular" and r["valid_from"] <= NOW and (r["valid_to"] is None or r["valid_to"] > NOW):
            regular[r["sku"]] = r["price"]
    assert set(regular) == {p["sku"] for p in products}  # every product has a price now
    assert 8_900 <= regular[products[0]["sku"]] <= 12_900  # milk
    assert regular[products[7]["sku"]] > 1_000_000  # the TV
    assert regular[products[10]["sku"]] == 100_000  # the 1 000 ₽ gift card, exactly
    labels = [r for r in msk if r["kind"] == "label"]
    assert labels and all(r["price"] < regular[r["sku"]] for r in labels if r["valid_from"] <= NOW < r["valid_to"])
    assert any(r["valid_to"] <= NOW for r in labels) and any(r["valid_from"] > NOW for r in labels)
    future = [r for r in msk if r["kind"] == "regular" and r["valid_from"] > NOW]
    assert future and all(r["valid_from"] <= NOW + 15 * 86_400 for r in future)
    spb_regular = {r["sku"]: r["price"] for r in spb if r["kind"] == "regular" and r["valid_from"] <= NOW}
    differ = sum(spb_regular[s] != p for s, p in regular.items())
    assert 0 < differ < len(regular) // 2
    assert len({(r["sku"], r["kind"], r["valid_from"]) for r in msk}) == len(msk)  # feed keys are unique


def test_every_promotion_kind_and_gate_is_there_and_builds_in_the_pricing_engine(chain, products):
    rows = list(chain.promotions("MSK1"))
    assert {r["kind"] for r in rows} == set(KINDS)
    for r in rows:
        Promotion(id=r["id"], kind=r["kind"], name=r["name_ru"], params=r["params"], priority=r["priority"],
                  exclusive=r["exclusive"], stackable=r["stackable"], valid_from=r["valid_from"],
                  valid_to=r["valid_to"], coupon_code=r["coupon_code"], tier=r["tier"], customer_id=r["customer_id"])
    active = [r for r in rows if (r["valid_from"] or 0) <= NOW and (r["valid_to"] is None or r["valid_to"] > NOW)]
    assert 45 <= len(active) <= 80
    assert any(r["valid_to"] is not None and r["valid_to"] <= NOW for r in rows)
    assert any(r["valid_from"] is not None and r["valid_from"] > NOW for r in rows)
    assert {r["coupon_code"] for r in rows} >= {"WELCOME10", "COFFEE20", "FRESH15", "TV5000"}
    assert {r["tier"] for r in rows} >= {"silver", "gold"}
    assert {r["customer_id"] for r in rows} >= {"C0000001", "C0000002", "C0000003"}
    assert any(r["exclusive"] for r in rows) and any(r["stackable"] for r in rows)
    assert len({r["id"] for r in rows}) == len(rows)
    skus = {p["sku"] for p in products}
    categories = {c["id"] for c in chain.categories()}
    brands = {b["id"] for b in chain.brands()}
    for r in rows:
        for key in ("target", "get_target"):
            target = r["params"].get(key) or {}
            assert set(target.get("skus", [])) <= skus
            assert set(target.get("category_ids", [])) <= categories
            assert set(target.get("brand_ids", [])) <= brands


def test_chain_promotions_are_shared_and_each_store_has_its_own(chain):
    per_store = {s: {r["id"] for r in chain.promotions(s)} for s in chain.store_ids}
    shared = set.intersection(*per_store.values())
    for store, ids in per_store.items():
        assert ids - shared == {f"PR-{store}-1", f"PR-{store}-2"}


def test_stock_has_zeros_gaps_and_consistent_network_availability(chain, products):
    feed = list(chain.inventory_feed("MSK1"))
    stock = {r["sku"]: r for r in feed if r["type"] == "stock"}
    assert stock == {r["sku"]: r for r in chain.inventory("MSK1")}
    assert any(r["on_hand_milli"] == 0 for r in stock.values())
    missing = {p["sku"] for p in products} - set(stock)
    assert missing and products[7]["sku"] in missing  # the TV is only in the endless aisle here
    unit = {p["sku"]: p["unit"] for p in products}
    assert all(r["on_hand_milli"] % 1000 == 0 for r in stock.values() if unit[r["sku"]] == "pcs")
    assert any(r["on_hand_milli"] % 1000 for r in stock.values() if unit[r["sku"]] == "kg")  # grams
    network = [r for r in feed if r["type"] == "network"]
    assert {r["location_id"] for r in network} == {"MSK2", "SPB1", "KZN1", "WH1"}
    spb = {r["sku"]: r for r in chain.inventory("SPB1")}
    for r in network:
        if r["location_id"] == "SPB1":
            own = spb[r["sku"]]
            assert r["available_milli"] == max(0, own["on_hand_milli"] - own["reserved_milli"] - own["safety_milli"])
    tv_elsewhere = [r for r in network if r["sku"] == products[7]["sku"] and r["location_id"] == "WH1"]
    assert tv_elsewhere and tv_elsewhere[0]["available_milli"] > 0


def test_reservations_follow_the_open_orders_shipped_from_a_location(chain):
    held = Counter()
    for order in chain.orders("MSK1"):
        if order["source_id"] == "MSK1" and order["status"] in ("placed", "picking", "ready"):
            for line in order["lines"]:
                held[line["sku"]] += line["qty_milli"]
    stock = {r["sku"]: r["reserved_milli"] for r in chain.inventory("MSK1")}
    assert held and all(stock.get(sku, 0) == qty for sku, qty in held.items() if sku in stock)


def test_customers_have_russian_names_tiers_and_valid_unique_cards(chain):
    customers = list(chain.customers())
    assert len(customers) == 1_200 and len({c["id"] for c in customers}) == 1_200
    assert Counter(c["tier"] for c in customers).keys() == {"base", "silver", "gold"}
    cards = [card["number"] for c in customers for card in c["cards"]]
    assert len(set(cards)) == len(cards) and {len(c["cards"]) for c in customers} == {1, 2}
    for number in cards:
        assert validate_gtin(number) == number and number.startswith("29")
        assert parse_instore(number) == CardCode(number)
    assert any(card["blocked"] for c in customers for card in c["cards"])
    assert all(c["first_name"] and c["last_name"] and len(c["phone_last4"]) == 4 for c in customers)
    assert all(isinstance(c["balance"], int) and c["balance"] >= 0 for c in customers)
    anna, ivan, olga = chain.demo_customers()
    assert (anna["first_name"], anna["last_name"], anna["tier"]) == ("Анна", "Смирнова", "gold")
    assert ivan["tier"] == "silver" and [c["blocked"] for c in olga["cards"]] == [True, False]
    assert customers[:3] == [anna, ivan, olga]


def test_staff_sign_in_with_the_documented_demo_pins(chain):
    rows = list(chain.staff("MSK1"))
    assert [(r["role"], r["active"]) for r in rows] == [("cashier", True), ("manager", True), ("technician", True),
                                                        ("cashier", False)]
    for row, pin in chain.staff_pins("MSK1"):
        assert verify_pin(pin, row["pin_hash"])
    assert [pin for _, pin in chain.staff_pins("MSK1")] == [*DEMO_PINS.values(), INACTIVE_CASHIER_PIN]
    assert not verify_pin("1234", rows[0]["pin_hash"])
    assert rows[0]["pin_hash"].startswith("scrypt$16384$8$1$")
    assert {r["id"] for r in chain.staff("SPB1")}.isdisjoint({r["id"] for r in rows})


def test_settings_carry_the_store_and_its_signing_keys(chain):
    rows = list(chain.settings("SPB1"))
    settings = {r["key"]: r["value"] for r in rows if r["type"] == "setting"}
    assert settings["pickup_hold_days"] == 3 and settings["language"] == "ru"
    keys = [r for r in rows if r["type"] == "signing_key"]
    assert len(keys) == 2 and all(len(bytes.fromhex(k["secret"])) == 32 for k in keys)
    assert sum(k["retired_at"] is None for k in keys) == 1
    other = {r["secret"] for r in chain.settings("MSK1") if r["type"] == "signing_key"}
    assert other.isdisjoint(k["secret"] for k in keys)


def test_orders_cover_every_status_with_real_lines_that_add_up(chain, products):
    prices_by_sku = {p["sku"]: p for p in products}
    orders = [o for s in chain.store_ids for o in chain.orders(s)]
    statuses = Counter(o["status"] for o in orders if o["fulfilment"] == "pickup")
    assert set(statuses) == {"placed", "picking", "ready", "collected", "expired", "cancelled"}
    assert {o["status"] for o in orders if o["fulfilment"] == "delivery"} >= {"placed", "delivered"}
    assert {o["channel"] for o in orders} == {"web", "app", "kiosk"}
    for o in orders:
        assert o["lines"] and o["total"] == sum(line["amount"] for line in o["lines"])
        assert o["paid"] in (0, o["total"])
        assert o["created_at"] <= o["updated_at"] <= NOW
        for line in o["lines"]:
            product = prices_by_sku[line["sku"]]
            assert line["name"] == product["name_ru"] and line["vat_rate_bp"] == product["vat_rate_bp"]
            assert line["amount"] == line_amount(line["unit_price"], line["qty_milli"])
            assert 0 <= line["returned_milli"] <= line["qty_milli"]
        if o["status"] == "ready":
            assert o["ready_at"] <= NOW < o["expires_at"]
        if o["status"] == "expired":
            assert o["expires_at"] <= NOW
    assert any(line["returned_milli"] for o in orders for line in o["lines"])
    assert len({o["number"] for o in orders}) == len(orders) and len({o["id"] for o in orders}) == len(orders)


def test_pickup_codes_are_stored_as_sha256_of_the_secret(chain):
    by_number = {o["number"]: o for o in chain.orders("MSK1")}
    secrets = chain.pickup_secrets("MSK1")
    assert secrets and {status for _, status, _ in secrets} >= {"ready", "collected"}
    for number, _, secret in secrets:
        assert len(secret) == 6 and secret.isdigit()
        assert by_number[number]["pickup_code_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    ready = next(o for o in by_number.values() if o["status"] == "ready")
    assert ready["customer_id"] == "C0000001" and ready["arrived_at"] is not None
    assert all(o["pickup_code_hash"] == "" for o in by_number.values() if o["fulfilment"] == "delivery")


def test_the_endless_aisle_order_ships_the_tv_from_the_warehouse(chain, products):
    kiosk = [o for o in chain.orders("MSK1") if o["channel"] == "kiosk" and o["fulfilment"] == "pickup"
             and o["source_id"] == "WH1"]
    assert kiosk and kiosk[0]["lines"][0]["sku"] == products[7]["sku"]
    assert kiosk[0]["id"] in {o["id"] for o in chain.orders("WH1")}


def test_the_express_store_ships_deliveries_but_takes_no_pickups(chain):
    orders = list(chain.orders("MSK2"))
    assert orders and all(o["fulfilment"] == "delivery" for o in orders)
    assert chain.pickup_secrets("MSK2") == []


def test_the_summary_counts_what_the_feeds_hold(chain, products):
    summary = chain.summary()
    assert summary["products"] == len(products)
    assert summary["barcodes"] == sum(len(p["barcodes"]) for p in products)
    assert summary["weighed"] == sum(p["unit"] == "kg" for p in products)
    customers = list(chain.customers())
    assert summary["cards"] == sum(len(c["cards"]) for c in customers)
    assert summary["blocked_cards"] == sum(card["blocked"] for c in customers for card in c["cards"])
    assert summary["categories"] == len(list(chain.categories()))
    assert summary["promotions_by_kind"] == dict(sorted(Counter(r["kind"] for r in chain.promotions("MSK1")).items()))
    assert sum(summary["orders_by_status"].values()) == len({o["id"] for s in chain.store_ids for o in chain.orders(s)})


@pytest.mark.parametrize("skus, customers", [(1, 0), (5, 2), (17, 3), (40, 10)])
def test_tiny_chains_still_make_every_feed(skus, customers):
    from retail.demo import DemoChain

    chain = DemoChain(seed=1, skus=skus, stores=2, customers=customers, now=NOW)
    assert len(list(chain.products())) == skus
    assert len(list(chain.customers())) == customers
    rows = list(chain.promotions("MSK1"))
    for r in rows:
        Promotion(id=r["id"], kind=r["kind"], name=r["name_ru"], params=r["params"], valid_from=r["valid_from"],
                  valid_to=r["valid_to"], customer_id=r["customer_id"], tier=r["tier"], stackable=r["stackable"],
                  exclusive=r["exclusive"], coupon_code=r["coupon_code"])
    assert all(r["customer_id"] is None or int(r["customer_id"][1:]) <= customers for r in rows)
    orders = list(chain.orders("MSK1"))
    assert orders and all(o["lines"] for o in orders)
    assert all(o["customer_id"] is None or int(o["customer_id"][1:]) <= customers for o in orders)
    list(chain.inventory_feed("MSK1"))
    chain.summary()
