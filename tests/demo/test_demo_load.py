"""Writing a demo store into a terminal's local store, and the command that does it."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from demo_support import NOW

from retail import catalogue, inventory, prices, search
from retail.demo import DemoChain, DemoError
from retail.demo.load import load_store
from retail.staff import sign_in
from retail.store import connect, integrity_ok, transaction
from retail.store import settings as store_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small() -> DemoChain:
    return DemoChain(seed=5, skus=1_500, stores=4, customers=300, now=NOW)


@pytest.fixture(scope="module")
def loaded(small, tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "MSK1-P1.db"
    counts = load_store(path, small, "MSK1")
    conn = connect(path)
    yield conn, counts, path
    conn.close()


def test_the_local_store_holds_every_feed_and_passes_its_integrity_check(small, loaded):
    conn, counts, _ = loaded
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert integrity_ok(conn)
    products = list(small.products())
    assert counts["products"] == len(products) == 1_500
    assert counts["barcodes"] == sum(len(p["barcodes"]) for p in products)
    assert counts["prices"] == len(list(small.prices("MSK1")))
    assert counts["promotions"] == len(list(small.promotions("MSK1")))
    feed = list(small.inventory_feed("MSK1"))
    assert counts["stock"] == sum(r["type"] == "stock" for r in feed)
    assert counts["network_stock"] == sum(r["type"] == "network" for r in feed)
    assert counts["customers"] == 300 and counts["loyalty_cards"] == small.summary()["cards"]
    assert counts["stores"] == 5 and counts["staff"] == 4 and counts["signing_keys"] == 2
    assert counts["orders"] == len(list(small.orders("MSK1")))
    assert store_settings.identity(conn) == ("MSK1", "P1")
    assert store_settings.get(conn, "terminal_kind") == "pos"
    assert store_settings.get_int(conn, "pickup_hold_days") == 3


def test_what_was_loaded_works_with_the_terminals_own_code(small, loaded):
    conn, _, _ = loaded
    milk = next(small.products())
    assert catalogue.by_barcode(conn, milk["barcodes"][0]).sku == milk["sku"]
    assert milk["sku"] in {hit.sku for hit in search.search(conn, "молоко простоквашино")}
    assert prices.price_at(conn, milk["sku"], NOW) is not None
    assert inventory.network_availability(conn, milk["sku"])
    keys = conn.execute("SELECT kid, length(secret), retired_at FROM signing_keys ORDER BY kid").fetchall()
    assert [tuple(k) for k in keys] == [("msk1-1", 32, keys[0][2]), ("msk1-2", 32, None)] and keys[0][2] < NOW
    member = sign_in(conn, "2222", NOW)
    assert member.role == "manager"
    number, _, secret = next(s for s in small.pickup_secrets("MSK1") if s[1] == "ready")
    stored = conn.execute("SELECT pickup_code_hash FROM orders WHERE number = ?", (number,)).fetchone()[0]
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    lines = conn.execute("SELECT COUNT(*) FROM order_lines").fetchone()[0]
    assert lines == sum(len(o["lines"]) for o in small.orders("MSK1"))


def test_loading_again_replaces_a_demo_store(small, tmp_path):
    path = tmp_path / "t.db"
    load_store(path, DemoChain(seed=9, skus=300, customers=20, now=NOW), "SPB1")
    counts = load_store(path, small, "MSK1", terminal_id="K1", terminal_kind="kiosk")
    assert counts["products"] == 1_500
    conn = connect(path)
    assert store_settings.identity(conn) == ("MSK1", "K1")
    conn.close()


def test_a_store_with_a_terminals_own_records_is_kept_unless_forced(small, tmp_path):
    path = tmp_path / "busy.db"
    load_store(path, DemoChain(seed=9, skus=50, customers=5, now=NOW), "MSK1")
    conn = connect(path)
    with transaction(conn):
        conn.execute("INSERT INTO shifts(id, number, opened_by, opened_at, float_amount) VALUES ('s', 1, 'x', 1, 0)")
    conn.close()
    with pytest.raises(DemoError, match=r"already holds a terminal's own records \(1 shifts\).*--force"):
        load_store(path, small, "MSK1")
    assert connect(path).execute("SELECT COUNT(*) FROM shifts").fetchone()[0] == 1
    load_store(path, DemoChain(seed=9, skus=50, customers=5, now=NOW), "MSK1", force=True)
    assert connect(path).execute("SELECT COUNT(*) FROM shifts").fetchone()[0] == 0


@pytest.mark.parametrize("store, terminal, kind, message", [
    ("WH1", "P1", "pos", "unknown store 'WH1'"),
    ("msk1", "P1", "pos", "unknown store 'msk1'"),
    ("MSK1", "p 1", "pos", "terminal id must be 1-12 capital letters or digits"),
    ("MSK1", "P1", "till", "terminal kind must be one of pos, kiosk"),
])
def test_bad_load_arguments_are_refused(small, tmp_path, store, terminal, kind, message):
    with pytest.raises(DemoError, match=message):
        load_store(tmp_path / "x.db", small, store, terminal_id=terminal, terminal_kind=kind)
    assert not (tmp_path / "x.db").exists()


def test_a_file_that_is_not_a_local_store_is_refused(small, tmp_path):
    junk = tmp_path / "notes.db"
    junk.write_text("shopping list: milk, bread\n" * 100)
    with pytest.raises(DemoError, match="is not a Vitrina local store"):
        load_store(junk, small, "MSK1")
    assert junk.read_text().startswith("shopping list")
    with pytest.raises(DemoError, match="is a directory"):
        load_store(tmp_path, small, "MSK1")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "retail.demo", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)


def test_the_command_builds_a_store_and_prints_what_it_holds(tmp_path):
    db = tmp_path / "MSK1-P1.db"
    done = run_cli("--db", str(db), "--skus", "2000", "--now", str(NOW))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "store MSK1" in out and "terminal P1" in out
    assert "2 000 SKUs" in out and "barcodes" in out
    assert "Stores:      4 (" in out and "warehouse WH1" in out
    for kind in ("percent_off", "amount_off", "fixed_price", "n_for_price", "buy_x_get_y", "basket_threshold"):
        assert kind in out
    for status in ("placed", "picking", "ready", "collected", "expired"):
        assert status in out
    assert "PIN 1111" in out and "PIN 2222" in out and "PIN 9999" in out
    assert "Анна Смирнова" in out and "₽" in out
    assert "Молоко Простоквашино 3,2% 930 мл" in out
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 2000
    conn.close()


def test_the_command_explains_bad_arguments(tmp_path):
    done = run_cli("--db", str(tmp_path / "x.db"), "--store", "NOPE")
    assert done.returncode == 2
    assert "demo: unknown store 'NOPE'; the demo chain's stores are MSK1, MSK2, SPB1, KZN1" in done.stderr
    done = run_cli("--db", str(tmp_path / "x.db"), "--skus", "-3")
    assert done.returncode == 2 and "number of SKUs must be between 1" in done.stderr
    assert "Traceback" not in done.stderr
