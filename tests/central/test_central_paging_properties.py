"""Property: whatever writes happen and however a terminal pages, following the cursors
reproduces central's current rows exactly (upserts at their latest value, deletes gone)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

import central_support as support
from central import records
from central.storage import catalogue, connect, feeds, transaction

SKUS = list(support.SKUS)
ops = st.lists(st.tuples(st.sampled_from(["upsert", "delete"]), st.sampled_from(SKUS),
                         st.sampled_from([0, 100, 200]), st.integers(1, 99_999)), min_size=1, max_size=25)


def apply_page(state: dict, page: feeds.Page) -> None:
    for row in page.rows:
        if row["op"] == "upsert":
            state[row["key"]] = row["data"]["price"]
        else:
            state.pop(row["key"], None)


def sync(conn, state: dict, cursor: str, limit: int) -> str:
    while True:
        page = feeds.read_page(conn, "prices", "MSK2", cursor, limit)
        keys = [r["key"] for r in page.rows]
        assert len(keys) == len(set(keys)) and len(keys) <= limit
        apply_page(state, page)
        assert page.next_cursor == str(page.version)
        cursor = page.next_cursor
        if not page.more:
            return cursor


def truth(conn) -> dict:
    return {f"price:{sku}:{kind}:{vf}": price for sku, kind, vf, price in conn.execute(
        "SELECT sku, kind, valid_from, price FROM prices WHERE store_id = 'MSK2'")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=ops, second=ops, limit=st.integers(1, 7), midway=st.integers(1, 7))
def test_following_cursors_reproduces_the_store_price_book(tmp_path_factory, first, second, limit, midway):
    path = tmp_path_factory.mktemp("paging") / "central.db"
    support.build_chain(path)
    conn = connect(path)

    def write(batch):
        with transaction(conn):
            for op, sku, valid_from, price in batch:
                if op == "upsert":
                    catalogue.upsert_prices(conn, "MSK2", [records.price({"sku": sku, "valid_from": valid_from,
                                                                          "price": price})])
                else:
                    catalogue.delete_price(conn, "MSK2", sku, "regular", valid_from, support.NOW)

    early: dict = {}
    cursor = sync(conn, early, "", midway)  # a terminal that synced before the changes
    write(first)
    cursor = sync(conn, early, cursor, limit)
    assert early == truth(conn)
    write(second)
    sync(conn, early, cursor, limit)
    late: dict = {}
    sync(conn, late, "", limit)  # and one that starts from scratch now
    assert early == late == truth(conn)
    conn.close()
