"""Store snapshots: built by ``python -m central snapshot``, offered and served to the store's terminals."""
from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3

from central import snapshots
from central.storage import connect, transaction
from central.storage.versions import next_version
from central_support import NOW, cli


def manifest(api, expect: int = 200, store: str | None = None) -> dict:
    r = api.session.get(f"{api.url}/api/v1/stores/{store or api.store}/snapshot", timeout=10)
    assert r.status_code == expect, r.text
    return r.json()


def test_the_command_builds_every_store_and_says_what_is_in_each(db_path):
    done = cli("snapshot", "--db", db_path)
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    assert sorted(line[0] for line in lines) == ["MSK1", "MSK2", "SPB1"]
    for line in lines:
        assert line[1].startswith(line[0] + "-") and line[1].endswith(".db.gz")
        assert "catalogue" in line[3] and "quarantined 0" == line[4]
    folder = snapshots.directory_for(db_path)
    assert sorted(p.name for p in folder.glob("*.json")) == ["MSK1.json", "MSK2.json", "SPB1.json"]
    assert not list(folder.glob("*.building.db*")) and not list(folder.glob("*.part"))


def test_an_unknown_store_is_a_clear_error(db_path):
    done = cli("snapshot", "--db", db_path, "--store", "NOPE", check=2)
    assert "no store 'NOPE'" in done.stderr and "Traceback" not in done.stderr


def test_the_file_is_the_stores_terminal_store_and_matches_its_manifest(db_path, tmp_path):
    made = snapshots.build(db_path, "MSK1", now=NOW)
    packed = snapshots.directory_for(db_path) / made.file
    data = gzip.decompress(packed.read_bytes())
    assert len(data) == made.size and hashlib.sha256(data).hexdigest() == made.sha256
    assert made.compressed_size == packed.stat().st_size < made.size
    store = tmp_path / "unpacked.db"
    store.write_bytes(data)
    conn = sqlite3.connect(store)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"   # one self-contained file
        assert {r[0]: r[1] for r in conn.execute("SELECT feed, cursor FROM feed_state WHERE feed <> 'stores'")} \
            == made.cursors
        central = connect(db_path)
        products = central.execute("SELECT COUNT(*) FROM products").fetchone()[0]
        own = central.execute("SELECT COUNT(*) FROM stock WHERE location_id = 'MSK1'").fetchone()[0]
        central.close()
        assert conn.execute("SELECT COUNT(*) FROM products").fetchone()[0] == products
        assert conn.execute("SELECT COUNT(*) FROM stock").fetchone()[0] == own
        assert conn.execute("SELECT MAX(included_seq) FROM stock").fetchone()[0] == 0
    finally:
        conn.close()


def test_a_rebuild_replaces_the_file_and_the_old_name_is_gone(db_path, server, p1):
    first = snapshots.build(db_path, "MSK1", now=NOW)
    central = connect(db_path)
    with transaction(central):
        central.execute("UPDATE products SET name_ru = 'Другое', version = ? WHERE sku = (SELECT MIN(sku) FROM products)",
                        (next_version(central),))
    central.close()
    second = snapshots.build(db_path, "MSK1", now=NOW + 60)
    assert second.file != first.file
    assert not (snapshots.directory_for(db_path) / first.file).exists()
    assert manifest(p1)["snapshot"]["file"] == second.file
    r = p1.session.get(f"{p1.url}/api/v1/stores/MSK1/snapshot/{first.file}", timeout=10)
    assert r.status_code == 404 and "ask for the snapshot again" in r.json()["detail"]


def test_a_terminal_gets_its_own_stores_snapshot_and_no_other(db_path, server, p1, spb):
    assert manifest(p1)["snapshot"] is None
    made = snapshots.build(db_path, "MSK1", now=NOW)
    offered = manifest(p1)["snapshot"]
    assert offered["file"] == made.file and offered["sha256"] == made.sha256 and offered["schema"] == made.schema
    r = p1.session.get(f"{p1.url}/api/v1/stores/MSK1/snapshot/{made.file}", headers={"Accept-Encoding": "identity"},
                       timeout=30)
    assert r.status_code == 200 and r.headers["content-type"] == "application/gzip"
    assert hashlib.sha256(gzip.decompress(r.content)).hexdigest() == made.sha256
    # another store's terminal, or no token at all
    manifest(spb, 403, store="MSK1")
    r = spb.session.get(f"{p1.url}/api/v1/stores/MSK1/snapshot/{made.file}", timeout=10)
    assert r.status_code == 403
    assert p1.session.get(f"{p1.url}/api/v1/stores/MSK1/snapshot", headers={"Authorization": ""},
                          timeout=10).status_code == 401
    r = p1.session.get(f"{p1.url}/api/v1/stores/MSK1/snapshot/..%2F..%2Fcentral.db", timeout=10)
    assert r.status_code == 404


