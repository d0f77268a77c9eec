"""Time ``price_cart`` on a 100-line cart with 50 active promotions (the budget is well under 5 ms).

Run: ``.venv/bin/python tests/pricing/pricing_timing.py``. It prints the engine's time next
to a baseline measured in the same run (just computing each line's amount and VAT, the
least any pricing must do), so a slow machine shows as a slow baseline rather than as a
slow engine. Nothing here fails on timing; ``test_pricing_timing.py`` runs it briefly.
"""
from __future__ import annotations

import random
import time

from retail.money import line_amount, vat_included
from retail.pricing import CartLine, Customer, PricingContext, Promotion, price_cart

NOW = 1_767_225_600


def workload(seed: int = 7) -> tuple[list[CartLine], list[Promotion], PricingContext]:
    """A busy supermarket basket: 100 lines over 40 categories and 20 brands, 50 promotions."""
    rnd = random.Random(seed)
    lines = []
    for no in range(1, 101):
        weighed = rnd.random() < 0.2
        price = rnd.randrange(3_000, 150_000)
        lines.append(
            CartLine(
                line_no=no,
                sku=f"SKU{rnd.randrange(400):04d}",
                qty_milli=rnd.randrange(100, 3000) if weighed else rnd.randrange(1, 6) * 1000,
                unit_price=price,
                vat_rate_bp=rnd.choice([1000, 2000]),
                category_id=f"cat{rnd.randrange(40)}",
                brand_id=f"brand{rnd.randrange(20)}",
                unit="kg" if weighed else "pcs",
                label_price=price * 9 // 10 if rnd.random() < 0.1 else None,
            )
        )
    promotions = []
    kinds = ["percent_off", "amount_off", "fixed_price", "n_for_price", "buy_x_get_y"]
    for i in range(46):
        kind = kinds[i % len(kinds)]
        target = rnd.choice([
            {"skus": [f"SKU{rnd.randrange(400):04d}" for _ in range(20)]},
            {"category_ids": [f"cat{rnd.randrange(40)}", f"cat{rnd.randrange(40)}"]},
            {"brand_ids": [f"brand{rnd.randrange(20)}"]},
        ])
        params = {
            "percent_off": {"target": target, "percent_bp": rnd.randrange(500, 3000)},
            "amount_off": {"target": target, "amount": rnd.randrange(100, 2000)},
            "fixed_price": {"target": target, "price": rnd.randrange(2_000, 50_000)},
            "n_for_price": {"target": target, "n": 3, "price": rnd.randrange(10_000, 100_000)},
            "buy_x_get_y": {"target": target, "x": 2, "y": 1},
        }[kind]
        promotions.append(
            Promotion(id=f"P{i:03d}", kind=kind, name=kind, params=params,
                      priority=rnd.choice([10, 50, 100]), exclusive=rnd.random() < 0.1,
                      tier="gold" if i % 9 == 0 else None)
        )
    promotions += [
        Promotion(id="B1", kind="basket_threshold", name="b", params={"threshold": 500_000, "percent_bp": 500}),
        Promotion(id="B2", kind="basket_threshold", name="b", params={"threshold": 100_000, "amount": 10_000}),
        Promotion(id="B3", kind="basket_threshold", name="b", params={"threshold": 0, "amount": 5_000},
                  stackable=True, coupon_code="WELCOME"),
        Promotion(id="B4", kind="basket_threshold", name="b",
                  params={"threshold": 0, "percent_bp": 300, "target": {"brand_ids": ["brand3"]}},
                  stackable=True),
    ]
    ctx = PricingContext(now=NOW, customer=Customer("c1", "gold"), coupons=frozenset({"welcome"}))
    return lines, promotions, ctx


def _best_of(fn, repeat: int, number: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def measure(repeat: int = 5, number: int = 200) -> dict:
    """Best-of-``repeat`` seconds per call for the engine and the baseline, plus the cart."""
    lines, promotions, ctx = workload()

    def baseline() -> int:
        return sum(vat_included(line_amount(l.unit_price, l.qty_milli), l.vat_rate_bp) for l in lines)

    cart = price_cart(lines, promotions, ctx)
    return {
        "engine_s": _best_of(lambda: price_cart(lines, promotions, ctx), repeat, number),
        "baseline_s": _best_of(baseline, repeat, number),
        "cart": cart,
        "lines": len(lines),
        "promotions": len(promotions),
    }


def main() -> None:
    result = measure()
    cart = result["cart"]
    print(f"price_cart: {result['lines']} lines, {result['promotions']} promotions, "
          f"{len(cart.applied)} applied, discount {cart.discount_total} kop")
    print(f"  engine   {result['engine_s'] * 1000:8.3f} ms per cart (budget: well under 5 ms)")
    print(f"  baseline {result['baseline_s'] * 1000:8.3f} ms (line amounts + VAT only)")


if __name__ == "__main__":
    main()
