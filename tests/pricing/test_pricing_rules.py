"""Priority, exclusivity, stacking, gates, dates, overrides, label prices, weighed goods."""
from __future__ import annotations

import pytest

from pricing_support import NOW, amounts, ctx, kg, pcs, promo, skus
from retail.pricing import Customer, price_cart


def pct(pid, bp, *codes, **kw):
    return promo(pid, "percent_off", {"target": skus(*codes), "percent_bp": bp}, **kw)


def basket(pid, threshold=0, **kw):
    params = {"threshold": threshold}
    for key in ("amount", "percent_bp", "target"):
        if key in kw:
            params[key] = kw.pop(key)
    return promo(pid, "basket_threshold", params, **kw)


A1 = [pcs(1, "A", 1, 10000)]
AB = [pcs(1, "A", 1, 10000), pcs(2, "B", 1, 10000)]
THREE_A = [pcs(1, "A", 3, 1000)]
THREE_FOR_TWO = promo("deal", "buy_x_get_y", {"target": skus("A"), "x": 2, "y": 1})

RULES = [
    # id, lines, promotions, expected amounts, expected applied ids
    ("higher priority wins although it saves less",
     A1, [pct("small", 500, "A", priority=10), pct("big", 5000, "A", priority=20)],
     {1: 9500}, ("small",)),
    ("equal priority: the bigger saving wins",
     A1, [pct("small", 500, "A"), pct("big", 5000, "A")],
     {1: 5000}, ("big",)),
    ("equal priority and saving: the lower id wins",
     A1, [pct("b", 1000, "A"), pct("a", 1000, "A")],
     {1: 9000}, ("a",)),
    ("a line takes one item promotion, not two",
     A1, [pct("x", 1000, "A", priority=1), promo("y", "amount_off", {"target": skus("A"), "amount": 100},
                                                 priority=2)],
     {1: 9000}, ("x",)),
    ("deal beats a smaller single-line offer at the same priority",
     THREE_A, [THREE_FOR_TWO, pct("ten", 1000, "A")],
     {1: 2000}, ("deal",)),
    ("single-line offer beats a smaller deal at the same priority",
     THREE_A, [THREE_FOR_TWO, pct("half", 5000, "A")],
     {1: 1500}, ("half",)),
    ("deal of higher priority wins over a bigger later offer",
     THREE_A, [promo("deal", "buy_x_get_y", {"target": skus("A"), "x": 2, "y": 1}, priority=10),
               pct("half", 5000, "A", priority=20)],
     {1: 2000}, ("deal",)),
    ("a line left out of a deal falls to the next priority",
     [pcs(1, "A", 1, 1000, category_id="c"), pcs(2, "A2", 1, 1000, category_id="c"),
      pcs(3, "A3", 1, 1000, category_id="c"), pcs(4, "B", 1, 1000, category_id="c")],
     [promo("deal", "buy_x_get_y", {"target": {"category_ids": ["c"]}, "x": 2, "y": 1}, priority=10),
      promo("half", "percent_off", {"target": {"category_ids": ["c"]}, "percent_bp": 5000}, priority=20)],
     {1: 0, 2: 1000, 3: 1000, 4: 500}, ("deal", "half")),
    ("two deals on the same pieces: the bigger saving takes them",
     [pcs(1, "A", 3, 1000)],
     [promo("d3for2", "buy_x_get_y", {"target": skus("A"), "x": 2, "y": 1}),
      promo("d3for25", "n_for_price", {"target": skus("A"), "n": 3, "price": 2500})],
     {1: 2000}, ("d3for2",)),
    ("exclusive item promotion keeps its lines out of basket discounts",
     AB, [pct("only", 1000, "A", exclusive=True), basket("bsk", percent_bp=1000)],
     {1: 9000, 2: 9000}, ("only", "bsk")),
    ("non-exclusive item promotion combines with the basket discount",
     AB, [pct("item", 1000, "A"), basket("bsk", percent_bp=1000)],
     {1: 8100, 2: 9000}, ("item", "bsk")),
    ("exclusive basket: only on lines without item promotions, blocks other baskets",
     AB, [pct("item", 1000, "A"), basket("excl", percent_bp=2000, exclusive=True, priority=10),
          basket("plain", percent_bp=500, priority=20), basket("stack", amount=100, stackable=True)],
     {1: 9000, 2: 8000}, ("item", "excl")),
    ("exclusive basket threshold counts only full-price lines",
     AB, [pct("item", 1000, "A"), basket("excl", 15000, percent_bp=2000, exclusive=True, priority=10),
          basket("plain", 15000, percent_bp=500, priority=20)],
     {1: 8550, 2: 9500}, ("item", "plain")),
    ("one basket promotion: the bigger saving at equal priority",
     A1, [basket("ten", percent_bp=1000), basket("five_hundred", amount=500)],
     {1: 9000}, ("ten",)),
    ("one basket promotion: priority beats saving",
     A1, [basket("five", percent_bp=500, priority=10), basket("ten", percent_bp=1000, priority=20)],
     {1: 9500}, ("five",)),
    ("stackable basket promotions apply in priority order on what is left",
     A1, [basket("first", amount=500, stackable=True, priority=50), basket("ten", percent_bp=1000)],
     {1: 8550}, ("first", "ten")),
    ("exclusive basket ranked below a plain one does not apply",
     A1, [basket("plain", percent_bp=500, priority=10),
          basket("excl", percent_bp=3000, exclusive=True, priority=20)],
     {1: 9500}, ("plain",)),
    ("price override: no promotions and no basket share, not in the threshold",
     [pcs(1, "A", 1, 10000, price_override=5000), pcs(2, "B", 1, 4000)],
     [pct("half", 5000, "A", "B"), basket("bsk", 4000, amount=1000)],
     {1: 5000, 2: 2000}, ("half",)),
    ("label price first, then the promotion on it",
     [pcs(1, "A", 1, 10000, label_price=8000)], [pct("ten", 1000, "A")],
     {1: 7200}, ("ten",)),
    ("label price higher than the price is ignored",
     [pcs(1, "A", 1, 10000, label_price=12000)], [],
     {1: 10000}, ()),
    ("label price counts as the price for deals",
     [pcs(1, "A", 3, 1000, label_price=800)], [THREE_FOR_TWO],
     {1: 1600}, ("deal",)),
]


