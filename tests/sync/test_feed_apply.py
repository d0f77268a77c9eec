"""Feed pages applied to a local store: validation, quarantine, whole-page rejection, cursors.

Crafted pages (the protocol's shape) straight into retail.feeds.apply; the HTTP tests cover the
same paths against the real central.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pages import (TERMINAL, customer, delete, local_store, net, order, page, price, product, promo, staff, stock,
                   store_row, upsert)
from retail import inventory, loyalty, prices
from retail.catalogue import by_barcode, by_sku
from retail.store import transaction
from retail.store.settings import get
from retail.feeds.apply import PageRejected, apply_page, retry_quarantined, start_resync
from retail.feeds.rows import RowError, parse_row


@pytest.fixture
def conn(tmp_path):
    c = local_store(tmp_path / "till.db")
    yield c
    c.close()


def apply(conn, feed, pg, **kw):
    return apply_page(conn, feed, pg, terminal_id=TERMINAL, now=1_795_000_000, sent_cursor=pg["cursor"], **kw)


def feed_row(conn, feed):
    return conn.execute("SELECT * FROM feed_state WHERE feed = ?", (feed,)).fetchone()


def quarantined(conn):
    return {r["row_key"]: r["reason"] for r in conn.execute("SELECT row_key, reason FROM quarantine")}


# ---------------------------------------------------------------- the good path


def test_catalogue_page_applies_with_its_cursor(conn):
    rows = [upsert("category:10", {"type": "category", "id": "10", "parent_id": None, "name_ru": "Кофе",
                                   "name_en": "Coffee", "sort": 1}),
            upsert("brand:B1", {"type": "brand", "id": "B1", "name": "Вкусно"}),
            product("1001", category_id="10", brand_id="B1"), product("1002")]
    result = apply(conn, "catalogue", page("catalogue", rows, next_cursor="44", version=44))
    assert (result.applied, result.quarantined) == (4, 0)
    assert by_sku(conn, "1001").brand_name == "Вкусно"
    assert by_barcode(conn, product("1002")["data"]["barcodes"][0]).sku == "1002"
    state = feed_row(conn, "catalogue")
    assert (state["cursor"], state["version"], state["rows"], state["last_error"]) == ("44", 44, 4, None)


def test_tombstones_remove_rows(conn):
    apply(conn, "catalogue", page("catalogue", [product("1001"), product("1002")], next_cursor="2"))
    apply(conn, "catalogue", page("catalogue", [delete("product:1001")], cursor="2", next_cursor="3"))
    assert by_sku(conn, "1001") is None and by_sku(conn, "1002") is not None
    apply(conn, "prices", page("prices", [price("1002", 100), price("1002", 90, kind="label")]))
    apply(conn, "prices", page("prices", [delete("price:1002:label:0")], cursor="10", next_cursor="11"))
    assert prices.price_at(conn, "1002", 5).label is None


def test_price_only_change_leaves_products_and_search_alone(conn):
    apply(conn, "catalogue", page("catalogue", [product("1001")]))
    apply(conn, "prices", page("prices", [price("1001", 9990)]))
    before = conn.total_changes
    products_before = [tuple(r) for r in conn.execute("SELECT * FROM products")]
    apply(conn, "prices", page("prices", [price("1001", 8990)], cursor="10", next_cursor="11"))
    assert [tuple(r) for r in conn.execute("SELECT * FROM products")] == products_before
    # one price row plus the feed_state row: nothing in products, barcodes or the index
    assert conn.total_changes - before == 2
    assert prices.price_at(conn, "1001", 10).regular == 8990


def test_stock_and_customers_keep_the_page_included_seq(conn):
    apply(conn, "catalogue", page("catalogue", [product("1001")]))
    apply(conn, "stores", page("stores", [store_row("MSK2")]))
    apply(conn, "inventory", page("inventory", [stock("1001", 5000), net("1001", "MSK2", 3000)],
                                  included={TERMINAL: 7, "K1": 3}))
    assert conn.execute("SELECT included_seq FROM stock WHERE sku = '1001'").fetchone()[0] == 7
    assert feed_row(conn, "inventory")["included_seq"] == 7
    assert inventory.network_availability(conn, "1001")[0].available_milli == 3000
    apply(conn, "customers", page("customers", [customer("C1", 500)], included={TERMINAL: 9}))
    assert conn.execute("SELECT included_seq FROM customers").fetchone()[0] == 9
    assert loyalty.find_card(conn, "2900000000018").balance == 500


def test_customer_cards_follow_the_feed(conn):
    apply(conn, "customers", page("customers", [customer("C1", 10, cards=("2900000000018", "2900000000025"))]))
    apply(conn, "customers", page("customers", [customer("C1", 10, cards=("2900000000025",))], cursor="10"))
    assert [r[0] for r in conn.execute("SELECT number FROM loyalty_cards")] == ["2900000000025"]


def test_settings_and_signing_keys(conn):
    rows = [upsert("setting:language", {"type": "setting", "key": "language", "value": "en"}),
            upsert("setting:earn_rate_bp", {"type": "setting", "key": "earn_rate_bp", "value": 200}),
            upsert("key:k1", {"type": "signing_key", "kid": "k1", "secret": "ab" * 32, "valid_from": 0,
                              "retired_at": None})]
    apply(conn, "settings", page("settings", rows))
    assert get(conn, "language") == "en" and get(conn, "earn_rate_bp") == "200"
    assert bytes(conn.execute("SELECT secret FROM signing_keys").fetchone()[0]) == b"\xab" * 32


def test_a_feed_cannot_change_the_terminal_identity(conn):
    rows = [upsert("setting:terminal_id", {"type": "setting", "key": "terminal_id", "value": "K9"}),
            upsert("setting:language", {"type": "setting", "key": "language", "value": "en"})]
    result = apply(conn, "settings", page("settings", rows))
    assert get(conn, "terminal_id") == TERMINAL
    assert result.quarantined == 1 and "registration" in quarantined(conn)["setting:terminal_id"]


def test_central_order_replaces_the_local_one(conn):
    with transaction(conn):
        conn.execute("INSERT INTO orders(id, number, channel, fulfilment, status, pickup_store_id, total, "
                     "created_at, updated_at, local) VALUES ('o1', 'MSK1-K1-000001', 'kiosk', 'pickup', 'placed', "
                     "'MSK1', 9990, 1, 1, 1)")
        conn.execute("INSERT INTO order_lines(order_id, line_no, sku, name, qty_milli, unit_price, amount) "
                     "VALUES ('o1', 1, '1001', 'x', 1000, 9990, 9990)")
        conn.execute("INSERT INTO holds(id, sku, qty_milli, order_id, outbox_seq, created_at) "
                     "VALUES ('h1', '1001', 1000, 'o1', 1, 1)")
    apply(conn, "orders", page("orders", [order("o1", "MSK1-K1-000001", status="ready", channel="kiosk")]))
    row = conn.execute("SELECT status, local FROM orders WHERE id = 'o1'").fetchone()
    assert tuple(row) == ("ready", 0)
    assert conn.execute("SELECT COUNT(*) FROM order_lines WHERE order_id = 'o1'").fetchone()[0] == 1
    apply(conn, "orders", page("orders", [order("o1", "MSK1-K1-000001", status="collected", channel="kiosk")],
                               cursor="10", next_cursor="11"))
    assert conn.execute("SELECT released_at FROM holds WHERE id = 'h1'").fetchone()[0] is not None


def test_staff_tombstone_keeps_the_name_but_not_the_sign_in(conn):
    apply(conn, "staff", page("staff", [staff("S1")]))
    apply(conn, "staff", page("staff", [delete("staff:S1")], cursor="10", next_cursor="11"))
    assert tuple(conn.execute("SELECT name, active FROM staff").fetchone()) == ("Мария", 0)


def test_future_prices_are_stored_for_offline_switching(conn):
    apply(conn, "catalogue", page("catalogue", [product("1001")]))
    apply(conn, "prices", page("prices", [price("1001", 10000), price("1001", 8000, valid_from=2000)]))
    assert prices.price_at(conn, "1001", 1999).regular == 10000
    assert prices.price_at(conn, "1001", 2000).regular == 8000


# ---------------------------------------------------------------- bad rows


BAD_ROWS = [
    ("float money", price("1001", 99.9), "whole kopecks"),
    ("negative money", price("1001", -1), "whole kopecks"),
    ("bool money", price("1001", True), "whole kopecks"),
    ("bad GTIN", product("1002", barcodes=["4601234567890"]), "not a valid GTIN"),
    ("no name", product("1003", name_ru="", name_en=""), "no name"),
    ("VAT out of range", product("1004", vat_rate_bp=20000), "vat_rate_bp"),
    ("bad promotion params", promo("X", params={"percent_bp": 20000, "target": {"skus": ["1"]}}), "promotion X"),
    ("unknown promotion kind", promo("Y", kind="free_money"), "unknown kind"),
    ("bad PIN hash", staff("S9", pin_hash="md5$abc"), "PIN hash"),
    ("unknown role", staff("S8", role="owner"), "role"),
    ("key and data disagree", upsert("product:1005", product("1006")["data"]), "key names"),
    ("row of another feed", price("1001", 100), "does not belong"),
    ("unknown op", {"op": "merge", "key": "product:1007", "data": {}}, "op must be"),
    ("garbage", "not a row", "must be an object"),
    ("order with float total", order("o9", "N9", total=10.5), "whole kopecks"),
    ("order status unknown", order("o8", "N8", status="lost"), "status"),
    ("order line qty zero", order("o7", "N7", lines=[{"line_no": 1, "sku": "1", "name": "", "qty_milli": 0,
                                                      "unit_price": 1, "amount": 1}]), "qty_milli"),
    ("card listed twice", customer("C9", 0, cards=("2900000000018", "2900000000018")), "twice"),
    ("short signing key", upsert("key:k2", {"kid": "k2", "secret": "abcd"}), "16 bytes"),
    ("negative reservation", upsert("stock:1001", {"sku": "1001", "on_hand_milli": 1, "reserved_milli": -1}),
     "reserved_milli"),
    ("pickup code in clear", order("o6", "N6", pickup_code_hash="123456"), "SHA-256"),
]
FEED_OF = {"product": "catalogue", "price": "prices", "promo": "promotions", "staff": "staff", "order": "orders",
           "customer": "customers", "key": "settings", "stock": "inventory"}


@pytest.mark.parametrize("name,row,reason", BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_bad_rows_are_quarantined_with_a_reason(conn, name, row, reason):
    apply(conn, "catalogue", page("catalogue", [product("1001")], next_cursor="1"))
    feed = "catalogue" if name == "row of another feed" else FEED_OF.get(
        str(row.get("key", "product:")).split(":")[0] if isinstance(row, dict) else "product", "catalogue")
    cursor = "1" if feed == "catalogue" else ""
    result = apply(conn, feed, page(feed, [row], cursor=cursor, next_cursor="2"))
    assert (result.applied, result.quarantined) == (0, 1)
    [(key, why)] = quarantined(conn).items()
    assert reason in why, why
    assert feed_row(conn, feed)["cursor"] == "2"


def test_a_bad_row_is_quarantined_and_the_rest_applies(conn):
    rows = [product("1001"), product("1002", barcodes=["4601234567890"]), product("1003")]
    result = apply(conn, "catalogue", page("catalogue", rows, next_cursor="5"))
    assert (result.applied, result.quarantined) == (2, 1)
    assert by_sku(conn, "1002") is None and by_sku(conn, "1003") is not None
    assert "check digit" in quarantined(conn)["product:1002"] or "GTIN" in quarantined(conn)["product:1002"]
    assert feed_row(conn, "catalogue")["cursor"] == "5"
    stored = json.loads(conn.execute("SELECT payload FROM quarantine").fetchone()[0])
    assert stored["data"]["sku"] == "1002"
    # central fixes the row: the good version applies and the quarantine entry goes
    apply(conn, "catalogue", page("catalogue", [product("1002")], cursor="5", next_cursor="6"))
    assert by_sku(conn, "1002") is not None and quarantined(conn) == {}


def test_a_mostly_bad_page_is_rejected_whole(conn):
    apply(conn, "catalogue", page("catalogue", [product("1001")], next_cursor="5"))
    apply(conn, "prices", page("prices", [price("1001", 9990)], next_cursor="5"))
    garbage = [price("1001", 1.5, valid_from=1), price("1001", -5, valid_from=2), price("1001", "10", valid_from=3),
               price("1001", 100, valid_from=4)]
    with pytest.raises(PageRejected, match="3 of 4 rows are bad"):
        apply(conn, "prices", page("prices", garbage, cursor="5", next_cursor="9"))
    state = feed_row(conn, "prices")
    assert state["cursor"] == "5" and "3 of 4 rows are bad" in state["last_error"]
    assert [tuple(r) for r in conn.execute("SELECT sku, valid_from, price FROM prices")] == [("1001", 0, 9990)]
    assert quarantined(conn) == {}
    # the next good page clears the error
    apply(conn, "prices", page("prices", [price("1001", 8990)], cursor="5", next_cursor="9"))
    assert feed_row(conn, "prices")["last_error"] is None


@pytest.mark.parametrize("broken,reason", [
    ({"rows": "x"}, "no rows list"),
    ({"next_cursor": 5}, "next_cursor"),
    ({"more": "yes"}, "more must be"),
    ({"more": True, "rows": []}, "would loop"),
    ({"more": True, "next_cursor": ""}, "did not move"),
    ({"feed": "prices"}, "got a page of"),
    ({"cursor": "77"}, "asked from cursor"),
    ({"included": {TERMINAL: -1}}, "included"),
    ({"version": 1.5}, "version"),
])
def test_a_broken_envelope_rejects_the_page(conn, broken, reason):
    pg = page("catalogue", [product("1001")])
    pg.update(broken)
    with pytest.raises(PageRejected, match=reason):
        apply_page(conn, "catalogue", pg, terminal_id=TERMINAL, now=1, sent_cursor="")
    assert by_sku(conn, "1001") is None
    assert reason.split()[0] in feed_row(conn, "catalogue")["last_error"]


def test_a_price_for_a_product_not_here_yet_is_held_and_applied_later(conn):
    result = apply(conn, "prices", page("prices", [price("2001", 500)]))
    assert (result.applied, result.held) == (0, 1)
    assert feed_row(conn, "prices")["cursor"] == "10"         # held rows do not stall the feed
    assert retry_quarantined(conn, "prices", terminal_id=TERMINAL, now=1) == 0
    apply(conn, "catalogue", page("catalogue", [product("2001")]))
    assert retry_quarantined(conn, "prices", terminal_id=TERMINAL, now=1) == 1
    assert prices.price_at(conn, "2001", 1).regular == 500 and quarantined(conn) == {}


def test_held_stock_keeps_its_page_included_seq(conn):
    apply(conn, "inventory", page("inventory", [stock("2001", 4000)], included={TERMINAL: 12}))
    apply(conn, "catalogue", page("catalogue", [product("2001")]))
    retry_quarantined(conn, "inventory", terminal_id=TERMINAL, now=1)
    assert tuple(conn.execute("SELECT on_hand_milli, included_seq FROM stock").fetchone()) == (4000, 12)


def test_a_row_the_store_refuses_is_quarantined_alone(conn):
    # each row is fine alone; the second breaks the unique order number in the store
    rows = [order("o1", "N-1"), order("o2", "N-1"), order("o3", "N-3")]
    result = apply(conn, "orders", page("orders", rows))
    assert (result.applied, result.quarantined) == (2, 1)
    assert [r[0] for r in conn.execute("SELECT id FROM orders ORDER BY id")] == ["o1", "o3"]
    assert "refused by the local store" in quarantined(conn)["order:o2"]
    assert feed_row(conn, "orders")["cursor"] == "10"


# ---------------------------------------------------------------- 410: the feed again from ""


def test_resync_removes_rows_whose_tombstones_were_missed(conn):
    apply(conn, "catalogue", page("catalogue", [product("1001"), product("1002"), product("1003")]))
    start_resync(conn, "catalogue", 5)
    assert feed_row(conn, "catalogue")["cursor"] == ""
    apply(conn, "catalogue", page("catalogue", [product("1001")], next_cursor="90", more=True))
    assert by_sku(conn, "1003") is not None                   # nothing pruned before the pass ends
    result = apply(conn, "catalogue", page("catalogue", [product("1003")], cursor="90", next_cursor="95"))
    assert result.pruned == 1
    assert [r[0] for r in conn.execute("SELECT sku FROM products ORDER BY sku")] == ["1001", "1003"]
    assert conn.execute("SELECT COUNT(*) FROM feed_resync_keys").fetchone()[0] == 0


def test_resync_keeps_orders_made_here(conn):
    with transaction(conn):
        conn.execute("INSERT INTO orders(id, number, channel, fulfilment, status, total, created_at, updated_at, "
                     "local) VALUES ('mine', 'N1', 'kiosk', 'delivery', 'placed', 1, 1, 1, 1)")
    start_resync(conn, "orders", 5)
    apply(conn, "orders", page("orders", []))
    assert conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 1


# ---------------------------------------------------------------- properties


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                       max_size=3), max_leaves=8)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(feed=st.sampled_from(["settings", "staff", "stores", "catalogue", "prices", "promotions", "inventory",
                             "customers", "orders"]),
       kind=st.sampled_from(["setting", "key", "staff", "store", "category", "brand", "product", "price", "promo",
                             "stock", "net", "customer", "order", "x"]),
       rest=st.text(max_size=12), op=st.sampled_from(["upsert", "delete", "x"]),
       data=st.dictionaries(st.sampled_from(["id", "sku", "key", "kind", "price", "valid_from", "name_ru", "unit",
                                             "vat_rate_bp", "on_hand_milli", "location_id", "number", "lines",
                                             "params", "role", "pin_hash", "value", "secret", "cards"]),
                            json_values, max_size=8))
def test_any_row_either_parses_or_is_refused_with_a_reason(feed, kind, rest, op, data):
    try:
        item = parse_row(feed, {"op": op, "key": f"{kind}:{rest}", "data": data})
    except RowError as exc:
        assert exc.reason
    else:
        assert item.op in ("upsert", "delete")


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(amounts=st.lists(st.one_of(st.integers(-5, 10**6), st.floats(allow_nan=False, width=32), st.booleans(),
                                  st.text(max_size=3)), min_size=1, max_size=12))
def test_a_page_is_applied_or_rejected_never_half(tmp_path_factory, amounts):
    conn = local_store(tmp_path_factory.mktemp("p") / "till.db")
    apply(conn, "catalogue", page("catalogue", [product("1001")]))
    rows = [price("1001", a, valid_from=i) for i, a in enumerate(amounts)]
    good = [i for i, a in enumerate(amounts) if type(a) is int and a >= 0]
    try:
        apply(conn, "prices", page("prices", rows))
    except PageRejected:
        assert conn.execute("SELECT COUNT(*) FROM prices").fetchone()[0] == 0
        assert feed_row(conn, "prices")["cursor"] == ""
    else:
        assert [r[0] for r in conn.execute("SELECT valid_from FROM prices ORDER BY valid_from")] == good
        assert conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0] == len(amounts) - len(good)
        assert feed_row(conn, "prices")["cursor"] == "10"
    conn.close()
