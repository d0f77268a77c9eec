"""Regressions from the bad-data fault suite (bench/faults/suites/baddata.py) in feed apply."""
from __future__ import annotations

import pytest

from retail.feeds.apply import apply_page
from pages import TERMINAL, local_store, page, promo


@pytest.mark.parametrize("priority", [2**63, -(2**63) - 1, 10**30, 10**9 + 1, True, 1.5, "10"])
def test_a_promotion_whose_priority_is_no_sane_number_is_quarantined_and_the_rest_applies(tmp_path, priority):
    # Found by the suite's long run (seed 1): priority 2**63 crashed the whole page with
    # OverflowError when the promotion was written; now only that row is quarantined.
    conn = local_store(tmp_path / "till.db")
    rows = [promo("P-ok-1"), promo("P-bad", priority=priority), promo("P-ok-2", priority=-5)]
    result = apply_page(conn, "promotions", page("promotions", rows), terminal_id=TERMINAL, now=1, sent_cursor="")
    assert (result.applied, result.quarantined) == (2, 1)
    assert [r[0] for r in conn.execute("SELECT id FROM promotions WHERE id LIKE 'P-%' ORDER BY id")] == \
        ["P-ok-1", "P-ok-2"]
    key, reason = conn.execute("SELECT row_key, reason FROM quarantine").fetchone()
    assert key == "promo:P-bad" and "priority" in reason
    conn.close()
