"""The sync agent against the real central over HTTP on 127.0.0.1 (seeded demo chain).

Cycles run in this process (``Terminal.sync``); the process-level tests (CLI, SIGKILL,
requests, 401/403) are in test_sync_process.py.
"""
from __future__ import annotations

import json
import time

import pytest
import requests

from bench.faults.proxy import Proxy
from retail import inventory, loyalty, outbox, prices
from retail.catalogue import by_sku
from retail.store import integrity_ok, transaction
from sync.errors import TransportError
from sync.push import push_pending
from sync.status import read_status
from till import priced_skus, sell

KEY_TABLES = {  # key prefix -> SQL counting the local rows of that kind
    "setting": None, "key": "SELECT COUNT(*) FROM signing_keys", "staff": "SELECT COUNT(*) FROM staff",
    "store": "SELECT COUNT(*) FROM stores", "category": "SELECT COUNT(*) FROM categories WHERE name_ru <> ''",
    "brand": "SELECT COUNT(*) FROM brands", "product": "SELECT COUNT(*) FROM products",
    "price": "SELECT COUNT(*) FROM prices", "promo": "SELECT COUNT(*) FROM promotions",
    "stock": "SELECT COUNT(*) FROM stock", "net": "SELECT COUNT(*) FROM network_stock",
    "customer": "SELECT COUNT(*) FROM customers", "order": "SELECT COUNT(*) FROM orders",
}


