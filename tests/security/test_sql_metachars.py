"""SQL and FTS5 metacharacters through every search and lookup path the apps offer.

Each hostile text goes through the services the screens call (search as you type, scan,
loyalty card, receipt and order lookups, signed codes) and the domain lookups beneath
them. Every call returns normally or raises one of our own domain errors with a message;
no SQL error, no crash of another kind, no wildcard that matches everything, and the
store is unchanged afterwards.
"""
from __future__ import annotations

import sqlite3
import time

import pytest

from retail import catalogue, loyalty, orders, search
from retail.demo import DemoChain
from retail.demo.load import load_store

pytestmark = pytest.mark.security

NOW = (int(time.time()) // 3600) * 3600
OURS = ("retail", "pos", "kiosk", "ui", "hardware", "sync")

HOSTILE = [
    "'", '"', "';", "' OR '1'='1", "\" OR \"\"=\"", "1; DROP TABLE products; --", "--", "/*", "*/ SELECT",
    "%", "_", "%%", "a%", "_%_", "\\", "\\'", "NEAR(", "NEAR(a b", "*", "a*", "^", "^a", ":", "name_ru:кофе",
    "AND", "OR", "NOT", "a AND", "OR b", "NOT NOT", "\"unbalanced", "(", ")", "((", "{a b}", "+", "-a",
    "\x00", "a\x00b", "x" * 10_000, "кофе' --", "ёЁ%_", "\u202e", "\ufeff", "🙂", "0" * 13, "'" * 200,
    "SELECT * FROM staff", "' UNION SELECT pin_hash FROM staff --",
]


@pytest.fixture(scope="module")
def chain():
    return DemoChain(now=NOW, seed=7, skus=120, stores=2, customers=10)


@pytest.fixture(scope="module")
def paths(tmp_path_factory, chain):
    folder = tmp_path_factory.mktemp("metachars")
    till, kiosk = folder / "MSK1-P1.db", folder / "MSK1-K1.db"
    load_store(till, chain, "MSK1", terminal_id="P1")
    load_store(kiosk, chain, "MSK1", terminal_id="K1", terminal_kind="kiosk")
    return till, kiosk


@pytest.fixture(scope="module")
def services(paths):
    from kiosk.services import KioskServices
    from pos.services import PosServices

    till = PosServices(paths[0], clock=lambda: NOW + 60)
    kiosk = KioskServices(paths[1], clock=lambda: NOW + 60)
    yield till, kiosk
    till.close()
    kiosk.close()


def _snapshot(path):
    with sqlite3.connect(path) as conn:
        counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE '%search%'")}
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    return counts


def _call(fn, *args, **kwargs):
    """The call's result, or None if it refused with one of our domain errors."""
    try:
        return fn(*args, **kwargs)
    except sqlite3.Error as exc:
        pytest.fail(f"{fn.__qualname__}{args!r:.60}: SQL error reached the caller: {exc}")
    except Exception as exc:
        module = type(exc).__module__.split(".")[0]
        assert module in OURS, f"{fn.__qualname__}{args!r:.60}: {type(exc).__name__} is not a domain error: {exc}"
        assert str(exc).strip(), f"{fn.__qualname__}: {type(exc).__name__} without a message"
        return None


def _paths(till, kiosk):
    """Every lookup a shopper, cashier or scanner can feed text into: (name, call)."""
    yield "ui.search", lambda t: till.search(t)
    yield "kiosk.find", lambda t: kiosk.find(t)
    yield "ui.resolve_scan", lambda t: till.resolve_scan(t)
    yield "kiosk.scan", lambda t: kiosk.kiosk_scan(t)
    yield "ui.loyalty_card", lambda t: till.loyalty_card(t)
    yield "kiosk.identify", lambda t: kiosk.identify(t)
    yield "pos.find_receipt", lambda t: till.find_receipt(t)
    yield "pos.get_order", lambda t: till.get_order(t)
    yield "kiosk.product_page", lambda t: kiosk.product_page(t)
    for kind in ("pickup", "receipt", "basket"):
        yield f"ui.verify_code.{kind}", lambda t, kind=kind: till.verify_code(t, kind)


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(t)[:24] for t in HOSTILE])
def test_hostile_text_through_every_lookup(services, paths, text):
    till, kiosk = services
    before = [_snapshot(p) for p in paths]
    for name, call in _paths(till, kiosk):
        result = _call(call, text)
        if name in ("ui.search", "kiosk.find") and result:
            assert len(result) < 100, f"{name}({text!r:.30}) matched {len(result)} products: a wildcard leaked"
        if name == "pos.get_order":
            assert result is None, f"{name}({text!r:.30}) found an order"
    assert [_snapshot(p) for p in paths] == before, "a lookup changed the store"


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(t)[:24] for t in HOSTILE])
def test_hostile_text_through_the_domain_lookups(paths, text):
    from retail.store import connect

    conn = connect(paths[0])
    try:
        assert _call(catalogue.by_sku, conn, text) is None
        assert _call(catalogue.by_barcode, conn, text) is None
        _call(catalogue.by_product_url, conn, text)
        hits = _call(search.search, conn, text) or []
        assert len(hits) < 100
        _call(loyalty.find_card, conn, text)
        assert _call(orders.get_order, conn, text) is None
    finally:
        conn.close()


def test_a_wildcard_does_not_find_what_the_exact_text_would_not(paths):
    from retail.store import connect

    conn = connect(paths[0])
    try:
        sku = conn.execute("SELECT sku FROM products LIMIT 1").fetchone()[0]
        assert catalogue.by_sku(conn, sku) is not None
        for wild in ("%", sku[:-1] + "_", sku[:-1] + "%", "*"):
            assert catalogue.by_sku(conn, wild) is None, wild
    finally:
        conn.close()


def test_the_same_paths_find_real_things(services, paths, chain):
    """The hostile runs above are meaningful only if these calls really look things up."""
    till, kiosk = services
    with sqlite3.connect(paths[0]) as conn:
        name, sku = conn.execute("SELECT name_ru, sku FROM products WHERE active = 1 LIMIT 1").fetchone()
        number = conn.execute("SELECT number FROM orders LIMIT 1").fetchone()
    conn.close()
    word = name.split()[0]
    assert till.search(word) and kiosk.find(word)
    assert kiosk.product_page(sku) is not None
    if number:
        assert till.get_order(number[0]) is not None
