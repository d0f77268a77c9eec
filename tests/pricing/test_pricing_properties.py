"""Hypothesis properties: carts always add up, discounts stay within lines, order never matters."""
from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from pricing_support import NOW
from retail.money import percent_of, vat_included
from retail.pricing import CartLine, Customer, PricingContext, Promotion, price_cart
from retail.pricing.deals import Run, buy_x_get_y, n_for_price
from retail.pricing.rules import ITEM_KINDS
from retail.money import allocate_capped as split_capped

SKUS = ["A", "B", "C", "D", "E", "F"]
CATS = ["c1", "c2", None]
BRANDS = ["b1", "b2", None]

prices = st.integers(min_value=0, max_value=200_000)


@st.composite
def cart_lines(draw):
    count = draw(st.integers(min_value=0, max_value=10))
    out = []
    for no in range(1, count + 1):
        unit = draw(st.sampled_from(["pcs", "pcs", "kg"]))
        qty = draw(st.integers(1, 12)) * 1000 if unit == "pcs" else draw(st.integers(1, 5000))
        price = draw(prices)
        out.append(
            CartLine(
                line_no=no * 10,
                sku=draw(st.sampled_from(SKUS)),
                qty_milli=qty,
                unit_price=price,
                vat_rate_bp=draw(st.sampled_from([0, 1000, 2000, 2200])),
                category_id=draw(st.sampled_from(CATS)),
                brand_id=draw(st.sampled_from(BRANDS)),
                unit=unit,
                label_price=draw(st.none() | st.integers(0, price + 100)),
                price_override=draw(st.one_of(st.none(), st.none(), prices)),
            )
        )
    return out


@st.composite
def targets(draw):
    key, ids = draw(st.sampled_from([("skus", SKUS), ("category_ids", CATS[:2]), ("brand_ids", BRANDS[:2])]))
    spec = {key: draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3))}
    if draw(st.booleans()):
        spec["exclude_skus"] = draw(st.lists(st.sampled_from(SKUS), max_size=2))
    return spec


percent = st.integers(1, 10_000)
money = st.integers(1, 100_000)


@st.composite
def promotion(draw, pid):
    kind = draw(st.sampled_from(sorted(ITEM_KINDS) + ["basket_threshold"] * 2))
    if kind == "percent_off":
        params = {"target": draw(targets()), "percent_bp": draw(percent)}
    elif kind == "amount_off":
        params = {"target": draw(targets()), "amount": draw(money)}
    elif kind == "fixed_price":
        params = {"target": draw(targets()), "price": draw(st.integers(0, 100_000))}
    elif kind == "n_for_price":
        params = {"target": draw(targets()), "n": draw(st.integers(1, 4)), "price": draw(money)}
    elif kind == "buy_x_get_y":
        params = {"target": draw(targets()), "x": draw(st.integers(1, 3)), "y": draw(st.integers(1, 2)),
                  "percent_bp": draw(percent)}
        if draw(st.booleans()):
            params["get_target"] = draw(targets())
    else:
        params = {"threshold": draw(st.integers(0, 300_000))}
        if draw(st.booleans()):
            params["percent_bp"] = draw(percent)
        else:
            params["amount"] = draw(money)
        if draw(st.booleans()):
            params["target"] = draw(targets())
    stackable = kind == "basket_threshold" and draw(st.booleans())
    return Promotion(
        id=pid,
        kind=kind,
        name=pid,
        params=params,
        priority=draw(st.integers(1, 3)),
        exclusive=not stackable and draw(st.integers(0, 3)) == 0,
        stackable=stackable,
        valid_from=draw(st.sampled_from([None, None, NOW - 5, NOW, NOW + 1])),
        coupon_code=draw(st.sampled_from([None] * 5 + ["C1"])),
        tier=draw(st.sampled_from([None] * 5 + ["gold"])),
        customer_id=draw(st.sampled_from([None] * 5 + ["me"])),
    )


@st.composite
def promotions(draw):
    count = draw(st.integers(0, 8))
    return [draw(promotion(f"p{i}")) for i in range(count)]


