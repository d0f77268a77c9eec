import sqlite3

import pytest

from retail.store import connect, integrity_ok, transaction
from retail.store import migrations
from retail.store.sequences import next_value, peek


def tables(conn):
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_empty_file_migrates_to_newest(tmp_path):
    conn = connect(tmp_path / "t.db")
    newest = migrations.available()[-1].version
    assert migrations.current_version(conn) == newest
    assert {"products", "sales", "outbox", "feed_state"} <= tables(conn)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert integrity_ok(conn)


@pytest.mark.parametrize("start", range(0, len(migrations.available())))
def test_every_earlier_version_upgrades(tmp_path, start):
    path = tmp_path / "t.db"
    raw = sqlite3.connect(path, isolation_level=None)
    if start:
        migrations.migrate(raw, target=start)
    assert migrations.current_version(raw) == start
    raw.close()
    conn = connect(path)
    assert migrations.current_version(conn) == migrations.available()[-1].version
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == list(range(1, len(versions) + 1))
    assert integrity_ok(conn)


def test_reopening_is_a_no_op(tmp_path):
    connect(tmp_path / "t.db").close()
    conn = connect(tmp_path / "t.db")
    assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(migrations.available())


def test_newer_database_is_refused_with_a_clear_message(tmp_path):
    conn = connect(tmp_path / "t.db")
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
    conn.close()
    with pytest.raises(RuntimeError, match="newer than this build"):
        connect(tmp_path / "t.db")


def test_failed_migration_leaves_the_previous_version(tmp_path, monkeypatch):
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    good = migrations.available()
    broken = good + [migrations.Migration(len(good) + 1, "broken", "CREATE TABLE x(a);\nNOT SQL;\n")]
    monkeypatch.setattr(migrations, "available", lambda: broken)
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(conn)
    assert migrations.current_version(conn) == len(good)
    assert "x" not in tables(conn)


def test_sequences_are_gapless_and_roll_back(tmp_path):
    conn = connect(tmp_path / "t.db")
    with transaction(conn):
        assert next_value(conn, "receipt") == 1
    with pytest.raises(ZeroDivisionError):
        with transaction(conn):
            assert next_value(conn, "receipt") == 2
            1 / 0
    with transaction(conn):
        assert next_value(conn, "receipt") == 2
    assert peek(conn, "receipt") == 2


def test_sequence_outside_a_transaction_is_refused(tmp_path):
    conn = connect(tmp_path / "t.db")
    with pytest.raises(Exception, match="inside the transaction"):
        next_value(conn, "receipt")


def test_money_columns_refuse_floats(tmp_path):
    conn = connect(tmp_path / "t.db")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO prices(sku, kind, valid_from, price) VALUES ('1', 'regular', 0, 12.5)")
