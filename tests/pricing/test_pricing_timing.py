"""Runs the timing script briefly and prints the figure; timing is never asserted."""
from __future__ import annotations

from pricing_timing import measure, workload
from retail.pricing import price_cart


def test_timing_workload_is_the_budgeted_size_and_prints_time(capsys):
    lines, promotions, ctx = workload()
    assert len(lines) == 100 and len(promotions) == 50
    assert all(p.is_active(ctx) for p in promotions), "the budget is for 50 *active* promotions"
    result = measure(repeat=1, number=5)
    cart = result["cart"]
    assert len(cart.applied) >= 20, "the workload must exercise many promotions"
    assert cart == price_cart(lines, promotions, ctx)
    with capsys.disabled():
        print(f"\nprice_cart 100 lines x 50 promotions: {result['engine_s'] * 1000:.2f} ms "
              f"(baseline {result['baseline_s'] * 1000:.3f} ms)")