contexts = st.builds(
    PricingContext,
    now=st.just(NOW),
    customer=st.none() | st.builds(Customer, id=st.sampled_from(["me", "you"]),
                                   tier=st.sampled_from([None, "gold", "silver"])),
    coupons=st.sampled_from([frozenset(), frozenset({"c1"})]),
)


@settings(max_examples=200, deadline=None)
@given(cart_lines(), promotions(), contexts)
def test_cart_invariants(lines, promos, ctx):
    cart = price_cart(lines, promos, ctx)
    assert [pl.line for pl in cart.lines] == lines
    assert sum(pl.amount for pl in cart.lines) == cart.total
    assert cart.total == cart.subtotal - cart.discount_total
    assert cart.subtotal == sum(pl.base_amount for pl in cart.lines)
    assert cart.total >= 0
    for pl in cart.lines:
        assert 0 <= pl.discount <= pl.base_amount
        assert pl.amount == pl.base_amount - pl.discount >= 0
        assert pl.discount == sum(a.amount for a in pl.adjustments)
        assert all(a.amount > 0 and a.line_no == pl.line.line_no for a in pl.adjustments)
        assert pl.vat_amount == vat_included(pl.amount, pl.line.vat_rate_bp)
        item = [a for a in pl.adjustments if a.kind in ITEM_KINDS]
        assert len(item) <= 1, "a line takes at most one item promotion"
        if pl.line.price_override is not None:
            assert pl.adjustments == ()
    by_rate = Counter()
    vat_by_rate = Counter()
    for pl in cart.lines:
        by_rate[pl.line.vat_rate_bp] += pl.amount
        vat_by_rate[pl.line.vat_rate_bp] += pl.vat_amount
    assert {r.rate_bp: r.gross for r in cart.vat_breakdown} == dict(by_rate)
    assert {r.rate_bp: r.vat for r in cart.vat_breakdown} == dict(vat_by_rate)
    assert sum(s.amount for s in cart.savings) == cart.discount_total
    active = {p.id for p in promos if p.is_active(ctx)}
    assert set(cart.applied) <= active
    assert len(set(cart.applied)) == len(cart.applied)
    baskets = [p for p in promos if p.kind == "basket_threshold" and p.id in cart.applied]
    if any(p.exclusive for p in baskets):
        assert len(baskets) == 1
    assert len([p for p in baskets if not p.stackable]) <= 1