def served(central, store: str, terminal: str) -> dict[str, int]:
    """What central's feeds hold for this store, counted by key kind (the oracle)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {central.token(store, terminal)}"
    counts: dict[str, int] = {}
    for feed in ("settings", "staff", "stores", "catalogue", "prices", "promotions", "inventory", "customers",
                 "orders"):
        cursor, live = "", {}
        while True:
            page = session.get(f"{central.url}/api/v1/stores/{store}/feeds/{feed}",
                               params={"cursor": cursor, "limit": 20000}, timeout=30).json()
            for row in page["rows"]:
                live[row["key"]] = row["op"] == "upsert"
            cursor = page["next_cursor"]
            if not page["more"]:
                break
        for key, alive in live.items():
            if alive:
                kind = key.split(":", 1)[0]
                counts[kind] = counts.get(kind, 0) + 1
    return counts


def local_counts(conn) -> dict[str, int]:
    return {k: conn.execute(sql).fetchone()[0] for k, sql in KEY_TABLES.items() if sql}


def assert_mirrors(central, term) -> None:
    expected = served(central, term.store, term.terminal)
    got = local_counts(term.conn)
    for kind, sql in KEY_TABLES.items():
        if sql:
            assert got[kind] == expected.get(kind, 0), f"{kind}: local {got[kind]} != central {expected.get(kind, 0)}"


def central_stock(central, location: str, sku: str) -> tuple[int, int, int]:
    conn = central.db()
    try:
        row = conn.execute("SELECT on_hand_milli, reserved_milli, safety_milli FROM stock "
                           "WHERE location_id = ? AND sku = ?", (location, sku)).fetchone()
        return tuple(row)
    finally:
        conn.close()


# ---------------------------------------------------------------- initial sync and deltas


def test_initial_sync_mirrors_central(central, terminals):
    t = terminals(central.stores[0], "P1")
    report = t.sync(page_limit=25)                 # small pages: many pages per feed
    assert report.ok, report.feed_errors
    assert_mirrors(central, t)
    assert local_counts(t.conn)["product"] > 0 and local_counts(t.conn)["price"] > 0
    s = read_status(t.conn)
    assert s.quarantined == 0 and all(f.last_error is None for f in s.feeds.values())
    assert all(f.last_success_at and f.cursor for f in s.feeds.values())
    assert s.last_contact_at is not None and abs(s.clock_offset_s) < 5
    assert integrity_ok(t.conn)
    # a second cycle brings nothing new and changes nothing
    before = {k: v for k, v in local_counts(t.conn).items()}
    assert t.sync().pulled.rows == 0
    assert local_counts(t.conn) == before


def test_deltas_and_tombstones_arrive(central, terminals):
    from central.storage import catalogue as central_catalogue
    from central.storage import transaction as central_tx
    from central.storage.versions import next_version

    t = terminals(central.stores[0], "P1")
    t.sync()
    db = central.db()
    referenced = {r[0] for r in db.execute("SELECT sku FROM stock_movements UNION SELECT sku FROM order_lines "
                                          "UNION SELECT sku FROM reservations")}
    sku, gone = [s for s in priced_skus(t.conn, 40) if s not in referenced][:2]
    with central_tx(db):
        # a rename, a new price, a deleted product, a deleted price
        db.execute("UPDATE products SET name_ru = 'Новое имя', version = ? WHERE sku = ?", (next_version(db), sku))
        central_catalogue.upsert_prices(db, t.store, [(sku, "regular", int(time.time()) - 10, None, 4242)])
        central_catalogue.delete_product(db, gone, int(time.time()))
    db.close()
    report = t.sync()
    assert report.ok
    assert by_sku(t.conn, sku).name_ru == "Новое имя"
    assert prices.price_at(t.conn, sku, int(time.time())).regular == 4242
    assert by_sku(t.conn, gone) is None
    assert_mirrors(central, t)


def test_a_price_delta_touches_only_prices(central, terminals):
    from central.storage import catalogue as central_catalogue
    from central.storage import transaction as central_tx

    t = terminals(central.stores[0], "P1")
    t.sync()
    skus = priced_skus(t.conn, 10)
    products_before = [tuple(r) for r in t.conn.execute("SELECT * FROM products ORDER BY id")]
    db = central.db()
    with central_tx(db):
        central_catalogue.upsert_prices(db, t.store, [(s, "regular", int(time.time()) - 5, None, 777) for s in skus])
    db.close()
    report = t.sync()
    prices_run = next(f for f in report.pulled.feeds if f.feed == "prices")
    assert prices_run.applied == 10
    assert sum(f.rows for f in report.pulled.feeds if f.feed != "prices") == 0
    assert [tuple(r) for r in t.conn.execute("SELECT * FROM products ORDER BY id")] == products_before


# ---------------------------------------------------------------- terminals seeing each other


def test_a_sale_at_one_store_lowers_the_network_stock_another_sees(central, terminals):
    home, other = central.stores[0], central.stores[1]
    a, k, b = terminals(home, "P1"), terminals(home, "K1"), terminals(other, "P1")
    for t in (a, k, b):
        t.sync()
    sku = priced_skus(a.conn, 1)[0]
    net_before = {n.location_id: n.available_milli for n in inventory.network_availability(b.conn, sku)}[home]
    kiosk_before = inventory.available(k.conn, sku).available
    sale = sell(a.conn, [(sku, 2)])
    assert inventory.available(a.conn, sku).unreflected_movements == -2000   # counted locally at once
    a.sync()
    assert outbox.counts(a.conn)["pending"] == 0
    # A's own figure now comes from central and includes the sale exactly once
    after = inventory.available(a.conn, sku)
    assert after.unreflected_movements == 0 and after.included_seq >= sale.outbox_seq
    b.sync()
    k.sync()
    net_after = {n.location_id: n.available_milli for n in inventory.network_availability(b.conn, sku)}[home]
    assert net_after == net_before - 2000
    assert inventory.available(k.conn, sku).available == max(0, kiosk_before - 2000)


def test_points_earned_at_one_store_are_spendable_at_another(central, terminals):
    home, other = central.stores[0], central.stores[1]
    a, b = terminals(home, "P1"), terminals(other, "P1")
    a.sync()
    b.sync()
    cid = a.conn.execute("SELECT id FROM customers ORDER BY id LIMIT 1").fetchone()[0]
    start = loyalty.get_account(a.conn, cid).balance
    sku = max(priced_skus(a.conn, 20), key=lambda s: prices.price_at(a.conn, s, int(time.time())).regular)
    sale = sell(a.conn, [(sku, 5)], customer_id=cid)
    assert sale.points_earned > 0
    assert loyalty.get_account(a.conn, cid).balance == start + sale.points_earned   # shown at A at once
    a.sync()
    assert loyalty.get_account(a.conn, cid).balance == start + sale.points_earned   # and not twice after
    b.sync()
    at_b = loyalty.get_account(b.conn, cid)
    assert at_b.balance == start + sale.points_earned and at_b.pending_points == 0
    spend = min(at_b.balance, prices.price_at(b.conn, sku, int(time.time())).regular // loyalty.point_value(b.conn))
    assert spend > 0
    spent = sell(b.conn, [(sku, 1)], customer_id=cid, points=spend)
    assert spent.points_redeemed == spend
    b.sync()
    assert outbox.counts(b.conn)["pending"] == 0 and outbox.counts(b.conn)["dead"] == 0
    final = start + sale.points_earned - spend + spent.points_earned
    assert loyalty.get_account(b.conn, cid).balance == final
    a.sync()
    assert loyalty.get_account(a.conn, cid).balance == final


# ---------------------------------------------------------------- pushing safely


def test_pushing_again_gets_duplicates_with_the_first_results(central, terminals):
    t = terminals(central.stores[0], "P1")
    t.sync()
    skus = priced_skus(t.conn, 3)
    for sku in skus:
        sell(t.conn, [(sku, 1)])
    t.sync()
    first = {r[0]: r[1] for r in t.conn.execute("SELECT seq, result FROM outbox")}
    # as if the acknowledgements had been lost: everything pending again
    with transaction(t.conn):
        t.conn.execute("UPDATE outbox SET status = 'pending', result = NULL, acked_at = NULL")
    agent = t.agent()
    try:
        report = push_pending(t.conn, agent.client)
    finally:
        agent.close()
    assert (report.accepted, report.duplicate) == (0, len(first))
    assert {r[0]: r[1] for r in t.conn.execute("SELECT seq, result FROM outbox")} == first
    db = central.db()
    assert db.execute("SELECT COUNT(*) FROM sales WHERE terminal_id = 'P1' AND store_id = ?",
                      (t.store,)).fetchone()[0] == 3
    db.close()


def synced_behind(proxy, central, terminals):
    """A synced terminal talking to central through ``proxy``, a SKU and central's stock of it."""
    t = terminals(central.stores[0], "P1", url=proxy.url)
    t.sync()
    sku = priced_skus(t.conn, 1)[0]
    return t, sku, central_stock(central, t.store, sku)[0]


