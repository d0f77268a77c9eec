"""Loading a generated chain (``central.seed.load``): every kind of row lands, promotions
are sorted into chain-wide and store ones, demo orders hold their stock, feeds serve it.

A small stand-in generator with the ``retail.demo.DemoChain`` methods keeps this test
independent of the real generator's content; the CLI test seeds with the real one.
"""
from __future__ import annotations

import pytest

from central.errors import CentralError, Invalid
from central.seed import load
from central.storage import connect, customers, feeds, stock
from retail.codes.gtin import make_ean13

NOW = 1_795_000_000
STORES = ("MSK1", "SPB1")


class SmallChain:
    def __init__(self, skus: int = 30, odd_promo: bool = False) -> None:
        self.skus = [str(500 + i) for i in range(skus)]
        self.odd_promo = odd_promo

    def stores(self):
        for sid, city in zip(STORES, ("Москва", "Санкт-Петербург")):
            yield {"id": sid, "name_ru": f"Магазин {sid}", "name_en": f"Store {sid}", "kind": "store",
                   "city_ru": city, "city_en": city, "address": "", "timezone": "Europe/Moscow", "pickup": True,
                   "delivery_days": 1}
        yield {"id": "WH1", "name_ru": "Склад", "name_en": "Warehouse", "kind": "warehouse", "pickup": False}

    def categories(self):
        return [{"type": "category", "id": "dairy", "parent_id": None, "name_ru": "Молочное", "name_en": "Dairy",
                 "sort": 1}]

    def brands(self):
        return [{"type": "brand", "id": "b1", "name": "Простоквашино"}]

    def products(self):
        for i, sku in enumerate(self.skus):
            yield {"type": "product", "sku": sku, "name_ru": f"Молоко {i}", "name_en": f"Milk {i}",
                   "description_ru": "", "description_en": "", "category_id": "dairy", "brand_id": "b1",
                   "unit": "pcs", "vat_rate_bp": 1000, "plu": None, "image": "", "attributes": {"fat_bp": 320},
                   "related": [], "active": True, "location": "", "barcodes": [make_ean13(f"4600000{i:05d}")]}

    def prices(self, store_id):
        for sku in self.skus:
            yield {"sku": sku, "kind": "regular", "valid_from": 0, "valid_to": None, "price": 8990}

    def inventory(self, store_id):
        for sku in self.skus:
            yield {"type": "stock", "sku": sku, "on_hand_milli": 20_000, "safety_milli": 2000}

    def customers(self):
        yield {"id": "c-1", "first_name": "Анна", "last_name": "Смирнова", "tier": "gold", "balance": 1200,
               "phone_last4": "4567", "cards": [{"number": "2000000000015", "blocked": False}]}

    def staff(self, store_id):
        return [{"id": f"{store_id}-1", "name": "Мария", "role": "manager", "pin_hash": "scrypt$a$b", "active": True}]

    def settings(self, store_id):
        return [{"type": "setting", "key": "language", "value": "ru"},
                {"type": "signing_key", "kid": f"{store_id.lower()}1", "secret": "ab" * 32, "valid_from": 0,
                 "retired_at": None}]

    def promotions(self, store_id):
        rows = [{"id": "chain-milk", "kind": "percent_off", "name_ru": "Молоко -10%", "name_en": "Milk -10%",
                 "params": {"target": {"category_ids": ["dairy"]}, "percent_bp": 1000}, "priority": 100,
                 "exclusive": False, "stackable": False, "valid_from": None, "valid_to": None, "coupon_code": None,
                 "tier": None, "customer_id": None}]
        if store_id == "SPB1" or self.odd_promo:
            rows.append({**rows[0], "id": "spb-only", "name_ru": "Только СПб", "name_en": "SPB only"})
        return rows

    def orders(self, store_id):
        if store_id != "MSK1":
            return []
        return [{"id": "o-1", "number": "WEB-SHOP-000001", "channel": "web", "fulfilment": "pickup",
                 "status": "ready", "pickup_store_id": "MSK1", "source_id": "MSK1", "customer_id": "c-1",
                 "contact": {"name": "Анна"}, "total": 17980, "paid": 17980, "pickup_code_hash": "ab" * 32,
                 "created_at": NOW - 3600, "updated_at": NOW - 60, "ready_at": NOW - 60, "expires_at": NOW + 86400,
                 "lines": [{"line_no": 1, "sku": self.skus[0], "name": "Молоко 0", "qty_milli": 2000,
                            "unit_price": 8990, "amount": 17980, "vat_rate_bp": 1000, "returned_milli": 0}]}]


def test_a_generated_chain_loads_and_every_feed_serves_it(tmp_path):
    conn = connect(tmp_path / "c.db")
    summary = load(conn, SmallChain(), NOW)
    assert summary.stores == ["MSK1", "SPB1"]
    assert summary.counts == {"locations": 3, "products": 30, "customers": 1, "prices": 90, "stock rows": 90,
                              "promotions": 2, "orders": 1}
    msk = {f: feeds.read_page(conn, f, "MSK1", "", 5000) for f in feeds.FEEDS}
    assert len(msk["catalogue"].rows) == 1 + 1 + 30
    assert [r["key"] for r in msk["promotions"].rows] == ["promo:chain-milk"]
    assert sorted(r["key"] for r in feeds.read_page(conn, "promotions", "SPB1", "", 50).rows) == [
        "promo:chain-milk", "promo:spb-only"]
    assert msk["customers"].rows[0]["data"]["phone_last4"] == "4567"
    assert customers.balance(conn, "c-1") == 1200
    assert msk["orders"].rows[0]["data"]["status"] == "ready"
    assert stock.level(conn, "MSK1", "500")["reserved_milli"] == 2000
    assert {r["key"] for r in msk["settings"].rows} == {"setting:language", "key:msk11"}
    assert len(msk["inventory"].rows) == 30 * 3
    with pytest.raises(CentralError, match="already holds a chain"):
        load(conn, SmallChain(), NOW)


def test_a_promotion_for_some_stores_but_not_all_is_refused(tmp_path):
    three = SmallChain()
    three.stores = lambda: list(SmallChain().stores()) + [{"id": "KZN1", "name_ru": "Казань", "kind": "store"}]
    three.promotions = lambda store_id: [] if store_id == "KZN1" else [
        {"id": "p", "kind": "percent_off", "name_ru": "p", "params": {"target": {"skus": ["500"]}, "percent_bp": 5}}]
    with pytest.raises(Invalid, match="promotion p is given for stores MSK1, SPB1 but not all"):
        load(connect(tmp_path / "c.db"), three, NOW)


def test_a_bad_generated_row_stops_the_seed_with_its_reason(tmp_path):
    chain = SmallChain()
    good = chain.products
    chain.products = lambda: ({**p, "vat_rate_bp": 20.0} if p["sku"] == "510" else p for p in good())
    with pytest.raises(Invalid, match="product 510: vat_rate_bp must be a whole number"):
        load(connect(tmp_path / "c.db"), chain, NOW)
