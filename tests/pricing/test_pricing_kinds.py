"""Every promotion kind on its own: expected kopecks per line, case by case."""
from __future__ import annotations

import pytest

from pricing_support import amounts, ctx, kg, pcs, promo, skus
from retail.pricing import price_cart

CASES = [
    # id, lines, promotions, expected {line_no: amount}
    (
        "percent_off sku",
        [pcs(1, "A", 2, 9990), pcs(2, "B", 1, 5000)],
        [promo("p", "percent_off", {"target": skus("A"), "percent_bp": 1000})],
        {1: 17982, 2: 5000},
    ),
    (
        "percent_off category rounds half up",
        [pcs(1, "A", 1, 333, category_id="dairy"), pcs(2, "B", 1, 100, category_id="bread")],
        [promo("p", "percent_off", {"target": {"category_ids": ["dairy"]}, "percent_bp": 1500})],
        {1: 283, 2: 100},  # 15 % of 333 = 49.95 -> 50
    ),
    (
        "percent_off brand, int id matches str id",
        [pcs(1, "A", 1, 1000, brand_id=7), pcs(2, "B", 1, 1000, brand_id=8)],
        [promo("p", "percent_off", {"target": {"brand_ids": ["7"]}, "percent_bp": 2500})],
        {1: 750, 2: 1000},
    ),
    (
        "percent_off category minus an excluded sku",
        [pcs(1, "A", 1, 1000, category_id=5), pcs(2, "B", 1, 1000, category_id=5)],
        [promo("p", "percent_off", {"target": {"category_ids": [5], "exclude_skus": ["A"]},
                                    "percent_bp": 1000})],
        {1: 1000, 2: 900},
    ),
    (
        "percent_off 100 % makes the line free",
        [pcs(1, "A", 3, 1234)],
        [promo("p", "percent_off", {"target": skus("A"), "percent_bp": 10000})],
        {1: 0},
    ),
    (
        "percent_off half a kopeck rounds up",
        [pcs(1, "A", 1, 5)],
        [promo("p", "percent_off", {"target": skus("A"), "percent_bp": 1000})],
        {1: 4},
    ),
    (
        "amount_off each piece",
        [pcs(1, "A", 3, 12000)],
        [promo("p", "amount_off", {"target": skus("A"), "amount": 5000})],
        {1: 21000},
    ),
    (
        "amount_off larger than the price stops at zero",
        [pcs(1, "A", 1, 3000)],
        [promo("p", "amount_off", {"target": skus("A"), "amount": 5000})],
        {1: 0},
    ),
    (
        "amount_off per kg on weighed goods",
        [kg(1, "CHEESE", 1250, 40000)],
        [promo("p", "amount_off", {"target": skus("CHEESE"), "amount": 4000})],
        {1: 45000},
    ),
    (
        "fixed_price",
        [pcs(1, "A", 2, 15000)],
        [promo("p", "fixed_price", {"target": skus("A"), "price": 9900})],
        {1: 19800},
    ),
    (
        "fixed_price above the price does nothing",
        [pcs(1, "A", 1, 5000)],
        [promo("p", "fixed_price", {"target": skus("A"), "price": 6000})],
        {1: 5000},
    ),
    (
        "fixed_price per kg",
        [kg(1, "HAM", 750, 30000)],
        [promo("p", "fixed_price", {"target": skus("HAM"), "price": 25000})],
        {1: 18750},
    ),
    (
        "n_for_price exactly N",
        [pcs(1, "A", 3, 4000)],
        [promo("p", "n_for_price", {"target": skus("A"), "n": 3, "price": 10000})],
        {1: 10000},
    ),
    (
        "n_for_price repeats, leftover at full price",
        [pcs(1, "A", 7, 4000)],
        [promo("p", "n_for_price", {"target": skus("A"), "n": 3, "price": 10000})],
        {1: 24000},
    ),
    (
        "n_for_price mixes lines, most expensive first, saving split by price",
        [pcs(1, "A", 2, 5000), pcs(2, "B", 2, 3000)],
        [promo("p", "n_for_price", {"target": skus("A", "B"), "n": 3, "price": 10000})],
        {1: 7692, 2: 5308},  # group A,A,B = 13000 -> 10000; 3000 split 2308/692
    ),
    (
        "n_for_price not applied when the group costs less than the deal",
        [pcs(1, "A", 3, 3000)],
        [promo("p", "n_for_price", {"target": skus("A"), "n": 3, "price": 10000})],
        {1: 9000},
    ),
    (
        "n_for_price needs N pieces",
        [pcs(1, "A", 2, 5000)],
        [promo("p", "n_for_price", {"target": skus("A"), "n": 3, "price": 10000})],
        {1: 10000},
    ),
    (
        "n_for_price ignores weighed goods",
        [kg(1, "A", 3000, 5000)],
        [promo("p", "n_for_price", {"target": skus("A"), "n": 3, "price": 10000})],
        {1: 15000},
    ),
    (
        "buy 2 get 1 free",
        [pcs(1, "A", 3, 5000)],
        [promo("p", "buy_x_get_y", {"target": skus("A"), "x": 2, "y": 1})],
        {1: 10000},
    ),
    (
        "buy 2 get 1: the cheapest piece is free",
        [pcs(1, "A", 2, 5000), pcs(2, "B", 1, 3000)],
        [promo("p", "buy_x_get_y", {"target": skus("A", "B"), "x": 2, "y": 1})],
        {1: 10000, 2: 0},
    ),
    (
        "buy 2 get 1 with 5 pieces gives one",
        [pcs(1, "A", 5, 1000)],
        [promo("p", "buy_x_get_y", {"target": skus("A"), "x": 2, "y": 1})],
        {1: 4000},
    ),
    (
        "buy 2 get 1 with 6 pieces gives two",
        [pcs(1, "A", 6, 1000)],
        [promo("p", "buy_x_get_y", {"target": skus("A"), "x": 2, "y": 1})],
        {1: 4000},
    ),
    (
        "buy 1 get 1 at 50 %",
        [pcs(1, "A", 2, 1000)],
        [promo("p", "buy_x_get_y", {"target": skus("A"), "x": 1, "y": 1, "percent_bp": 5000})],
        {1: 1500},
    ),
    (
        "buy 2 A get 1 G free",
        [pcs(1, "A", 2, 5000), pcs(2, "G", 2, 2000)],
        [promo("p", "buy_x_get_y", {"target": skus("A"), "get_target": skus("G"), "x": 2, "y": 1})],
        {1: 10000, 2: 2000},
    ),
    (
        "buy A get G without any G",
        [pcs(1, "A", 4, 5000)],
        [promo("p", "buy_x_get_y", {"target": skus("A"), "get_target": skus("G"), "x": 2, "y": 1})],
        {1: 20000},
    ),
    (
        "buy from a category get a sku in it: a piece counts once",
        [pcs(1, "A", 1, 5000, category_id="c"), pcs(2, "G", 2, 2000, category_id="c")],
        [promo("p", "buy_x_get_y", {"target": {"category_ids": ["c"]}, "get_target": skus("G"),
                                    "x": 2, "y": 1})],
        {1: 5000, 2: 2000},
    ),
    (
        "basket amount off split in proportion",
        [pcs(1, "A", 1, 2000), pcs(2, "B", 1, 1000)],
        [promo("p", "basket_threshold", {"threshold": 3000, "amount": 500})],
        {1: 1667, 2: 833},
    ),
    (
        "basket below threshold",
        [pcs(1, "A", 1, 2000), pcs(2, "B", 1, 999)],
        [promo("p", "basket_threshold", {"threshold": 3000, "amount": 500})],
        {1: 2000, 2: 999},
    ),
    (
        "basket percent, remainder on the last line",
        [pcs(1, "A", 1, 1001), pcs(2, "B", 1, 1000)],
        [promo("p", "basket_threshold", {"threshold": 0, "percent_bp": 1000})],
        {1: 901, 2: 900},  # 10 % of 2001 = 200: 100 + 100
    ),
    (
        "basket discount limited to a target",
        [pcs(1, "A", 1, 2000, brand_id="X"), pcs(2, "B", 1, 1000)],
        [promo("p", "basket_threshold", {"threshold": 3000, "amount": 300,
                                         "target": {"brand_ids": ["X"]}})],
        {1: 1700, 2: 1000},
    ),
    (
        "basket amount larger than the basket stops at zero",
        [pcs(1, "A", 1, 3000)],
        [promo("p", "basket_threshold", {"threshold": 0, "amount": 10000})],
        {1: 0},
    ),
    (
        "basket threshold counts the subtotal after item promotions",
        [pcs(1, "A", 1, 3000)],
        [
            promo("item", "percent_off", {"target": skus("A"), "percent_bp": 5000}),
            promo("p", "basket_threshold", {"threshold": 2000, "amount": 100}),
        ],
        {1: 1500},
    ),
]