def test_a_lost_acknowledgement_heals_without_doubling(central, terminals):
    proxy = Proxy(central.url)
    try:
        t, sku, before = synced_behind(proxy, central, terminals)
        sell(t.conn, [(sku, 1)])
        sell(t.conn, [(sku, 2)])
        proxy.rule = lambda method, path, body: "drop" if path.endswith("/events") else "pass"
        with pytest.raises(TransportError):
            t.sync()
        assert central_stock(central, t.store, sku)[0] == before - 3000     # central committed both
        waiting = outbox.counts(t.conn)["pending"]
        assert waiting == 3                      # shift opening and two sales: the terminal does not know
        proxy.rule = lambda method, path, body: "pass"
        report = t.sync()
        assert report.pushed[0].duplicate == waiting and report.pushed[0].accepted == 0
        assert outbox.counts(t.conn)["pending"] == 0
        assert central_stock(central, t.store, sku)[0] == before - 3000     # not doubled
        results = [json.loads(r[0]) for r in t.conn.execute("SELECT result FROM outbox WHERE kind = 'sale'")]
        assert all(r.get("sale_id") for r in results)
        assert inventory.available(t.conn, sku).unreflected_movements == 0
    finally:
        proxy.close()


def sold_then_restored(central, terminals, tmp_path):
    """A terminal that sold twice (acknowledged), then central restored from a backup before both
    sales: the terminal, the SKU sold and central's stock of it before the sales."""
    from central_fixture import copy_database

    t = terminals(central.stores[0], "P1")
    t.sync()
    backup = tmp_path / "central-backup.db"
    copy_database(central.db_path, backup)
    sku = priced_skus(t.conn, 1)[0]
    before = central_stock(central, t.store, sku)[0]
    sell(t.conn, [(sku, 1)])
    sell(t.conn, [(sku, 2)])
    t.sync()
    assert outbox.counts(t.conn)["acked"] == 3 and central_stock(central, t.store, sku)[0] == before - 3000
    central.stop()                                  # central is restored from last night's backup
    copy_database(backup, central.db_path)
    central.start()
    assert central_stock(central, t.store, sku)[0] == before
    return t, sku, before


