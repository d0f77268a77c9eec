"""WAL checkpoints stay out of a till's commits and run when the till says so.

SQLite checkpoints inside whichever commit pushes the log past 1 000 pages; at ~40 pages
a sale that was every 25th sale, 3-4 times slower than the others. A connection opened
with ``autocheckpoint=False`` never does that; :func:`retail.store.checkpoint` copies the
log back when nobody waits (the POS after queueing a receipt).
"""
from __future__ import annotations

import os

import pytest

from retail.store import checkpoint, connect, transaction

ROW = "x" * 3000  # about one 4 KiB page a row


def _write(conn, rows: int) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT")
    for _ in range(rows):
        with transaction(conn):
            conn.execute("INSERT INTO t(v) VALUES (?)", (ROW,))


def _wal_pages(path) -> int:
    wal = f"{path}-wal"
    return os.path.getsize(wal) // 4096 if os.path.exists(wal) else 0


@pytest.mark.parametrize("auto", [True, False])
def test_only_an_autocheckpointing_connection_checkpoints_in_its_commits(tmp_path, auto):
    path = tmp_path / "t.db"
    conn = connect(path, autocheckpoint=auto)
    _write(conn, 1500)
    if auto:
        assert _wal_pages(path) < 1100  # the log was copied back and restarted in a commit
    else:
        assert _wal_pages(path) > 1400  # nothing copied back: every page is still in the log


def test_checkpoint_copies_the_log_back_and_the_log_is_reused(tmp_path):
    path = tmp_path / "t.db"
    conn = connect(path, autocheckpoint=False)
    _write(conn, 300)
    logged, copied = checkpoint(conn)
    assert logged >= 300 and copied == logged
    size = os.path.getsize(f"{path}-wal")
    _write(conn, 100)  # a checkpointed log starts again from its beginning: the file does not grow
    assert os.path.getsize(f"{path}-wal") == size
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 400


def test_checkpoint_does_not_wait_for_a_reader_and_loses_nothing(tmp_path):
    path = tmp_path / "t.db"
    conn = connect(path, autocheckpoint=False)
    _write(conn, 50)
    reader = connect(path)
    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 50  # holds a snapshot
    _write(conn, 50)
    logged, copied = checkpoint(conn)  # PASSIVE: stops at the reader's snapshot instead of waiting
    assert copied < logged
    reader.execute("COMMIT")
    assert checkpoint(conn)[1] == checkpoint(conn)[0]
    assert connect(path).execute("SELECT COUNT(*) FROM t").fetchone()[0] == 100