@settings(max_examples=100, deadline=None)
@given(cart_lines(), promotions(), contexts, st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_promotion_order(lines, promos, ctx, rnd):
    first = price_cart(lines, promos, ctx)
    shuffled = list(promos)
    rnd.shuffle(shuffled)
    assert price_cart(lines, shuffled, ctx) == first
    assert price_cart(tuple(lines), tuple(promos), ctx) == first


@settings(max_examples=100, deadline=None)
@given(cart_lines(), contexts)
def test_no_promotions_means_label_prices_only(lines, ctx):
    cart = price_cart(lines, [], ctx)
    for pl in cart.lines:
        line = pl.line
        assert all(a.kind == "label_price" for a in pl.adjustments)
        if line.price_override is None and (line.label_price is None or line.label_price >= line.unit_price):
            assert pl.discount == 0


# --- deals against a piece-by-piece reference -------------------------------------------

runs_strategy = st.lists(
    st.tuples(st.integers(0, 20_000), st.integers(1, 9)), min_size=0, max_size=6
).map(lambda rows: [Run(pos, price, count) for pos, (price, count) in enumerate(rows)])


def _pieces(runs):
    return [(r.price, r.pos) for r in runs for _ in range(r.count)]


@settings(max_examples=300, deadline=None)
@given(runs_strategy, st.integers(1, 4), st.integers(0, 40_000))
def test_n_for_price_matches_piece_by_piece(runs, n, price):
    pieces = sorted(_pieces(runs), key=lambda p: (-p[0], p[1]))
    saving, used = 0, set()
    for start in range(0, len(pieces) - n + 1, n):
        group = pieces[start:start + n]
        gross = sum(p for p, _ in group)
        if gross <= price:
            break
        saving += gross - price
        used |= {pos for _, pos in group}
    result = n_for_price(runs, n, price)
    assert result.saving == saving
    assert result.consumed == used
    for run in runs:
        assert 0 <= result.discounts.get(run.pos, 0) <= run.price * run.count


@settings(max_examples=300, deadline=None)
@given(runs_strategy, st.integers(1, 3), st.integers(1, 3), st.integers(1, 10_000), st.data())
def test_buy_x_get_y_matches_piece_by_piece(runs, x, y, bp, data):
    in_buy = data.draw(st.lists(st.booleans(), min_size=len(runs), max_size=len(runs)))
    in_get = data.draw(st.lists(st.booleans(), min_size=len(runs), max_size=len(runs)))
    buy = [r for r, b in zip(runs, in_buy) if b]
    get = [r for r, g in zip(runs, in_get) if g]
    cheapest = sorted(((r.price, r.pos) for r in get if r.price > 0 for _ in range(r.count)))
    buy_pos = {r.pos for r in buy}
    bought = sum(r.count for r in buy)
    k = 0
    for cand in range(len(cheapest) + 1):
        overlap = sum(1 for _, pos in cheapest[:cand] if pos in buy_pos)
        if ((bought - overlap) // x) * y >= cand:
            k = cand
    given_by_pos = Counter(pos for _, pos in cheapest[:k])
    price_of = {r.pos: r.price for r in runs}
    expected = {pos: percent_of(price_of[pos] * c, bp) for pos, c in given_by_pos.items()}
    result = buy_x_get_y(buy, get, x, y, bp)
    assert result.discounts == {pos: d for pos, d in expected.items() if d}
    assert result.saving == sum(expected.values())
    assert set(given_by_pos) <= result.consumed


def test_deals_scale_with_runs_not_pieces():
    runs = [Run(0, 1000, 3_000_000), Run(1, 999, 1)]
    assert n_for_price(runs, 3, 2000).saving == 1_000_000 * 1000
    assert buy_x_get_y(runs, runs, 2, 1, 10_000).saving == 999 + 999_999 * 1000


# --- discount shares ----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=40), st.data())
def test_split_capped_stays_within_every_line(caps, data):
    total = data.draw(st.integers(0, sum(caps)))
    parts = split_capped(total, caps)
    assert sum(parts) == total
    assert all(0 <= p <= c for p, c in zip(parts, caps))


def test_basket_discount_over_many_one_kopeck_lines_adds_up():
    # money.allocate_capped(2, [1, 1, 1, 1]) gives [1, 1, 1, -1]; pricing must not.
    lines = [CartLine(no, "A", 1000, 1, 2000) for no in range(1, 5)]
    p = Promotion(id="b", kind="basket_threshold", name="b", params={"threshold": 0, "amount": 2})
    cart = price_cart(lines, [p], PricingContext(now=NOW))
    assert cart.total == 2 and cart.discount_total == 2
    assert [pl.amount for pl in cart.lines] == [0, 0, 1, 1]


@settings(max_examples=200, deadline=None)
@given(cart_lines(), st.integers(1, 10_000) | st.none(), st.integers(1, 500_000))
def test_one_basket_discount_is_given_exactly(lines, bp, amount):
    params = {"threshold": 0}
    params.update({"percent_bp": bp} if bp else {"amount": amount})
    p = Promotion(id="b", kind="basket_threshold", name="b", params=params)
    ctx = PricingContext(now=NOW)
    before = price_cart(lines, [], ctx)
    after = price_cart(lines, [p], ctx)
    eligible = sum(pl.amount for pl in before.lines if pl.line.price_override is None)
    expected = percent_of(eligible, bp) if bp else min(amount, eligible)
    assert before.total - after.total == expected
    shares = [a.amount for pl in after.lines for a in pl.adjustments if a.promotion_id == "b"]
    assert sum(shares) == expected and all(s > 0 for s in shares)
