"""Shared set-up for the transaction tests (a unique module name, not a conftest).

Staff rows are written the way the staff feed writes them: with a hash central made. To
keep the suite fast the fixtures' hashes use a small scrypt cost (the format is the same;
``verify_pin`` reads the cost from the hash); the real cost is tested in test_staff.
"""
from __future__ import annotations

import hashlib
import os

import pytest

from retail.store import connect, transaction
from retail.store.settings import put

NOW = 1_767_225_600  # 2026-01-01 00:00:00 UTC
PINS = {"cashier": "1111", "manager": "2222", "technician": "3333"}
IDS = {"cashier": "staff-cashier", "manager": "staff-manager", "technician": "staff-tech"}


def fast_hash(pin: str) -> str:
    salt = os.urandom(16)
    key = hashlib.scrypt(pin.encode(), salt=salt, n=16, r=1, p=1, dklen=32)
    return f"scrypt$16$1$1${salt.hex()}${key.hex()}"


def put_staff(conn, staff_id: str, name: str, role: str, pin: str, active: bool = True) -> None:
    with transaction(conn):
        conn.execute("INSERT INTO staff(id, name, role, pin_hash, active) VALUES (?, ?, ?, ?, ?)",
                     (staff_id, name, role, fast_hash(pin), int(active)))


def open_store(path):
    conn = connect(path)
    with transaction(conn):
        put(conn, "store_id", "MSK1")
        put(conn, "terminal_id", "P1")
    return conn


@pytest.fixture
def db(tmp_path):
    conn = open_store(tmp_path / "till.db")
    for role, pin in PINS.items():
        put_staff(conn, IDS[role], role.title(), role, pin)
    yield conn
    conn.close()


WRITTEN_TABLES = ("sales", "sale_lines", "tenders", "cash_movements", "stock_movements", "loyalty_events",
                  "outbox", "audit", "sequences", "shifts", "staff_lockout")


def snapshot(conn) -> dict[str, list[tuple]]:
    """Every row of every table a sale, return or shift writes: equal snapshots = nothing written."""
    return {t: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {t}")) for t in WRITTEN_TABLES}


# ---------------------------------------------------------------- baskets and sales

def pcs(no: int, sku: str, qty: int, price: int, vat: int = 2000, **kw):
    from retail.pricing import CartLine

    return CartLine(line_no=no, sku=sku, qty_milli=qty * 1000, unit_price=price, vat_rate_bp=vat, **kw)


def kg(no: int, sku: str, grams: int, price_per_kg: int, vat: int = 1000):
    from retail.pricing import CartLine

    return CartLine(line_no=no, sku=sku, qty_milli=grams, unit_price=price_per_kg, vat_rate_bp=vat, unit="kg")


def priced(*lines, promotions=(), now: int = NOW):
    """Price ``lines`` with the real engine (``promotions``: (id, kind, params) triples)."""
    from retail.pricing import PricingContext, Promotion, price_cart

    promos = [Promotion(id=pid, kind=kind, name=f"promo {pid}", params=params) for pid, kind, params in promotions]
    return price_cart(lines, promos, PricingContext(now=now))


def add_customer(conn, cid: str = "cust-1", balance: int = 1000, included_seq: int = 0) -> None:
    with transaction(conn):
        conn.execute("INSERT INTO customers(id, first_name, tier, balance, included_seq) VALUES (?, 'Ivan', 'base', ?, ?)",
                     (cid, balance, included_seq))


def events(conn, kind: str | None = None) -> list[dict]:
    import json

    rows = conn.execute("SELECT kind, payload, seq FROM outbox ORDER BY seq").fetchall()
    return [dict(json.loads(p), _seq=s) for k, p, s in rows if kind is None or k == kind]