def test_events_central_lost_in_a_restore_are_sent_again(central, terminals, tmp_path):
    t, sku, before = sold_then_restored(central, terminals, tmp_path)
    report = t.sync()
    assert report.ok and report.pushed[0].resent == 3 and report.pushed[0].accepted == 3
    assert outbox.counts(t.conn) == {"pending": 0, "acked": 3, "dead": 0}
    assert central_stock(central, t.store, sku)[0] == before - 3000
    assert all(f.rows > 0 for f in report.pulled.feeds if f.feed in ("catalogue", "inventory"))  # from ""
    assert inventory.available(t.conn, sku).unreflected_movements == 0
    assert_mirrors(central, t)


def test_events_central_lost_go_again_ahead_of_the_pending_ones(central, terminals, tmp_path):
    t, sku, before = sold_then_restored(central, terminals, tmp_path)
    sell(t.conn, [(sku, 4)])          # a sale waiting to go: central defers it until the lost ones are back
    report = t.sync()
    assert report.ok and report.pushed[0].resent == 3 and report.pushed[0].accepted == 4
    assert outbox.counts(t.conn) == {"pending": 0, "acked": 4, "dead": 0}
    assert central_stock(central, t.store, sku)[0] == before - 7000


def test_batches_sent_ahead_of_one_central_failed_on_are_sent_again_and_applied_once(central, terminals):
    proxy = Proxy(central.url)
    try:
        t, sku, before = synced_behind(proxy, central, terminals)
        for _ in range(9):
            sell(t.conn, [(sku, 1)])
        posts = []

        def second_post_fails(method, path, body):
            if path.endswith("/events"):
                posts.append(path)
                if len(posts) == 2:       # the next batch is already on its way behind this one
                    return 500, '{"detail": "boom"}'
            return "pass"

        proxy.rule = second_post_fails
        agent = t.agent()
        try:
            report = push_pending(t.conn, agent.client, batch=2)
        finally:
            agent.close()
        sent = outbox.counts(t.conn)["acked"]     # the 9 sales and the shift their first one opened
        assert report.poison == [] and report.dead == 0 and report.deferred > 0 and sent >= 9
        assert outbox.counts(t.conn) == {"pending": 0, "acked": sent, "dead": 0}
        assert central_stock(central, t.store, sku)[0] == before - 9000   # each sale once
        conn = central.db()
        try:
            assert conn.execute("SELECT COUNT(*) FROM events WHERE store_id = ? AND terminal_id = 'P1' "
                                "AND status = 'accepted'", (t.store,)).fetchone()[0] == sent
        finally:
            conn.close()
    finally:
        proxy.close()


def test_a_rejected_event_becomes_a_dead_letter_and_the_rest_goes_on(central, terminals):
    t = terminals(central.stores[0], "P1")
    t.sync()
    good_sku = priced_skus(t.conn, 1)[0]
    with transaction(t.conn):
        bad = outbox.emit(t.conn, "cash", {"id": "c-1", "shift_id": None, "kind": "sideways", "amount": -5,
                                           "reason": "", "at": 1, "staff_id": ""})
    sell(t.conn, [(good_sku, 1)])
    agent = t.agent()
    try:
        for attempt in range(1, 4):
            report = push_pending(t.conn, agent.client, max_attempts=3)
            assert report.rejected == 1
        assert report.dead == 1
    finally:
        agent.close()
    row = t.conn.execute("SELECT status, attempts, last_error FROM outbox WHERE seq = ?", (bad.seq,)).fetchone()
    assert row[0] == "dead" and row[1] == 3 and row[2]
    assert outbox.counts(t.conn) == {"pending": 0, "acked": outbox.counts(t.conn)["acked"], "dead": 1}
    s = read_status(t.conn)
    assert s.outbox.dead == 1 and any("dead letters" in w for w in s.warnings)


def test_an_event_central_fails_on_is_isolated(central, terminals):
    proxy = Proxy(central.url)
    try:
        t = terminals(central.stores[0], "P1", url=proxy.url)
        t.sync()
        skus = priced_skus(t.conn, 6)
        sales = [sell(t.conn, [(s, 1)]) for s in skus]
        poison = t.conn.execute("SELECT id, seq FROM outbox WHERE seq = ?", (sales[3].outbox_seq,)).fetchone()
        proxy.rule = lambda method, path, body: ((500, '{"detail": "boom"}') if poison[0].encode() in body
                                                 else "pass")
        agent = t.agent()
        try:
            for _ in range(3):
                report = push_pending(t.conn, agent.client, max_attempts=3, batch=200)
                assert report.poison == [poison[1]]
        finally:
            agent.close()
        statuses = dict(t.conn.execute("SELECT seq, status FROM outbox"))
        assert statuses[poison[1]] == "dead"
        # everything before it went through; central keeps the later ones waiting for it (strict order)
        assert all(statuses[s.outbox_seq] == "acked" for s in sales[:3])
        assert all(statuses[s.outbox_seq] == "pending" for s in sales[4:])
        # and the console says so, not only that there is a dead letter
        assert f"2 events wait at central behind dead letter {poison[1]}" in "\n".join(read_status(t.conn).warnings)
    finally:
        proxy.close()