@pytest.mark.parametrize("lines,promotions,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_kind(lines, promotions, expected):
    assert amounts(lines, promotions) == expected


def test_adjustments_name_the_promotion_and_add_up():
    lines = [pcs(1, "A", 2, 5000), pcs(2, "B", 2, 3000)]
    p = promo("p", "n_for_price", {"target": skus("A", "B"), "n": 3, "price": 10000})
    cart = price_cart(lines, [p], ctx())
    first, second = cart.lines
    assert [(a.promotion_id, a.kind, a.amount, a.line_no) for a in first.adjustments] == [
        ("p", "n_for_price", 2308, 1)
    ]
    assert second.adjustments[0].amount == 692
    assert first.adjustments[0].label == "name of p"
    assert cart.applied == ("p",)
    assert cart.subtotal == 16000 and cart.discount_total == 3000 and cart.total == 13000
    assert [(s.promotion_id, s.amount) for s in cart.savings] == [("p", 3000)]


def test_promotion_without_effect_is_not_listed_as_applied():
    cart = price_cart(
        [pcs(1, "A", 1, 5000)],
        [promo("p", "fixed_price", {"target": skus("A"), "price": 6000})],
        ctx(),
    )
    assert cart.applied == () and cart.savings == () and cart.lines[0].adjustments == ()
