"""invariants.check finds each kind of damage a fault could do, and nothing on a healthy pair."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "sync"))

from central_fixture import central, central_template, terminals  # noqa: E402,F401  (fixtures)

from bench.faults import invariants  # noqa: E402
from bench.faults.till import priced_skus, sell  # noqa: E402

pytestmark = pytest.mark.faults


@pytest.fixture
def pair(central, terminals):
    """A till with a loyalty sale and a plain one, synced; central's stock before them."""
    t = terminals(central.stores[0], "P1")
    t.sync()
    before = invariants.baseline(central, t.store)
    skus = priced_skus(t.conn, 2)
    customer = t.conn.execute("SELECT id FROM customers ORDER BY id LIMIT 1").fetchone()[0]
    ids = [sell(t.conn, [(skus[0], 2)], customer_id=customer).id, sell(t.conn, [(skus[1], 1)]).id]
    t.sync()
    return t, before, ids


def _central(central, sql: str, params=()):
    db = central.db()
    try:
        with db:
            db.execute(sql, params)
    finally:
        db.close()


def test_a_healthy_pair_breaks_nothing(central, pair):
    t, before, ids = pair
    assert invariants.check(t, central, committed=ids, before=before, feeds=True) == []


def test_a_lost_sale_a_missing_receipt_and_an_undrained_outbox(central, pair):
    t, before, ids = pair
    sell(t.conn, [(priced_skus(t.conn, 1)[0], 1)])
    found = invariants.check(t, central, committed=[*ids, "0190000000007000800090000000000a"], receipts=ids)
    text = "\n".join(found)
    assert "committed sales are missing from the terminal" in text
    assert "no receipt in the print queue" in text
    assert "did not drain: 1 pending" in text
    assert "ledger has" in text


def test_a_receipt_number_gap(central, pair):
    t, _, _ = pair
    t.conn.execute("UPDATE sales SET seq = seq + 1 WHERE seq = (SELECT MAX(seq) FROM sales)")
    text = "\n".join(invariants.check(t, central))
    assert "not gapless" in text and "not their sequence" in text and "receipt counter" in text


def test_central_losing_an_event(central, pair):
    t, _, _ = pair
    _central(central, "DELETE FROM events WHERE terminal_id = 'P1' AND seq = (SELECT MAX(seq) FROM events "
             "WHERE terminal_id = 'P1')")
    text = "\n".join(invariants.check(t, central))
    assert "acknowledged are not at central" in text


def test_stock_moved_twice_or_without_a_movement(central, pair):
    t, before, _ = pair
    _central(central, "INSERT INTO stock_movements(id, location_id, sku, delta_milli, reason, ref_id, event_id, at) "
             "SELECT id || 'x', location_id, sku, delta_milli, reason, ref_id, event_id, at FROM stock_movements "
             "WHERE event_id IS NOT NULL LIMIT 1")
    assert any("stock movements differ" in f for f in invariants.check(t, central))
    _central(central, "UPDATE stock SET on_hand_milli = on_hand_milli - 1000 WHERE location_id = ? AND "
             "sku = (SELECT MIN(sku) FROM stock WHERE location_id = ?)", (t.store, t.store))
    assert any("on-hand of" in f for f in invariants.check(t, central, before=before))


def test_points_posted_twice(central, pair):
    t, _, _ = pair
    _central(central, "INSERT INTO loyalty_ledger(id, customer_id, kind, points, sale_id, event_id, store_id, at) "
             "SELECT id || 'x', customer_id, kind, points, sale_id, event_id, store_id, at FROM loyalty_ledger "
             "WHERE event_id IS NOT NULL LIMIT 1")
    assert any("loyalty entries differ" in f for f in invariants.check(t, central))


def test_a_sale_twice_at_central_and_rejected_events(central, pair):
    t, _, _ = pair
    _central(central, "UPDATE events SET status = 'rejected' WHERE terminal_id = 'P1' AND seq = 1")
    _central(central, "INSERT INTO sales(id, kind, store_id, terminal_id, number, event_id, subtotal, discount, "
             "total, created_at) SELECT id || 'x', kind, store_id, terminal_id, number, event_id, subtotal, discount, "
             "total, created_at FROM sales WHERE terminal_id = 'P1' LIMIT 1")
    text = "\n".join(invariants.check(t, central))
    assert "rejected 1 of this terminal's events" in text and "receipt numbers of this terminal twice" in text


def test_reference_data_out_of_step(central, pair):
    t, _, _ = pair
    t.conn.execute("DELETE FROM barcodes WHERE code = (SELECT MIN(code) FROM barcodes)")
    found = invariants.feeds_match(t, central)
    assert len(found) == 1 and found[0].startswith("barcodes differ from central's: 0 rows only here, 1 missing")


def test_a_damaged_terminal_file_fails_integrity(tmp_path, central, pair):
    t, _, _ = pair
    t.conn.execute("PRAGMA foreign_keys = OFF")
    t.conn.execute("INSERT INTO sale_lines(sale_id, line_no, sku, name, qty_milli, unit_price, base_amount, discount, "
                   "amount, vat_rate_bp, vat_amount) VALUES ('nope', 1, 'x', 'x', 1, 1, 1, 0, 1, 0, 0)")
    assert any("dangling foreign keys" in f for f in invariants.check(t, central))


def test_goods_or_points_moved_twice_on_the_terminal(central, pair):
    t, _, ids = pair
    t.conn.execute("INSERT INTO stock_movements(id, sku, delta_milli, reason, ref_id, outbox_seq, at) "
                   "SELECT id || 'x', sku, delta_milli, reason, ref_id, outbox_seq, at FROM stock_movements "
                   "WHERE ref_id = ?", (ids[1],))
    assert any("do not add up to its lines" in f for f in invariants.check(t, central))
    t.conn.execute("INSERT INTO loyalty_events(id, customer_id, kind, points, sale_id, outbox_seq, at) "
                   "SELECT id || 'x', customer_id, kind, points, sale_id, outbox_seq, at FROM loyalty_events "
                   "WHERE sale_id = ?", (ids[0],))
    assert any("do not match its points" in f for f in invariants.check(t, central))
