"""The disk suite's quick mode, and the refusal a cashier sees when the volume is full."""
from __future__ import annotations

import pytest
from faults_support import run_quick

from retail import i18n
from retail.store import StoreFull, connect, durable

pytestmark = pytest.mark.faults


def test_disk_quick(tmp_path):
    report = run_quick("disk", tmp_path)
    assert "refused for a full disk" in report.notes[-1]
    assert {"sale", "print", "pos", "feed"} <= set(report.attempts)


def test_a_full_disk_rolls_back_and_says_so_in_both_languages(tmp_path):
    conn = connect(tmp_path / "s.db")
    conn.execute("CREATE TABLE t (x TEXT)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages:d}")
    with pytest.raises(StoreFull, match="disk is full, so nothing was saved") as caught:
        with durable(conn):
            conn.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 100)
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0 and not conn.in_transaction
    assert i18n.translate(str(caught.value), "ru").startswith("Диск терминала заполнен")
    conn.execute("PRAGMA max_page_count = 1073741823")
    with durable(conn):
        conn.execute("INSERT INTO t VALUES ('back')")
    assert [tuple(r) for r in conn.execute("SELECT x FROM t")] == [("back",)]
    conn.close()