@pytest.mark.parametrize(
    "lines,promotions,expected,applied", [r[1:] for r in RULES], ids=[r[0] for r in RULES]
)
def test_rule(lines, promotions, expected, applied):
    cart = price_cart(lines, promotions, ctx())
    assert {pl.line.line_no: pl.amount for pl in cart.lines} == expected
    assert cart.applied == applied
    assert sum(pl.amount for pl in cart.lines) == cart.total


def test_label_price_adjustment_comes_first():
    cart = price_cart([pcs(1, "A", 1, 10000, label_price=8000)], [pct("ten", 1000, "A")], ctx())
    adjs = cart.lines[0].adjustments
    assert [(a.kind, a.promotion_id, a.amount) for a in adjs] == [
        ("label_price", None, 2000),
        ("percent_off", "ten", 800),
    ]
    assert cart.subtotal == 10000 and cart.discount_total == 2800
    assert [(s.promotion_id, s.amount) for s in cart.savings] == [(None, 2000), ("ten", 800)]


def test_override_line_has_no_adjustments_even_with_label_price():
    line = pcs(1, "A", 2, 10000, label_price=7000, price_override=9000)
    cart = price_cart([line], [pct("ten", 1000, "A")], ctx())
    assert cart.lines[0].adjustments == ()
    assert cart.lines[0].base_amount == 18000 and cart.total == 18000


