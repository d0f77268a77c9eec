"""``python -m central seed`` with the real demo generator: central serves the same chain
``retail.demo`` builds a terminal from, row for row."""
from __future__ import annotations

import pytest

from central.storage import connect, feeds
from retail.demo import DemoChain
from central_support import cli

NOW = 1_795_000_000 // 3600 * 3600
SIZE = dict(seed=7, skus=400, stores=2, customers=60)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("seed") / "central.db"
    done = cli("seed", "--db", path, "--skus", SIZE["skus"], "--stores", SIZE["stores"], "--customers",
               SIZE["customers"], "--seed", SIZE["seed"], "--now", NOW)
    return path, done, DemoChain(now=NOW, **SIZE)


def page(conn, feed, store):
    result = feeds.read_page(conn, feed, store, "", feeds.MAX_LIMIT)
    assert not result.more
    return {r["key"]: r["data"] for r in result.rows}


def sorted_lists(row: dict) -> dict:
    row = dict(row)
    if "cards" in row:
        row["cards"] = sorted(row["cards"], key=lambda c: c["number"])
    if "barcodes" in row:
        row["barcodes"] = sorted(row["barcodes"])
    return row


def test_seed_prints_the_store_ids(seeded):
    _, done, demo = seeded
    assert done.stdout.split() == demo.store_ids
    assert "seeded" in done.stderr and "products" in done.stderr
    again = cli("seed", "--db", seeded[0], "--skus", 10, check=2)
    assert "already holds a chain" in again.stderr


@pytest.mark.parametrize("feed, rows, key", [
    ("stores", lambda d, s: d.stores(), lambda r: f"store:{r['id']}"),
    ("catalogue", lambda d, s: d.products(), lambda r: f"product:{r['sku']}"),
    ("prices", lambda d, s: d.prices(s), lambda r: f"price:{r['sku']}:{r['kind']}:{r['valid_from']}"),
    ("promotions", lambda d, s: d.promotions(s), lambda r: f"promo:{r['id']}"),
    ("customers", lambda d, s: d.customers(), lambda r: f"customer:{r['id']}"),
    ("staff", lambda d, s: d.staff(s), lambda r: f"staff:{r['id']}"),
    ("settings", lambda d, s: d.settings(s),
     lambda r: f"key:{r['kid']}" if r["type"] == "signing_key" else f"setting:{r['key']}"),
    ("orders", lambda d, s: d.orders(s), lambda r: f"order:{r['id']}"),
])
def test_each_feed_matches_the_generator(seeded, feed, rows, key):
    path, _, demo = seeded
    conn = connect(path)
    for store in demo.store_ids:
        served = page(conn, feed, store)
        expected = {key(r): sorted_lists(r) for r in rows(demo, store)}
        if feed == "catalogue":
            served = {k: v for k, v in served.items() if k.startswith("product:")}
        assert {k: sorted_lists(v) for k, v in served.items()} == expected
    conn.close()


def test_inventory_matches_the_terminals_view_of_the_generator(seeded):
    path, _, demo = seeded
    conn = connect(path)
    for store in demo.store_ids:
        served = page(conn, "inventory", store)
        expected = {}
        for r in demo.inventory_feed(store):
            k = f"stock:{r['sku']}" if r["type"] == "stock" else f"net:{r['sku']}:{r['location_id']}"
            expected[k] = r
        assert {k: served[k] for k in expected} == expected
        extra = {k: v for k, v in served.items() if k not in expected}
        # stock rows made by a reservation where the generator listed no stock: nothing to promise
        assert all(k.startswith("net:") and v["available_milli"] == 0 for k, v in extra.items())
    conn.close()
