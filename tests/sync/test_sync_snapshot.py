"""A new terminal's first load from its store's snapshot, against the real central over HTTP.

The oracle is a second terminal of the same store that pulled every page: the two stores
must hold the same rows, find the same products, and go on from the same cursors.
"""
from __future__ import annotations

import json
import time

import pytest

from bench.faults.rig import agent_once, converge
from central import snapshots
from retail import prices
from retail.catalogue import by_sku
from retail.store import integrity_ok
from sync.snapshot import FEEDS, TABLES
from test_sync_http import assert_mirrors

COMPARED = ("categories", "brands", "products", "barcodes", "prices", "stock", "network_stock")


def build(central, store):
    return snapshots.build(central.db_path, store)


def rows_of(conn, table: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2')]


def found(conn, prefix: str) -> list[str]:
    from retail import search

    return [p.sku for p in search.search(conn, prefix, limit=20)]


def snapshot_of(report):
    return report.pulled.snapshot


def new_price(central, store: str, amount: int) -> str:
    """Give the store's first priced SKU a new regular price at central; returns the SKU."""
    from central.storage import catalogue as central_catalogue
    from central.storage import transaction as central_tx

    db = central.db()
    try:
        sku = db.execute("SELECT MIN(sku) FROM prices WHERE store_id = ?", (store,)).fetchone()[0]
        with central_tx(db):
            central_catalogue.upsert_prices(db, store, [(sku, "regular", int(time.time()) - 10, None, amount)])
    finally:
        db.close()
    return sku


def test_first_load_from_the_snapshot_holds_what_the_pages_hold(central, terminals):
    store = central.stores[0]
    made = build(central, store)
    assert made.rows["catalogue"] > 0 and made.rows["inventory"] > 0
    fast, paged = terminals(store, "P1"), terminals(store, "K1")
    report = fast.sync()
    assert snapshot_of(report).used, snapshot_of(report).reason
    assert "snapshot loaded" in report.summary()
    assert not paged.sync(use_snapshot=False).pulled.snapshot
    for table in COMPARED:
        assert rows_of(fast.conn, table) == rows_of(paged.conn, table), table
    for prefix in ("мо", "мол", "хлеб", "ch", "milk", "сыр"):
        assert found(fast.conn, prefix) == found(paged.conn, prefix), prefix
    cursors = "SELECT feed, cursor FROM feed_state ORDER BY feed"
    assert fast.conn.execute(cursors).fetchall() == paged.conn.execute(cursors).fetchall()
    assert_mirrors(central, fast)
    assert integrity_ok(fast.conn)
    # FTS5's own check: raises SQLITE_CORRUPT if the copied index does not match its storage
    fast.conn.execute("INSERT INTO product_search(product_search) VALUES ('integrity-check')")


def test_changes_made_after_the_build_follow_as_pages(central, terminals):
    from central.storage import catalogue as central_catalogue
    from central.storage import transaction as central_tx
    from central.storage.versions import next_version

    store = central.stores[0]
    build(central, store)
    db = central.db()
    sku, renamed = [r[0] for r in db.execute("SELECT DISTINCT sku FROM prices WHERE store_id = ? ORDER BY sku "
                                             "LIMIT 2", (store,))]
    with central_tx(db):
        central_catalogue.upsert_prices(db, store, [(sku, "regular", int(time.time()) - 10, None, 4242)])
        db.execute("UPDATE products SET name_ru = 'Новое имя', version = ? WHERE sku = ?", (next_version(db), renamed))
    db.close()
    term = terminals(store, "P1")
    report = term.sync()
    assert snapshot_of(report).used
    assert prices.price_at(term.conn, sku, int(time.time())).regular == 4242
    assert by_sku(term.conn, renamed).name_ru == "Новое имя"
    assert renamed in found(term.conn, "новое имя")
    assert_mirrors(central, term)


def test_a_damaged_download_leaves_nothing_and_the_pages_load_instead(central, terminals):
    store = central.stores[0]
    made = build(central, store)
    path = snapshots.directory_for(central.db_path) / made.file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    term = terminals(store, "P1")
    report = term.sync()
    outcome = snapshot_of(report)
    assert not outcome.used
    assert "gzip" in outcome.reason or "SHA-256" in outcome.reason
    assert not term.db_path.with_name(term.db_path.name + ".snapshot").exists()
    assert_mirrors(central, term)


def test_a_snapshot_of_another_schema_is_not_loaded(central, terminals):
    store = central.stores[0]
    build(central, store)
    manifest = snapshots.directory_for(central.db_path) / f"{store}.json"
    data = json.loads(manifest.read_text())
    data["schema"] = 999
    manifest.write_text(json.dumps(data))
    term = terminals(store, "P1")
    outcome = snapshot_of(term.sync())
    assert not outcome.used and "schema 999" in outcome.reason
    assert_mirrors(central, term)


def test_no_snapshot_means_pages_and_a_loaded_store_never_asks(central, terminals):
    store = central.stores[0]
    term = terminals(store, "P1")
    outcome = snapshot_of(term.sync())
    assert not outcome.used and outcome.reason == "central has no snapshot of this store"
    build(central, store)
    outcome = snapshot_of(term.sync())
    assert not outcome.used and "loaded already" in outcome.reason


def test_a_terminal_with_events_of_its_own_pulls_pages(central, terminals):
    """A till that opened a shift before its catalogue came: a snapshot counts none of its events."""
    from retail.shifts import open_shift

    store = central.stores[0]
    term = terminals(store, "P1")
    agent = term.agent(use_snapshot=False)
    try:
        agent.cycle(feeds=("settings", "staff", "stores"))
    finally:
        agent.close()
    cashier = term.conn.execute("SELECT id FROM staff WHERE role = 'cashier' AND active = 1 LIMIT 1").fetchone()[0]
    open_shift(term.conn, cashier, 5000_00, int(time.time()))
    build(central, store)
    outcome = snapshot_of(term.sync())
    assert not outcome.used and "events of its own" in outcome.reason
    assert_mirrors(central, term)


@pytest.mark.parametrize("crash_at", ["snapshot.feed", "snapshot.feed:2"])
def test_killed_while_copying_the_agent_recovers_without_a_lost_or_doubled_row(central, terminals, crash_at):
    store = central.stores[0]
    build(central, store)
    term = terminals(store, "P1")
    assert agent_once(term, crash_at=crash_at).returncode == -9
    loaded = {r[0] for r in term.conn.execute("SELECT feed FROM feed_state WHERE last_success_at IS NOT NULL")}
    assert loaded.isdisjoint(FEEDS) if crash_at == "snapshot.feed" else FEEDS[0] in loaded
    converge(term)
    assert_mirrors(central, term)
    assert integrity_ok(term.conn)
    assert term.conn.execute("SELECT COUNT(*) FROM products").fetchone()[0] == \
        term.conn.execute("SELECT COUNT(DISTINCT sku) FROM products").fetchone()[0]


def test_the_copied_tables_are_the_feeds_tables():
    from retail.store import connect

    conn = connect(":memory:")
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {t for tables in TABLES.values() for t in tables} <= names


@pytest.mark.parametrize("change, reason", [
    ("CREATE TRIGGER t AFTER INSERT ON prices BEGIN DELETE FROM stock; END", "triggers or views"),
    ("ALTER TABLE prices ADD COLUMN note TEXT", "table prices is not defined as this terminal's"),
    ("UPDATE product_search_config SET v = 2 WHERE k = 'automerge'", "search index is configured differently"),
    ("INSERT INTO stores(id, name_ru, name_en, kind) VALUES ('ZZZ9', 'Нет', 'None', 'store')",
     "locations the stores feed has not delivered here: ZZZ9"),
])
def test_a_file_unlike_this_terminals_store_is_refused_and_nothing_is_copied(central, terminals, tmp_path,
                                                                             change, reason):
    import gzip
    import sqlite3

    from sync.snapshot import Unusable, install

    store = central.stores[0]
    made = build(central, store)
    file = tmp_path / "unpacked.db"
    file.write_bytes(gzip.decompress((snapshots.directory_for(central.db_path) / made.file).read_bytes()))
    with sqlite3.connect(file) as conn:
        conn.execute(change)
    conn.close()
    term = terminals(store, "P1")
    agent = term.agent()
    try:
        agent.cycle(feeds=("settings", "staff", "stores"))
    finally:
        agent.close()
    with pytest.raises(Unusable, match=reason):
        install(term.db_path, file, now=int(time.time()))
    assert term.conn.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 0
    assert term.conn.execute("SELECT COUNT(*) FROM feed_state WHERE feed IN ('catalogue', 'prices', 'inventory')"
                             ).fetchone()[0] == 0


def test_a_snapshot_that_does_not_fit_on_the_disk_is_not_downloaded(central, terminals, monkeypatch):
    import shutil

    from sync import snapshot as agent_snapshot

    store = central.stores[0]
    made = build(central, store)
    real = shutil.disk_usage
    monkeypatch.setattr(agent_snapshot.shutil, "disk_usage",
                        lambda path: real(path)._replace(free=made.size))   # room for the file, not its copy
    term = terminals(store, "P1")
    outcome = snapshot_of(term.sync())
    assert not outcome.used and "MB of free disk beside the store" in outcome.reason
    assert_mirrors(central, term)


def test_a_disk_that_fills_during_the_download_means_pages(central, terminals, monkeypatch):
    from sync import snapshot as agent_snapshot

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    store = central.stores[0]
    build(central, store)
    monkeypatch.setattr(agent_snapshot, "_download", full)
    term = terminals(store, "P1")
    outcome = snapshot_of(term.sync())
    assert not outcome.used and "No space left on device" in outcome.reason
    assert_mirrors(central, term)


def test_a_snapshot_rebuilt_between_the_manifest_and_the_download_is_asked_for_again(central, terminals,
                                                                                      monkeypatch):
    from sync.client import CentralClient

    store = central.stores[0]
    stale = build(central, store).as_json()
    sku = new_price(central, store, 4343)
    fresh = build(central, store)
    assert fresh.file != stale["file"]
    real, asked = CentralClient.snapshot, []

    def first_stale(self):
        asked.append(1)
        return stale if len(asked) == 1 else real(self)

    monkeypatch.setattr(CentralClient, "snapshot", first_stale)
    term = terminals(store, "P1")
    outcome = snapshot_of(term.sync())
    assert outcome.used, outcome.reason
    assert len(asked) == 2
    assert prices.price_at(term.conn, sku, int(time.time())).regular == 4343
    assert_mirrors(central, term)


def parts_of(term) -> list:
    return sorted(term.db_path.parent.glob(term.db_path.name + ".snapshot-*.part"))


def ranges_asked(proxy, file: str) -> list:
    return [h.get("range") for (_m, path, _a), h in zip(proxy.seen, proxy.headers) if path.endswith(file)]


@pytest.fixture
def small_chunks(monkeypatch):
    """The test store's snapshot is ~64 KB: read it in 4 KB chunks (a real one: 64 KB of 323 MB)."""
    import sync.client

    monkeypatch.setattr(sync.client, "DOWNLOAD_CHUNK", 4096)


@pytest.fixture
def cut_off(central, terminals, small_chunks):
    """``cut_off(fraction=0.4)`` -> (snapshot, proxy, terminal): a terminal behind a proxy whose
    first download of its store's snapshot was cut at ``fraction``; the proxy passes all after."""
    from bench.faults.proxy import Proxy
    from sync.errors import TransportError

    proxies = []

    def cut(fraction: float = 0.4):
        store = central.stores[0]
        made = build(central, store)
        proxy = Proxy(central.url)
        proxies.append(proxy)
        term = terminals(store, "P1", url=proxy.url)
        proxy.rule = lambda method, path, body: ("truncate", fraction) if path.endswith(made.file) else "pass"
        with pytest.raises(TransportError):
            term.sync()
        proxy.rule = lambda method, path, body: "pass"
        return made, proxy, term

    yield cut
    for proxy in proxies:
        proxy.close()


def test_a_download_cut_off_ends_the_cycle_and_the_next_cycle_goes_on_from_where_it_broke(central, cut_off):
    made, proxy, term = cut_off()
    gz_size = (snapshots.directory_for(central.db_path) / made.file).stat().st_size
    assert not term.db_path.with_name(term.db_path.name + ".snapshot").exists()
    assert term.conn.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 0
    [part] = parts_of(term)
    kept = part.stat().st_size
    assert 0 < kept < gz_size
    outcome = snapshot_of(term.sync())
    assert outcome.used, outcome.reason
    assert outcome.resumed_at == kept
    assert "resumed at" in outcome.summary()
    assert ranges_asked(proxy, made.file) == [None, f"bytes={kept}-"]
    assert not parts_of(term)
    assert_mirrors(central, term)


def test_a_server_that_ignores_the_range_sends_it_all_and_the_load_starts_over(central, cut_off):
    made, proxy, term = cut_off()
    proxy.rule = lambda method, path, body: ("strip", "Range") if path.endswith(made.file) else "pass"
    outcome = snapshot_of(term.sync())
    assert outcome.used, outcome.reason
    assert outcome.resumed_at == 0
    assert not parts_of(term)
    assert_mirrors(central, term)


def test_killed_during_the_download_the_agent_goes_on_from_what_it_kept(central, cut_off):
    made, proxy, term = cut_off(0.3)
    kept_before = parts_of(term)[0].stat().st_size
    # SIGKILL right after a chunk of the rest is kept (the agent's own process reads the
    # rest in one 64 KB chunk: all of it), before it is unpacked or the store touched
    assert agent_once(term, crash_at="snapshot.download").returncode == -9
    [part] = parts_of(term)
    kept = part.stat().st_size
    assert kept > kept_before
    assert term.conn.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 0
    asked = len(ranges_asked(proxy, made.file))
    outcome = snapshot_of(term.sync())
    assert outcome.used, outcome.reason
    assert outcome.resumed_at == kept
    assert len(ranges_asked(proxy, made.file)) == asked   # all there: not asked for again
    assert_mirrors(central, term)
    assert integrity_ok(term.conn)


def test_a_damaged_kept_part_is_downloaded_again(central, cut_off):
    made, proxy, term = cut_off()
    [part] = parts_of(term)
    part.write_bytes(b"not gzip at all" + part.read_bytes()[15:])   # torn by a power cut
    outcome = snapshot_of(term.sync())
    assert outcome.used, outcome.reason
    assert outcome.resumed_at == 0
    assert ranges_asked(proxy, made.file)[-1] is None
    assert_mirrors(central, term)


def test_the_part_of_a_snapshot_rebuilt_since_is_dropped(central, cut_off):
    made, proxy, term = cut_off()
    [old_part] = parts_of(term)
    sku = new_price(central, made.store, 4545)
    fresh = build(central, made.store)
    assert fresh.file != made.file
    outcome = snapshot_of(term.sync())
    assert outcome.used and outcome.resumed_at == 0, outcome.reason
    assert not old_part.exists() and not parts_of(term)
    assert ranges_asked(proxy, fresh.file) == [None]
    assert prices.price_at(term.conn, sku, int(time.time())).regular == 4545


def test_parts_left_behind_go_when_snapshots_are_off_or_the_store_is_loaded(central, cut_off):
    made, proxy, term = cut_off()
    assert parts_of(term)
    assert term.sync(use_snapshot=False).pulled.snapshot is None   # --no-snapshot: pages
    assert not parts_of(term)
    leftover = term.db_path.with_name(f"{term.db_path.name}.snapshot-{made.file}.part")
    leftover.write_bytes(b"left by a download long ago")
    assert not term.sync().pulled.snapshot.used   # loaded by pages now: no snapshot, no part
    assert not parts_of(term)


@pytest.mark.parametrize("field, value, reason", [
    ("size", "1 GB", "size is missing or not of type int"),
    ("store", "SPB1", "offered store SPB1's snapshot"),
    ("cursors", {"catalogue": "1"}, "carries the feeds ['catalogue']"),
    ("rows", {"catalogue": "many"}, None),           # only the progress bar reads rows: still loaded
])
def test_a_manifest_with_wrong_fields_is_refused_or_harmless(central, terminals, field, value, reason):
    store = central.stores[0]
    build(central, store)
    manifest = snapshots.directory_for(central.db_path) / f"{store}.json"
    data = json.loads(manifest.read_text())
    data[field] = value
    manifest.write_text(json.dumps(data))
    term = terminals(store, "P1")
    outcome = snapshot_of(term.sync())
    if reason is None:
        assert outcome.used, outcome.reason
    else:
        assert not outcome.used and reason in outcome.reason
    assert_mirrors(central, term)


@pytest.mark.parametrize("name", ["../../outside.db.gz", "/tmp/outside.db.gz", ".hidden.gz", "a/b.gz", ""])
def test_a_file_name_with_a_path_in_it_is_refused(central, terminals, monkeypatch, name):
    """The part is kept beside the store under the file's name: a path in it would put it elsewhere."""
    from sync.client import CentralClient

    store = central.stores[0]
    build(central, store)
    real = CentralClient.snapshot

    def renamed(self):
        return {**real(self), "file": name}

    monkeypatch.setattr(CentralClient, "snapshot", renamed)
    term = terminals(store, "P1")
    outcome = snapshot_of(term.sync())
    assert not outcome.used and "is not a plain file name" in outcome.reason
    assert not parts_of(term)
    assert_mirrors(central, term)


def test_a_snapshot_rebuilt_on_the_last_one_loads_like_one_built_from_every_page(central, terminals):
    from central.storage import catalogue as central_catalogue
    from central.storage import transaction as central_tx

    store = central.stores[0]
    first = build(central, store)
    repriced = new_price(central, store, 4646)
    db = central.db()
    deleted = db.execute("SELECT MAX(sku) FROM products WHERE sku NOT IN (SELECT sku FROM stock_movements) "
                         "AND sku NOT IN (SELECT sku FROM order_lines) AND sku NOT IN (SELECT sku FROM reservations)"
                         ).fetchone()[0]   # one nothing moved, sold or ordered refers to: it may be deleted
    with central_tx(db):
        central_catalogue.delete_product(db, deleted, int(time.time()))
    db.close()
    skus = [repriced, deleted]
    again = build(central, store)
    assert again.based_on == first.file
    term = terminals(store, "P1")
    outcome = snapshot_of(term.sync())
    assert outcome.used, outcome.reason
    assert prices.price_at(term.conn, skus[0], int(time.time())).regular == 4646
    assert by_sku(term.conn, skus[1]) is None
    assert_mirrors(central, term)
    assert integrity_ok(term.conn)
    term.conn.execute("INSERT INTO product_search(product_search) VALUES ('integrity-check')")