def forget_deletes_up_to(db_path, made) -> None:
    """Central purges catalogue tombstones past the snapshot's cursor: pulling on from it could miss a delete."""
    central = connect(db_path)
    with transaction(central):
        central.execute("INSERT INTO tombstone_horizon(feed, scope, version) VALUES ('catalogue', '', ?) "
                        "ON CONFLICT DO UPDATE SET version = excluded.version",
                        (int(made.cursors["catalogue"]) + 1,))
    central.close()


def test_a_snapshot_older_than_the_deletes_central_remembers_is_not_offered(db_path, server, p1):
    made = snapshots.build(db_path, "MSK1", now=NOW)
    assert manifest(p1)["snapshot"]["file"] == made.file
    forget_deletes_up_to(db_path, made)
    assert manifest(p1)["snapshot"] is None


def test_a_damaged_manifest_means_no_snapshot(db_path, server, p1):
    snapshots.build(db_path, "MSK1", now=NOW)
    (snapshots.directory_for(db_path) / "MSK1.json").write_text("{not json", encoding="utf-8")
    assert manifest(p1)["snapshot"] is None
    (snapshots.directory_for(db_path) / "MSK1.json").write_text(json.dumps({"store": "MSK1"}), encoding="utf-8")
    assert manifest(p1)["snapshot"] is None


def test_the_file_is_served_from_a_byte_on_for_a_download_that_goes_on(db_path, server, p1):
    made = snapshots.build(db_path, "MSK1", now=NOW)
    url = f"{p1.url}/api/v1/stores/MSK1/snapshot/{made.file}"
    whole = (snapshots.directory_for(db_path) / made.file).read_bytes()
    start = len(whole) // 3
    r = p1.session.get(url, headers={"Accept-Encoding": "identity", "Range": f"bytes={start}-"}, timeout=30)
    assert r.status_code == 206, r.text
    assert r.headers["content-range"] == f"bytes {start}-{len(whole) - 1}/{len(whole)}"
    assert r.content == whole[start:]
    r = p1.session.get(url, headers={"Accept-Encoding": "identity", "Range": f"bytes={len(whole) + 10}-"},
                       timeout=30)
    assert r.status_code == 416


# ---------------------------------------------------------------- rebuilding on the current snapshot

SNAPSHOT_TABLES = ("categories", "brands", "products", "barcodes", "prices", "stock", "network_stock", "quarantine")


def opened(packed, path) -> sqlite3.Connection:
    path.write_bytes(gzip.decompress(packed.read_bytes()))
    return sqlite3.connect(path)


def content(conn: sqlite3.Connection, table: str) -> list[tuple]:
    """A table's rows in a stable order, without the products' row ids (the order rows arrived in)."""
    cur = conn.execute(f'SELECT * FROM "{table}"')
    names = [d[0] for d in cur.description]
    keep = [i for i, name in enumerate(names) if not (table == "products" and name == "id")]
    return sorted(tuple(row[i] for i in keep) for row in cur)


def change_the_chain(db_path, at: int) -> str:
    """A renamed product, a new price, a deleted product (a tombstone); returns the deleted SKU."""
    from central.storage import catalogue

    central = connect(db_path)
    with transaction(central):
        skus = [r[0] for r in central.execute("SELECT sku FROM prices WHERE store_id = 'MSK1' ORDER BY sku LIMIT 3")]
        central.execute("UPDATE products SET name_ru = 'Переименованный', version = ? WHERE sku = ?",
                        (next_version(central), skus[0]))
        catalogue.upsert_prices(central, "MSK1", [(skus[1], "regular", at - 10, None, 4242)])
        catalogue.delete_product(central, skus[2], at)
    central.close()
    return skus[2]