def test_a_failing_central_blames_no_event(central, terminals):
    proxy = Proxy(central.url)
    try:
        t = terminals(central.stores[0], "P1", url=proxy.url)
        t.sync()
        sell(t.conn, [(priced_skus(t.conn, 1)[0], 1)])
        proxy.rule = lambda method, path, body: (500, '{"detail": "database is down"}')
        agent = t.agent()
        try:
            with pytest.raises(TransportError):
                push_pending(t.conn, agent.client, max_attempts=1)
        finally:
            agent.close()
        assert tuple(t.conn.execute("SELECT status, attempts FROM outbox").fetchone()) == ("pending", 0)
    finally:
        proxy.close()


# ---------------------------------------------------------------- bad data from central


def _corrupt_products(central, skus: list[str]) -> None:
    """Give products barcodes that are not GTINs, straight into central's database."""
    from central.storage import transaction as central_tx
    from central.storage.versions import next_version

    db = central.db()
    with central_tx(db):
        for i, sku in enumerate(skus):
            db.execute("INSERT INTO barcodes(code, sku) VALUES (?, ?)", (f"46000000000{i:02d}", sku))
            db.execute("UPDATE products SET version = ? WHERE sku = ?", (next_version(db), sku))
    db.close()


def test_a_bad_row_from_central_is_quarantined(central, terminals):
    t = terminals(central.stores[0], "P1")
    t.sync()
    sku, other = priced_skus(t.conn, 2)
    _corrupt_products(central, [sku])
    from central.storage import transaction as central_tx
    from central.storage.versions import next_version

    db = central.db()
    with central_tx(db):
        db.execute("UPDATE products SET name_ru = 'Хорошо', version = ? WHERE sku = ?", (next_version(db), other))
    db.close()
    report = t.sync()
    assert report.ok
    s = read_status(t.conn)
    assert s.quarantined == 1 and s.feeds["catalogue"].last_error is None
    reason = t.conn.execute("SELECT row_key, reason FROM quarantine").fetchone()
    assert reason[0] == f"product:{sku}" and "GTIN" in reason[1]
    assert by_sku(t.conn, other).name_ru == "Хорошо"
    assert by_sku(t.conn, sku) is not None                     # the previous version stays


def test_a_mostly_bad_page_from_central_is_rejected_and_the_old_data_stays(central, terminals):
    t = terminals(central.stores[0], "P1")
    t.sync()
    skus = priced_skus(t.conn, 8)
    names_before = {s: by_sku(t.conn, s).name_ru for s in skus}
    cursor_before = read_status(t.conn).feeds["catalogue"].cursor
    _corrupt_products(central, skus[:6])
    from central.storage import transaction as central_tx
    from central.storage.versions import next_version

    db = central.db()
    with central_tx(db):
        for s in skus[6:]:
            db.execute("UPDATE products SET name_ru = 'Новое', version = ? WHERE sku = ?", (next_version(db), s))
    db.close()
    report = t.sync()
    assert not report.ok and "catalogue" in report.feed_errors[0]
    s = read_status(t.conn)
    assert "6 of 8 rows are bad" in s.feeds["catalogue"].last_error
    assert s.feeds["catalogue"].cursor == cursor_before
    assert {x: by_sku(t.conn, x).name_ru for x in skus} == names_before
    assert s.feeds["prices"].last_error is None                 # the other feeds went on


# ---------------------------------------------------------------- 410, clock, offline