GATED = [
    # id, promotion gate kwargs, context, applies?
    ("coupon presented", {"coupon_code": "SAVE10"}, ctx(coupons={"SAVE10"}), True),
    ("coupon typed lower case with spaces", {"coupon_code": "Save10"}, ctx(coupons={" save10 "}), True),
    ("coupon missing", {"coupon_code": "SAVE10"}, ctx(), False),
    ("other coupon", {"coupon_code": "SAVE10"}, ctx(coupons={"SAVE20"}), False),
    ("gold tier, gold customer", {"tier": "gold"}, ctx(customer=Customer("c1", "gold")), True),
    ("gold tier, silver customer", {"tier": "gold"}, ctx(customer=Customer("c1", "silver")), False),
    ("gold tier, anonymous", {"tier": "gold"}, ctx(), False),
    ("personal offer, that customer", {"customer_id": "c1"}, ctx(customer=Customer("c1")), True),
    ("personal offer, another customer", {"customer_id": "c1"}, ctx(customer=Customer("c2")), False),
    ("personal offer, anonymous", {"customer_id": "c1"}, ctx(), False),
    ("personal and coupon, both", {"customer_id": "c1", "coupon_code": "X"},
     ctx(customer=Customer("c1"), coupons={"X"}), True),
    ("personal and coupon, coupon missing", {"customer_id": "c1", "coupon_code": "X"},
     ctx(customer=Customer("c1")), False),
    ("starts now", {"valid_from": NOW}, ctx(now=NOW), True),
    ("starts in a second", {"valid_from": NOW + 1}, ctx(now=NOW), False),
    ("ends in a second", {"valid_to": NOW + 1}, ctx(now=NOW), True),
    ("ends now (end is exclusive)", {"valid_to": NOW}, ctx(now=NOW), False),
    ("window around now", {"valid_from": NOW - 10, "valid_to": NOW + 10}, ctx(now=NOW), True),
]


@pytest.mark.parametrize("gates,context,applies", [g[1:] for g in GATED], ids=[g[0] for g in GATED])
@pytest.mark.parametrize("kind", ["item", "basket"])
def test_gates(kind, gates, context, applies):
    if kind == "item":
        p = pct("gated", 1000, "A", **gates)
    else:
        p = basket("gated", percent_bp=1000, **gates)
    assert amounts(A1, [p], context) == {1: 9000 if applies else 10000}


def test_tier_offer_beats_public_offer_only_for_that_tier():
    public = pct("public", 500, "A")
    gold = pct("gold", 1500, "A", tier="gold")
    assert amounts(A1, [public, gold], ctx(customer=Customer("c", "gold"))) == {1: 8500}
    assert amounts(A1, [public, gold], ctx(customer=Customer("c", "silver"))) == {1: 9500}


WEIGHED = [
    # id, line, promotions, expected amount
    ("345 g at 199.90/kg", kg(1, "APPLE", 345, 19990), [], 6897),
    ("1 g at 0.01/kg rounds to zero", kg(1, "APPLE", 1, 1), [], 0),
    ("500 g at 0.01/kg rounds half up", kg(1, "APPLE", 500, 1), [], 1),
    ("10 % off 345 g", kg(1, "APPLE", 345, 19990),
     [pct("ten", 1000, "APPLE")], 6207),
    ("label price per kg", kg(1, "APPLE", 345, 19990, label_price=14990), [], 5172),
    ("fixed price per kg on 2.5 kg", kg(1, "APPLE", 2500, 19990),
     [promo("fx", "fixed_price", {"target": skus("APPLE"), "price": 9990})], 24975),
]


@pytest.mark.parametrize("line,promotions,expected", [w[1:] for w in WEIGHED], ids=[w[0] for w in WEIGHED])
def test_weighed(line, promotions, expected):
    assert amounts([line], promotions) == {1: expected}


def test_vat_per_line_and_breakdown():
    lines = [pcs(1, "A", 1, 12000), kg(2, "B", 1000, 11000), pcs(3, "C", 1, 500, vat_rate_bp=0)]
    cart = price_cart(lines, [basket("b", percent_bp=1000)], ctx())
    assert [pl.amount for pl in cart.lines] == [10800, 9900, 450]
    assert [pl.vat_amount for pl in cart.lines] == [1800, 900, 0]
    assert [(r.rate_bp, r.gross, r.vat) for r in cart.vat_breakdown] == [
        (0, 450, 0), (1000, 9900, 900), (2000, 10800, 1800)
    ]


def test_empty_cart():
    cart = price_cart([], [pct("ten", 1000, "A")], ctx())
    assert (cart.lines, cart.total, cart.subtotal, cart.vat_breakdown, cart.applied) == ((), 0, 0, (), ())


def test_inputs_are_not_changed():
    lines = (pcs(1, "A", 3, 1000),)
    promotions = (THREE_FOR_TWO,)
    before = (lines, promotions, dict(THREE_FOR_TWO.params))
    price_cart(lines, promotions, ctx())
    assert (lines, promotions, dict(THREE_FOR_TWO.params)) == before
