"""The bad-data suite's quick mode, and the finding it made: a lone surrogate in a feed row."""
from __future__ import annotations

import pytest
from faults_support import run_quick

from retail.demo import DemoChain
from retail.demo.load import load_store
from retail.store import connect
from sync.apply import apply_page

pytestmark = pytest.mark.faults


def test_baddata_quick(tmp_path):
    report = run_quick("baddata", tmp_path)
    assert {"feed:applied", "wire", "erp:imported", "scanner"} <= set(report.attempts)


def test_a_row_with_a_lone_surrogate_is_quarantined_with_its_reason(tmp_path):
    load_store(tmp_path / "t.db", DemoChain(now=1_795_000_000, seed=13, skus=60, stores=2, customers=5), "MSK1",
               terminal_id="P1")
    conn = connect(tmp_path / "t.db")
    sku = conn.execute("SELECT sku FROM products ORDER BY sku LIMIT 1").fetchone()[0]
    cursor = (conn.execute("SELECT cursor FROM feed_state WHERE feed = 'prices'").fetchone() or [""])[0]
    rows = [{"op": "upsert", "key": f"price:{sku}:regular:{i}",
             "data": {"sku": sku, "kind": "regular", "valid_from": i, "valid_to": None, "price": 100 + i}}
            for i in range(10)]
    rows[0]["data"]["kind"] = "\ud800"        # JSON's "\ud800" decodes to this
    page = {"feed": "prices", "store": "MSK1", "version": 5, "cursor": cursor, "next_cursor": "x", "more": False,
            "included": {"P1": 0}, "server_time": 0, "rows": rows}
    result = apply_page(conn, "prices", page, terminal_id="P1", now=1, sent_cursor=cursor)
    assert result.applied == 9 and result.quarantined == 1
    reason, payload = conn.execute("SELECT reason, payload FROM quarantine").fetchone()
    assert reason and "\\ud800" in payload
    conn.close()


@pytest.mark.parametrize("field, value", [("version", 2**63), ("included", {"P1": 2**64})])
def test_numbers_too_big_for_sqlite_reject_the_page(tmp_path, field, value):
    from sync.apply import PageRejected

    load_store(tmp_path / "t.db", DemoChain(now=1_795_000_000, seed=13, skus=60, stores=2, customers=5), "MSK1",
               terminal_id="P1")
    conn = connect(tmp_path / "t.db")
    cursor = (conn.execute("SELECT cursor FROM feed_state WHERE feed = 'prices'").fetchone() or [""])[0]
    page = {"feed": "prices", "store": "MSK1", "version": 5, "cursor": cursor, "next_cursor": "x", "more": False,
            "included": {"P1": 0}, "server_time": 0, "rows": [], field: value}
    with pytest.raises(PageRejected, match="2\\*\\*63-1"):
        apply_page(conn, "prices", page, terminal_id="P1", now=1, sent_cursor=cursor)
    assert (conn.execute("SELECT cursor FROM feed_state WHERE feed = 'prices'").fetchone() or [""])[0] == cursor
    conn.close()
