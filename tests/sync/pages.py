"""Hand-made feed pages and rows in the protocol's shape, for the apply tests.

A unique module name (not a conftest) so other test folders can import it too.
"""
from __future__ import annotations

import hashlib
import os

from retail.codes.gtin import make_ean13
from retail.store import connect, transaction
from retail.store.settings import put

TERMINAL = "P1"


def local_store(path):
    conn = connect(path)
    with transaction(conn):
        put(conn, "store_id", "MSK1")
        put(conn, "terminal_id", TERMINAL)
    return conn


def page(feed: str, rows: list, *, cursor: str = "", next_cursor: str = "10", more: bool = False,
         included: dict | None = None, version: int = 10) -> dict:
    return {"feed": feed, "store": "MSK1", "version": version, "cursor": cursor, "next_cursor": next_cursor,
            "more": more, "included": included if included is not None else {TERMINAL: 0},
            "server_time": 1_795_000_000, "rows": rows}


def upsert(key: str, data: dict) -> dict:
    return {"op": "upsert", "key": key, "data": data}


def delete(key: str) -> dict:
    return {"op": "delete", "key": key}


def ean(n: int) -> str:
    return make_ean13("460" + str(n).zfill(9))


def product(sku: str, **over) -> dict:
    data = {"type": "product", "sku": sku, "name_ru": f"Товар {sku}", "name_en": f"Item {sku}",
            "description_ru": "", "description_en": "", "category_id": None, "brand_id": None, "unit": "pcs",
            "vat_rate_bp": 2000, "plu": None, "image": "", "attributes": {}, "related": [], "active": True,
            "location": "", "barcodes": [ean(int(sku))]}
    data.update(over)
    return upsert(f"product:{sku}", data)


def price(sku: str, amount, *, kind: str = "regular", valid_from: int = 0, valid_to=None) -> dict:
    return upsert(f"price:{sku}:{kind}:{valid_from}", {"sku": sku, "kind": kind, "valid_from": valid_from,
                                                       "valid_to": valid_to, "price": amount})


def stock(sku: str, on_hand: int, safety: int = 0) -> dict:
    return upsert(f"stock:{sku}", {"type": "stock", "sku": sku, "on_hand_milli": on_hand, "safety_milli": safety})


def net(sku: str, location: str, available: int) -> dict:
    return upsert(f"net:{sku}:{location}", {"type": "network", "sku": sku, "location_id": location,
                                            "available_milli": available})


def store_row(sid: str, kind: str = "store") -> dict:
    return upsert(f"store:{sid}", {"id": sid, "name_ru": f"Магазин {sid}", "name_en": f"Store {sid}", "kind": kind,
                                   "city_ru": "Москва", "city_en": "Moscow", "address": "", "timezone": "Europe/Moscow",
                                   "pickup": True, "delivery_days": 1})


def customer(cid: str, balance: int, cards=("2900000000018",), **over) -> dict:
    data = {"id": cid, "first_name": "Анна", "last_name": "С.", "tier": "base", "balance": balance,
            "phone_last4": "4567", "cards": [{"number": c, "blocked": False} for c in cards]}
    data.update(over)
    return upsert(f"customer:{cid}", data)


def promo(pid: str, **over) -> dict:
    data = {"id": pid, "kind": "percent_off", "name_ru": "Скидка", "name_en": "Discount",
            "params": {"target": {"skus": ["1001"]}, "percent_bp": 1000}, "priority": 10, "exclusive": False,
            "stackable": False, "valid_from": None, "valid_to": None, "coupon_code": None, "tier": None,
            "customer_id": None}
    data.update(over)
    return upsert(f"promo:{pid}", data)


def fast_pin_hash(pin: str = "1111") -> str:
    salt = os.urandom(16)
    key = hashlib.scrypt(pin.encode(), salt=salt, n=16, r=1, p=1, dklen=32)
    return f"scrypt$16$1$1${salt.hex()}${key.hex()}"


def staff(sid: str, role: str = "cashier", **over) -> dict:
    data = {"id": sid, "name": "Мария", "role": role, "pin_hash": fast_pin_hash(), "active": True}
    data.update(over)
    return upsert(f"staff:{sid}", data)


def order(oid: str, number: str, *, status: str = "placed", total: int = 9990, **over) -> dict:
    data = {"id": oid, "number": number, "channel": "web", "fulfilment": "pickup", "status": status,
            "pickup_store_id": "MSK1", "source_id": "MSK1", "customer_id": None,
            "contact": {"name": "Анна", "phone": "+79161234567"}, "total": total, "paid": 0,
            "pickup_code_hash": "", "created_at": 1_795_000_000, "updated_at": 1_795_000_000, "ready_at": None,
            "expires_at": None,
            "lines": [{"line_no": 1, "sku": "1001", "name": "Товар 1001", "qty_milli": 1000, "unit_price": total,
                       "amount": total, "vat_rate_bp": 2000, "returned_milli": 0}]}
    data.update(over)
    return upsert(f"order:{oid}", data)