def test_a_cursor_central_does_not_know_restarts_the_feed(central, terminals):
    t = terminals(central.stores[0], "P1")
    t.sync()
    with transaction(t.conn):
        t.conn.execute("UPDATE feed_state SET cursor = '999999999' WHERE feed = 'catalogue'")
        t.conn.execute("INSERT INTO products(id, sku, name_ru, name_en, unit, vat_rate_bp) "
                       "VALUES (999999, 'GHOST', 'Призрак', 'Ghost', 'pcs', 2000)")
    report = t.sync()
    assert report.ok
    run = next(f for f in report.pulled.feeds if f.feed == "catalogue")
    assert run.restarted
    assert by_sku(t.conn, "GHOST") is None                       # its tombstone was never seen
    assert_mirrors(central, t)


def test_a_cursor_central_calls_malformed_restarts_the_feed(central, terminals):
    t = terminals(central.stores[0], "P1")
    t.sync()
    with transaction(t.conn):
        t.conn.execute("UPDATE feed_state SET cursor = 'not-a-cursor' WHERE feed = 'prices'")
    report = t.sync()
    assert report.ok and next(f for f in report.pulled.feeds if f.feed == "prices").restarted
    assert_mirrors(central, t)


def test_clock_skew_is_measured_and_reported(central, terminals):
    central.clock_offset = 600
    t = terminals(central.stores[0], "P1")
    t.sync()
    s = read_status(t.conn)
    assert 595 < s.clock_offset_s < 605
    assert any("clock" in w for w in s.warnings)


def test_a_scheduled_price_and_promotion_switch_on_while_central_is_down(central, terminals):
    from central import records
    from central.storage import catalogue as central_catalogue
    from central.storage import transaction as central_tx
    from retail.pricing import PricingContext
    from retail.promotions import PromotionBook

    t = terminals(central.stores[0], "P1")
    t.sync()
    sku = priced_skus(t.conn, 1)[0]
    old = prices.price_at(t.conn, sku, int(time.time())).regular
    switch_at = int(time.time()) + 2
    db = central.db()
    with central_tx(db):
        central_catalogue.upsert_prices(db, t.store, [(sku, "regular", switch_at, None, old + 1000)])
        central_catalogue.upsert_promotions(db, t.store, [records.promotion({
            "id": "LATER", "kind": "percent_off", "name_ru": "Скоро", "name_en": "Soon", "valid_from": switch_at,
            "params": {"target": {"skus": [sku]}, "percent_bp": 1000}})], at=int(time.time()))
    db.close()
    t.sync()
    central.stop()
    with pytest.raises(TransportError):
        t.sync()
    book = PromotionBook()
    later = [p for p in book.active(t.conn, int(time.time())) if p.id == "LATER"]
    assert later and not later[0].is_active(PricingContext(now=int(time.time())))
    assert prices.price_at(t.conn, sku, int(time.time())).regular == old
    time.sleep(max(0.0, switch_at - time.time()) + 0.1)
    now = int(time.time())
    assert prices.price_at(t.conn, sku, now).regular == old + 1000
    assert later[0].is_active(PricingContext(now=now))
    s = read_status(t.conn)
    assert not s.online and s.offline_since is not None


def test_a_fresh_terminal_loads_in_large_pages_and_a_resync_in_short_ones(central, terminals, monkeypatch):
    """First load: central's largest pages (nothing on the till waits yet). A resync of a
    store with data (the manager's, a 410 restart) keeps the short pages a sale can wait behind."""
    from sync import pull
    from sync.client import CentralClient

    asked: list[tuple[str, int]] = []
    raw = CentralClient.feed_page_raw

    def recording(self, feed, cursor, limit):
        asked.append((feed, limit))
        return raw(self, feed, cursor, limit)

    monkeypatch.setattr(CentralClient, "feed_page_raw", recording)
    t = terminals(central.stores[0], "P1")
    assert all(pull.first_load(t.conn, feed) for feed in pull.FEED_ORDER)
    assert t.sync().ok
    assert asked and {limit for _, limit in asked} == {pull.FIRST_LOAD_LIMIT}
    assert_mirrors(central, t)
    assert not any(pull.first_load(t.conn, feed) for feed in pull.FEED_ORDER)

    asked.clear()
    with transaction(t.conn):
        t.conn.execute("UPDATE feed_state SET cursor = ''")   # a full resync of a working store
    assert t.sync().ok
    assert dict(asked)["catalogue"] == pull.PAGE_LIMITS["catalogue"]
    assert dict(asked)["prices"] == pull.PAGE_LIMIT
    assert_mirrors(central, t)
