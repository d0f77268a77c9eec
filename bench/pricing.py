"""Pricing figure: a 100-line basket under 50 active promotions, through the pure engine.

The basket is 100 products of the synced store at their shelf prices now. The promotions
are the store's own that are active now (from its promotion book) and, to make 50,
generated ones of every item kind aimed at this basket's SKUs, categories and brands -
a promotion that matches nothing costs almost nothing, so these are the hard case.
Baseline: summing the lines (amount and VAT) with no promotions - the least any
pricing must do.
"""
from __future__ import annotations

import random
from collections.abc import Iterator

from retail.money import line_amount, vat_included
from retail.pricing import CartLine, Customer, PricingContext, Promotion, price_cart
from retail.promotions import PromotionBook

from .context import Context, now
from .harness import BenchError, paired, summarise
from .registry import Group
from .report import Budget, Figure
from .till import basket, open_till, sample_products

LINES = 100
PROMOTIONS = 50
KINDS = ("percent_off", "amount_off", "fixed_price", "n_for_price", "buy_x_get_y")


def _generated(lines: list[CartLine], count: int, rng: random.Random) -> list[Promotion]:
    skus = [line.sku for line in lines]
    cats = sorted({str(line.category_id) for line in lines if line.category_id})
    brands = sorted({str(line.brand_id) for line in lines if line.brand_id})
    out = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)] if i < count - 2 else "basket_threshold"
        target = rng.choice([t for t in ({"skus": rng.sample(skus, min(10, len(skus)))},
                                         {"category_ids": rng.sample(cats, min(2, len(cats)))} if cats else None,
                                         {"brand_ids": rng.sample(brands, min(2, len(brands)))} if brands else None)
                             if t])
        params = {"percent_off": {"target": target, "percent_bp": rng.randrange(500, 3000)},
                  "amount_off": {"target": target, "amount": rng.randrange(100, 2000)},
                  "fixed_price": {"target": target, "price": rng.randrange(2_000, 50_000)},
                  "n_for_price": {"target": target, "n": 3, "price": rng.randrange(10_000, 100_000)},
                  "buy_x_get_y": {"target": target, "x": 2, "y": 1},
                  "basket_threshold": {"threshold": 100_000 * (i % 3), "percent_bp": 300}}[kind]
        out.append(Promotion(id=f"BENCH{i:03d}", kind=kind, name=kind, params=params,
                             priority=rng.choice([10, 50, 100]), exclusive=rng.random() < 0.1,
                             stackable=kind == "basket_threshold" and i == count - 1))
    return out


def workload(ctx: Context) -> tuple[list[CartLine], list[Promotion], PricingContext, int]:
    rng = random.Random(5)
    conn = ctx.open_store()
    try:
        t = now()
        till = open_till(conn, t)
        cart = basket(till, sample_products(conn, LINES * 2, rng), rng, lines=LINES)
        lines = cart.cart_lines()
        customer = Customer(till.customer_id, None) if till.customer_id else None
        pctx = PricingContext(now=t, customer=customer, coupons=frozenset())
        own = [p for p in PromotionBook().active(conn, t, "ru", till.customer_id) if p.is_active(pctx)]
    finally:
        conn.close()
    own = own[:PROMOTIONS]
    promotions = own + _generated(lines, PROMOTIONS - len(own), rng)
    if len(lines) < LINES:
        raise BenchError(f"only {len(lines)} of {LINES} basket products have a shelf price now")
    return lines, promotions, pctx, len(own)


def run(ctx: Context) -> Iterator[Figure]:
    lines, promotions, pctx, own = workload(ctx)
    active = sum(p.is_active(pctx) for p in promotions)

    def engine(_):
        return price_cart(lines, promotions, pctx)

    def baseline(_):
        return sum(vat_included(line_amount(line.unit_price, line.qty_milli), line.vat_rate_bp) for line in lines)

    count = max(200, min(2000, ctx.options.samples // 5))
    mine, base, cpu = paired(engine, baseline, range(count), warmup=20)
    cart = engine(None)
    yield Figure.latency("pricing.cart_100_lines_50_promos", "ms", summarise(mine),
                         baseline="summing the lines (amount + VAT), no promotions",
                         baseline_summary=summarise(base), budget=Budget("p95", 5.0), cpu=summarise(cpu),
                         note=f"{len(cart.lines)} lines, {active} active promotions ({own} the store's own), "
                              f"{len(cart.applied)} applied; {count} runs")


GROUP = Group("pricing", "price_cart on a 100-line basket with 50 active promotions", run)
