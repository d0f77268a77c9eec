"""Feeds over HTTP: paging with cursors, deltas, tombstones, horizon, gzip, included."""
from __future__ import annotations

import gzip

import requests

import central_support as support
from central import records
from central.storage import catalogue, connect, stock, transaction
from central.storage.versions import purge_tombstones


def keys(rows):
    return [r["key"] for r in rows]


def test_every_feed_answers_with_the_protocol_envelope(p1):
    for feed in ("settings", "staff", "stores", "catalogue", "prices", "promotions", "inventory", "customers",
                 "orders"):
        page = p1.feed(feed)
        assert set(page) == {"feed", "store", "version", "cursor", "next_cursor", "more", "included",
                             "server_time", "rows"}
        assert page["feed"] == feed and page["store"] == "MSK1" and page["server_time"] == support.NOW
        assert page["included"] == {"K1": 0, "P1": 0}


def test_paging_follows_cursors_and_sees_every_row_once(p1):
    whole = p1.feed("inventory")["rows"]
    assert not any(r["key"].startswith("net:") and r["key"].endswith(":MSK1") for r in whole)
    assert len(whole) == 6 * 4  # own stock + MSK2, SPB1, WH1 availability
    rows, cursor, pages = [], "", 0
    while True:
        page = p1.feed("inventory", cursor, limit=5)
        assert len(page["rows"]) <= 5
        assert len(set(keys(page["rows"]))) == len(page["rows"])
        rows += page["rows"]
        pages += 1
        assert int(page["next_cursor"]) > int(cursor or 0)
        cursor = page["next_cursor"]
        if not page["more"]:
            break
    assert pages == 5
    assert sorted(keys(rows)) == sorted(keys(whole))
    assert p1.feed("inventory", cursor)["rows"] == []


def test_rows_carry_the_protocol_shapes(p1):
    stock_row = next(r for r in p1.feed("inventory")["rows"] if r["key"] == "stock:1001")
    assert stock_row["data"] == {"type": "stock", "sku": "1001", "on_hand_milli": 10_000, "safety_milli": 1000,
                                 "reserved_milli": 0}
    net = next(r for r in p1.feed("inventory")["rows"] if r["key"] == "net:1001:MSK2")
    assert net["data"] == {"type": "network", "sku": "1001", "location_id": "MSK2", "available_milli": 4000}
    product = next(r for r in p1.feed("catalogue")["rows"] if r["key"] == "product:1001")["data"]
    assert product["barcodes"] == [support.ean("1001")] and product["related"] == ["1002"]
    assert product["attributes"] == {"origin": "Бразилия"} and product["active"] is True
    prices = {r["key"]: r["data"] for r in p1.feed("prices")["rows"]}
    assert prices["price:1002:label:0"]["price"] == 12000
    promos = keys(p1.feed("promotions")["rows"])
    assert sorted(promos) == ["promo:P-BEANS", "promo:P-MSK1-DISH"]
    customer = next(r for r in p1.feed("customers")["rows"] if r["key"] == "customer:C1")["data"]
    assert customer == {"id": "C1", "first_name": "Анна", "last_name": "Смирнова", "tier": "gold", "balance": 500,
                        "phone_last4": "4567", "cards": [{"number": "7770001", "blocked": False}]}
    settings = {r["key"]: r["data"] for r in p1.feed("settings")["rows"]}
    assert settings["setting:language"]["value"] == "ru"
    assert settings["key:kMSK1"]["type"] == "signing_key" and len(settings["key:kMSK1"]["secret"]) == 64


def test_other_stores_promotions_are_not_served(spb):
    assert keys(spb.feed("promotions")["rows"]) == ["promo:P-BEANS"]


def test_a_change_shows_in_the_next_page_and_nothing_else(p1, spb, db_path):
    cursors = {feed: p1.feed(feed)["next_cursor"] for feed in ("prices", "catalogue", "inventory")}
    spb_prices = spb.feed("prices")["next_cursor"]
    conn = connect(db_path)
    with transaction(conn):
        catalogue.upsert_prices(conn, "MSK1", [records.price({"sku": "1003", "valid_from": support.NOW + 86400,
                                                              "price": 4990})])
        catalogue.upsert_products(conn, [records.product({"sku": "1004", "name_ru": "Кофемолка", "vat_rate_bp": 2000,
                                                          "barcodes": [support.ean("1004")]})])
    conn.close()
    delta = p1.feed("prices", cursors["prices"])
    assert [(r["op"], r["key"]) for r in delta["rows"]] == [("upsert", f"price:1003:regular:{support.NOW + 86400}")]
    assert spb.feed("prices", spb_prices)["rows"] == []  # a store's price is its own
    cat = p1.feed("catalogue", cursors["catalogue"])
    assert keys(cat["rows"]) == ["product:1004"] and cat["rows"][0]["data"]["name_ru"] == "Кофемолка"
    assert spb.feed("catalogue", cursors["catalogue"])["rows"] == cat["rows"]  # one chain-wide row
    assert p1.feed("inventory", cursors["inventory"])["rows"] == []


