"""A small, hand-made chain for central's tests, helpers to build terminal events, a
requests wrapper (:class:`Api`) and the CLI runner (:func:`cli`).

Built through central's own write path (``central.records`` + ``central.storage``), so
the tests do not depend on the demo generator: MSK1 and MSK2 in Moscow, SPB1 in Saint
Petersburg, warehouse WH1; six products; prices; stock; two customers; staff; a
signing key per store; one chain-wide and one store promotion.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from central import records
from central.storage import catalogue, chain, connect, customers, stock, terminals, transaction
from retail.codes.gtin import make_ean13
from retail.ids import new_id
from retail.outbox import canonical, payload_hash

NOW = 1_795_000_000
STORES = ("MSK1", "MSK2", "SPB1")
WAREHOUSE = "WH1"
SKUS = ("1001", "1002", "1003", "1004", "1005", "2001")
PRICE = {"1001": 9990, "1002": 15000, "1003": 4550, "1004": 120000, "1005": 2500, "2001": 39900}


def ean(sku: str) -> str:
    return make_ean13("460" + sku.zfill(9))


def build_chain(path, now: int = NOW) -> None:
    conn = connect(path)
    with transaction(conn):
        chain.upsert_locations(conn, [records.location(r) for r in (
            {"id": "MSK1", "name_ru": "Тверская", "name_en": "Tverskaya", "kind": "store", "city_ru": "Москва",
             "city_en": "Moscow", "address": "Москва, ул. Тверская, 1", "delivery_days": 1},
            {"id": "MSK2", "name_ru": "Арбат", "name_en": "Arbat", "kind": "store", "city_ru": "Москва",
             "city_en": "Moscow", "address": "Москва, ул. Арбат, 10", "delivery_days": 1},
            {"id": "SPB1", "name_ru": "Невский", "name_en": "Nevsky", "kind": "store", "city_ru": "Санкт-Петербург",
             "city_en": "Saint Petersburg", "address": "Санкт-Петербург, Невский пр., 20", "delivery_days": 2},
            {"id": "WH1", "name_ru": "Склад", "name_en": "Warehouse", "kind": "warehouse", "city_ru": "Подольск",
             "city_en": "Podolsk", "delivery_days": 1},
        )])
        catalogue.upsert_categories(conn, [records.category(r) for r in (
            {"id": "10", "parent_id": None, "name_ru": "Кофе", "name_en": "Coffee", "sort": 1},
            {"id": "11", "parent_id": "10", "name_ru": "Зерно", "name_en": "Beans", "sort": 2},
            {"id": "20", "parent_id": None, "name_ru": "Посуда", "name_en": "Dishes", "sort": 3},
        )])
        catalogue.upsert_brands(conn, [records.brand({"id": "B1", "name": "Вкусно"}),
                                       records.brand({"id": "B2", "name": "Фарфор"})])
        catalogue.upsert_products(conn, [records.product({
            "sku": sku, "name_ru": f"Товар {sku}", "name_en": f"Item {sku}", "category_id": "11" if sku < "2" else "20",
            "brand_id": "B1" if sku < "2" else "B2", "unit": "kg" if sku == "1005" else "pcs",
            "vat_rate_bp": 2000 if sku != "1003" else 1000, "barcodes": [ean(sku)],
            "attributes": {"origin": "Бразилия"}, "related": ["1002"] if sku == "1001" else [],
        }) for sku in SKUS])
        for store in STORES + (WAREHOUSE,):
            catalogue.upsert_prices(conn, store, [records.price({"sku": sku, "kind": "regular", "valid_from": 0,
                                                                 "price": PRICE[sku]}) for sku in SKUS])
        catalogue.upsert_prices(conn, "MSK1", [records.price({"sku": "1002", "kind": "label", "valid_from": 0,
                                                              "valid_to": now + 86400 * 30, "price": 12000})])
        levels = {"MSK1": 10_000, "MSK2": 5_000, "SPB1": 0, WAREHOUSE: 100_000}
        for location, qty in levels.items():
            stock.set_levels(conn, location, [(sku, qty, 1000 if location != WAREHOUSE else 0) for sku in SKUS])
        catalogue.upsert_promotions(conn, None, [records.promotion({
            "id": "P-BEANS", "kind": "percent_off", "name_ru": "Зерно -10%", "name_en": "Beans -10%",
            "params": {"target": {"category_ids": ["11"]}, "percent_bp": 1000}, "priority": 10})])
        catalogue.upsert_promotions(conn, "MSK1", [records.promotion({
            "id": "P-MSK1-DISH", "kind": "amount_off", "name_ru": "Посуда -50 ₽", "name_en": "Dishes -50",
            "params": {"target": {"category_ids": ["20"]}, "amount": 5000}})])
        customers.upsert_customers(conn, [records.customer(r) for r in (
            {"id": "C1", "first_name": "Анна", "last_name": "Смирнова", "tier": "gold", "phone": "+79161234567",
             "cards": [{"number": "7770001", "blocked": False}], "balance": 500},
            {"id": "C2", "first_name": "Иван", "last_name": "Петров", "phone": "+79031112233",
             "cards": ["7770002"], "balance": 0},
        )], at=now)
        for store in STORES:
            chain.upsert_staff(conn, store, [records.staff({"id": f"S-{store}", "name": "Мария", "role": "cashier",
                                                            "pin_hash": "scrypt$x$y"})])
            chain.upsert_settings(conn, store, [records.setting({"key": "language", "value": "ru"}),
                                                records.setting({"key": "earn_rate_bp", "value": 100})])
            chain.upsert_signing_keys(conn, store, [records.signing_key({"kid": f"k{store}",
                                                                         "secret": (store.encode() * 8).hex()})])
    conn.close()


def add_terminals(path, now: int = NOW) -> dict[tuple[str, str], str]:
    conn = connect(path)
    tokens = {}
    with transaction(conn):
        for store, terminal, kind in (("MSK1", "P1", "pos"), ("MSK1", "K1", "kiosk"), ("SPB1", "P1", "pos")):
            tokens[(store, terminal)] = terminals.add_terminal(conn, store, terminal, kind, now)
        tokens[("web", "")] = terminals.add_channel_token(conn, "web", "shop", now)
    conn.close()
    return tokens


def event(seq: int, kind: str, payload: dict, *, event_id: str | None = None, created_at: int = NOW) -> dict:
    return {"seq": seq, "id": event_id or new_id(), "kind": kind, "payload": payload,
            "payload_hash": payload_hash(canonical(payload)), "created_at": created_at}


def sale(number: str, lines: list[tuple[str, int, int]], *, customer_id: str | None = None, earn: int = 0,
         redeem: int = 0, created_at: int = NOW) -> dict:
    """A sale payload: ``lines`` of (sku, qty_milli, unit_price); movements and loyalty as a till makes them."""
    sale_id = new_id()
    rows, total = [], 0
    for i, (sku, qty, price) in enumerate(lines, start=1):
        amount = price * qty // 1000
        total += amount
        rows.append({"line_no": i, "sku": sku, "qty_milli": qty, "unit_price": price, "base_amount": amount,
                     "discount": 0, "amount": amount, "vat_rate_bp": 2000, "vat_amount": amount * 2000 // 12000,
                     "adjustments": []})
    loyalty = []
    if earn:
        loyalty.append({"id": new_id(), "customer_id": customer_id, "kind": "earn", "points": earn})
    if redeem:
        loyalty.append({"id": new_id(), "customer_id": customer_id, "kind": "redeem", "points": -redeem})
    return {"sale_id": sale_id, "number": number, "receipt_seq": 1, "shift_id": None, "staff_id": "S-MSK1",
            "customer_id": customer_id, "order_id": None, "created_at": created_at, "subtotal": total,
            "discount": 0, "total": total, "lines": rows,
            "tenders": [{"kind": "card", "amount": total, "reference": "RRN1"}], "loyalty": loyalty,
            "movements": [{"id": new_id(), "sku": sku, "delta_milli": -qty} for sku, qty, _ in lines]}


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


class Clock:
    """Central's idea of now, settable by a test (tombstone expiry)."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Api:
    """A thin requests wrapper: one terminal's (or the web shop's) view of central."""

    def __init__(self, url: str, token: str | None, store: str = "", terminal: str = "") -> None:
        self.url, self.token, self.store, self.terminal = url, token, store, terminal
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def feed(self, feed: str, cursor: str = "", limit: int | None = None, store: str | None = None,
             expect: int = 200) -> dict:
        params = {"cursor": cursor}
        if limit is not None:
            params["limit"] = limit
        r = self.session.get(f"{self.url}/api/v1/stores/{store or self.store}/feeds/{feed}", params=params, timeout=10)
        assert r.status_code == expect, r.text
        return r.json()

    def feed_all(self, feed: str, cursor: str = "", limit: int = 5000) -> tuple[list[dict], dict]:
        """Follow ``more`` to the end; returns every row and the last page."""
        rows = []
        while True:
            page = self.feed(feed, cursor, limit)
            rows += page["rows"]
            cursor = page["next_cursor"]
            if not page["more"]:
                return rows, page

    def send(self, events: list[dict], expect: int = 200, store: str | None = None, terminal: str | None = None):
        r = self.session.post(f"{self.url}/api/v1/events", timeout=30, json={
            "store": store or self.store, "terminal": terminal or self.terminal, "events": events})
        assert r.status_code == expect, r.text
        return r.json()


ROOT = Path(__file__).resolve().parents[2]


def cli(*args, check: int | None = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "central", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)
    if check is not None:
        assert done.returncode == check, done.stderr + done.stdout
    return done