def test_a_rebuild_starts_from_the_current_snapshot_and_holds_what_every_page_would(db_path, tmp_path):
    first = snapshots.build(db_path, "MSK1", now=NOW)
    assert first.based_on == "" and first.full_at == NOW
    deleted = change_the_chain(db_path, NOW + 60)
    again = snapshots.build(db_path, "MSK1", now=NOW + 3600)
    assert again.based_on == first.file and again.full_at == NOW
    assert not (snapshots.directory_for(db_path) / first.file).exists()
    every_page = snapshots.build(db_path, "MSK1", now=NOW + 3600, full=True, directory=tmp_path / "full")
    assert every_page.based_on == ""
    assert again.cursors == every_page.cursors and again.rows != first.rows
    a = opened(snapshots.directory_for(db_path) / again.file, tmp_path / "again.db")
    b = opened(tmp_path / "full" / every_page.file, tmp_path / "every-page.db")
    try:
        for table in SNAPSHOT_TABLES:
            assert content(a, table) == content(b, table), table
        assert a.execute("SELECT 1 FROM products WHERE sku = ?", (deleted,)).fetchone() is None
        assert a.execute("SELECT COUNT(*) FROM products WHERE name_ru = 'Переименованный'").fetchone()[0] == 1
        state = "SELECT feed, cursor, rows FROM feed_state ORDER BY feed"
        assert [r[:2] for r in a.execute(state)] == [r[:2] for r in b.execute(state)]
        # the search index answers alike (its segments differ: merged on top, not built at once)
        a.execute("INSERT INTO product_search(product_search) VALUES ('integrity-check')")
        match = ("SELECT p.sku FROM product_search JOIN products p ON p.id = product_search.rowid "
                 "WHERE product_search MATCH ? ORDER BY p.sku")
        for word in ("переименованный", "мол*", "хлеб*"):
            assert a.execute(match, (word,)).fetchall() == b.execute(match, (word,)).fetchall(), word
    finally:
        a.close()
        b.close()


def test_a_rebuild_reads_every_page_when_the_current_snapshot_will_not_do(db_path):
    directory = snapshots.directory_for(db_path)

    def rebuilt(now: int, spoil=None) -> snapshots.Manifest:
        current = snapshots.build(db_path, "MSK1", now=now)
        if spoil is not None:
            spoil(current)
        return snapshots.build(db_path, "MSK1", now=now + 60)

    def damaged(m):
        packed = directory / m.file
        data = bytearray(packed.read_bytes())
        data[len(data) // 2] ^= 0xFF
        packed.write_bytes(bytes(data))

    def other_schema(m):
        path = directory / "MSK1.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "schema": m.schema + 1}), encoding="utf-8")

    def forgotten_deletes(m):
        forget_deletes_up_to(db_path, m)

    assert rebuilt(NOW).based_on   # on the current one: the baseline of this test
    for spoil in (damaged, other_schema, forgotten_deletes):
        made = rebuilt(NOW + 1000, spoil)
        assert made.based_on == "" and made.full_at == NOW + 1060, spoil.__name__
        data = gzip.decompress((directory / made.file).read_bytes())
        assert hashlib.sha256(data).hexdigest() == made.sha256
    first = snapshots.build(db_path, "MSK1", now=NOW + 5000)
    week_on = snapshots.build(db_path, "MSK1", now=first.full_at + snapshots.FULL_EVERY_S)
    assert week_on.based_on == "" and week_on.full_at == first.full_at + snapshots.FULL_EVERY_S
    assert not list(directory.glob("*.building.db*"))


def test_the_command_says_how_it_built_and_full_reads_every_page(db_path):
    first = cli("snapshot", "--db", db_path, "--store", "MSK1").stdout
    assert "from every page" in first
    again = cli("snapshot", "--db", db_path, "--store", "MSK1").stdout
    assert f"on {first.split(chr(9))[1]} and the pages since" in again
    full = cli("snapshot", "--db", db_path, "--store", "MSK1", "--full").stdout
    assert "from every page" in full


def test_a_second_build_of_the_same_store_at_once_is_refused_clearly(db_path):
    import fcntl

    folder = snapshots.directory_for(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "MSK1.lock", "a") as held:   # another process building MSK1
        fcntl.flock(held, fcntl.LOCK_EX)
        done = cli("snapshot", "--db", db_path, "--store", "MSK1", check=None)
        assert done.returncode != 0
        assert "MSK1's snapshot is being built by another process" in done.stderr + done.stdout
        assert snapshots.build(db_path, "SPB1", now=NOW).store == "SPB1"   # another store builds meanwhile
    assert cli("snapshot", "--db", db_path, "--store", "MSK1").returncode == 0