def test_deletes_arrive_as_tombstones_and_a_key_appears_once(p1, db_path):
    cursor = p1.feed("prices")["next_cursor"]
    cat_cursor = p1.feed("catalogue")["next_cursor"]
    conn = connect(db_path)
    with transaction(conn):
        catalogue.delete_price(conn, "MSK1", "1002", "label", 0, support.NOW)
        catalogue.delete_product(conn, "1005", support.NOW)
        catalogue.upsert_prices(conn, "MSK1", [records.price({"sku": "1001", "price": 10990})])
        catalogue.upsert_prices(conn, "MSK1", [records.price({"sku": "1001", "price": 11990})])
    conn.close()
    rows = p1.feed("prices", cursor)["rows"]
    assert {"op": "delete", "key": "price:1002:label:0"} in rows
    assert {"op": "delete", "key": "price:1005:regular:0"} in rows
    again = [r for r in rows if r["key"] == "price:1001:regular:0"]
    assert len(again) == 1 and again[0]["data"]["price"] == 11990
    assert p1.feed("catalogue", cat_cursor)["rows"] == [{"op": "delete", "key": "product:1005"}]
    inventory = p1.feed("inventory")["rows"]
    assert not any("1005" in r["key"] for r in inventory if r["op"] == "upsert")
    assert {"op": "delete", "key": "stock:1005"} in inventory and {"op": "delete", "key": "net:1005:WH1"} in inventory


def test_recreated_row_is_served_once_as_an_upsert(p1, db_path):
    cursor = p1.feed("prices")["next_cursor"]
    conn = connect(db_path)
    with transaction(conn):
        catalogue.delete_price(conn, "MSK1", "1003", "regular", 0, support.NOW)
        catalogue.upsert_prices(conn, "MSK1", [records.price({"sku": "1003", "price": 5000})])
    conn.close()
    assert [(r["op"], r["key"]) for r in p1.feed("prices", cursor)["rows"]] == [("upsert", "price:1003:regular:0")]


def test_cursor_older_than_the_tombstone_horizon_is_gone(p1, db_path, clock):
    old = p1.feed("prices")["next_cursor"]
    conn = connect(db_path)
    with transaction(conn):
        catalogue.delete_price(conn, "MSK1", "1002", "label", 0, support.NOW)
    with transaction(conn):
        assert purge_tombstones(conn, support.NOW + 91 * 86400) == 1
    conn.close()
    gone = p1.session.get(f"{p1.url}/api/v1/stores/MSK1/feeds/prices", params={"cursor": old})
    assert gone.status_code == 410 and "start the feed again" in gone.json()["detail"]
    fresh, _ = p1.feed_all("prices")  # a full resync works and no longer has the row
    assert "price:1002:label:0" not in keys(fresh)
    assert p1.feed("catalogue", old)["rows"] == []  # other feeds keep their cursors


def test_a_cursor_from_the_future_is_gone_and_a_bad_one_refused(p1):
    assert p1.session.get(f"{p1.url}/api/v1/stores/MSK1/feeds/stores", params={"cursor": "999999"}).status_code == 410
    bad = p1.session.get(f"{p1.url}/api/v1/stores/MSK1/feeds/stores", params={"cursor": "abc"})
    assert bad.status_code == 422 and "bad cursor" in bad.json()["detail"]
    assert p1.session.get(f"{p1.url}/api/v1/stores/MSK1/feeds/stores", params={"limit": 0}).status_code == 422
    assert p1.session.get(f"{p1.url}/api/v1/stores/MSK1/feeds/stores", params={"limit": 20001}).status_code == 422
    unknown = p1.session.get(f"{p1.url}/api/v1/stores/MSK1/feeds/gossip")
    assert unknown.status_code == 404 and "feeds are settings" in unknown.json()["detail"]


def test_pages_are_gzip_compressed_when_the_client_accepts_it(p1, db_path):
    conn = connect(db_path)
    with transaction(conn):
        catalogue.upsert_products(conn, [records.product({"sku": f"9{i:05d}", "name_ru": f"Товар номер {i}",
                                                          "vat_rate_bp": 2000}) for i in range(300)])
    conn.close()
    raw = requests.get(f"{p1.url}/api/v1/stores/MSK1/feeds/catalogue", stream=True,
                       headers={"Authorization": f"Bearer {p1.token}", "Accept-Encoding": "gzip"})
    assert raw.headers["Content-Encoding"] == "gzip"
    body = raw.raw.read()
    assert len(gzip.decompress(body)) > 3 * len(body)
    plain = requests.get(f"{p1.url}/api/v1/stores/MSK1/feeds/catalogue",
                         headers={"Authorization": f"Bearer {p1.token}", "Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and len(plain.json()["rows"]) == 3 + 2 + 6 + 300


def test_stock_change_bumps_own_row_and_network_row_elsewhere(p1, spb, db_path):
    msk_cursor, spb_cursor = p1.feed("inventory")["next_cursor"], spb.feed("inventory")["next_cursor"]
    conn = connect(db_path)
    with transaction(conn):
        stock.set_levels(conn, "MSK1", [("1001", 7000, 1000)])
    conn.close()
    assert p1.feed("inventory", msk_cursor)["rows"] == [{"op": "upsert", "key": "stock:1001", "data": {
        "type": "stock", "sku": "1001", "on_hand_milli": 7000, "safety_milli": 1000, "reserved_milli": 0}}]
    assert spb.feed("inventory", spb_cursor)["rows"] == [{"op": "upsert", "key": "net:1001:MSK1", "data": {
        "type": "network", "sku": "1001", "location_id": "MSK1", "available_milli": 6000}}]
