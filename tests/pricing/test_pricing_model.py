"""Bad input is refused where it enters, with a message a person can act on."""
from __future__ import annotations

import copy
import pickle

import pytest

from pricing_support import ctx, pcs, promo, skus
from retail.pricing import (
    CartLine,
    Customer,
    PricingContext,
    PricingError,
    Promotion,
    PromotionError,
    Target,
    price_cart,
)

T = {"target": skus("A")}

BAD_PROMOTIONS = [
    # id, kind, params, extra kwargs, message fragment
    ("percent over 100", "percent_off", {**T, "percent_bp": 10001}, {}, "more than 100 %"),
    ("percent zero", "percent_off", {**T, "percent_bp": 0}, {}, "at least 1"),
    ("percent as float", "percent_off", {**T, "percent_bp": 10.5}, {}, "whole number"),
    ("percent as bool", "percent_off", {**T, "percent_bp": True}, {}, "whole number"),
    ("percent misspelt", "percent_off", {**T, "percent": 1000}, {}, "does not take ['percent']"),
    ("percent missing", "percent_off", dict(T), {}, "'percent_bp' is required"),
    ("negative amount", "amount_off", {**T, "amount": -100}, {}, "at least 1"),
    ("negative fixed price", "fixed_price", {**T, "price": -1}, {}, "must not be negative"),
    ("N zero", "n_for_price", {**T, "n": 0, "price": 100}, {}, "n must be at least 1"),
    ("N negative", "n_for_price", {**T, "n": -3, "price": 100}, {}, "n must be at least 1"),
    ("n_for_price negative price", "n_for_price", {**T, "n": 3, "price": -5}, {}, "must not be negative"),
    ("X zero", "buy_x_get_y", {**T, "x": 0, "y": 1}, {}, "x must be at least 1"),
    ("Y zero", "buy_x_get_y", {**T, "x": 2, "y": 0}, {}, "y must be at least 1"),
    ("Y percent over 100", "buy_x_get_y", {**T, "x": 2, "y": 1, "percent_bp": 20000}, {}, "more than 100 %"),
    ("bad get_target", "buy_x_get_y", {**T, "x": 2, "y": 1, "get_target": "G"}, {}, "get_target"),
    ("no target", "percent_off", {"percent_bp": 1000}, {}, "needs a target"),
    ("empty target", "percent_off", {"target": {}, "percent_bp": 1000}, {}, "at least one SKU"),
    ("target skus as a string", "percent_off", {"target": {"skus": "ABC"}, "percent_bp": 1000}, {},
     "list of ids"),
    ("target with unknown key", "percent_off", {"target": {"sku": ["A"]}, "percent_bp": 1000}, {},
     "unknown keys ['sku']"),
    ("target with blank id", "percent_off", {"target": {"skus": [" "]}, "percent_bp": 1000}, {},
     "empty id"),
    ("target not a mapping", "percent_off", {"target": ["A"], "percent_bp": 1000}, {}, "mapping"),
    ("basket with both amount and percent", "basket_threshold",
     {"threshold": 0, "amount": 100, "percent_bp": 100}, {}, "exactly one"),
    ("basket with neither", "basket_threshold", {"threshold": 0}, {}, "exactly one"),
    ("basket negative threshold", "basket_threshold", {"threshold": -1, "amount": 100}, {},
     "must not be negative"),
    ("basket threshold missing", "basket_threshold", {"amount": 100}, {}, "'threshold' is required"),
    ("unknown kind", "half_price_tuesday", {}, {}, "unknown kind"),
    ("params not a mapping", "percent_off", [("percent_bp", 1000)], {}, "mapping"),
    ("stackable item promotion", "percent_off", {**T, "percent_bp": 100}, {"stackable": True},
     "only basket promotions"),
    ("exclusive and stackable", "basket_threshold", {"threshold": 0, "amount": 1},
     {"stackable": True, "exclusive": True}, "both exclusive and stackable"),
    ("dates reversed", "percent_off", {**T, "percent_bp": 100}, {"valid_from": 10, "valid_to": 5},
     "valid_to must be after"),
    ("empty window", "percent_off", {**T, "percent_bp": 100}, {"valid_from": 10, "valid_to": 10},
     "valid_to must be after"),
    ("date as text", "percent_off", {**T, "percent_bp": 100}, {"valid_from": "2026-01-01"}, "unix seconds"),
    ("blank coupon", "percent_off", {**T, "percent_bp": 100}, {"coupon_code": "  "}, "coupon_code"),
    ("priority as text", "percent_off", {**T, "percent_bp": 100}, {"priority": "high"}, "priority"),
    ("exclusive as text", "percent_off", {**T, "percent_bp": 100}, {"exclusive": "yes"}, "exclusive"),
]


@pytest.mark.parametrize("kind,params,kw,fragment", [b[1:] for b in BAD_PROMOTIONS],
                         ids=[b[0] for b in BAD_PROMOTIONS])
def test_bad_promotion_is_refused(kind, params, kw, fragment):
    with pytest.raises(PromotionError) as err:
        Promotion(id="P-7", kind=kind, name="x", params=params, **kw)
    assert fragment in str(err.value)
    assert "P-7" in str(err.value)


def test_blank_promotion_id():
    with pytest.raises(PromotionError, match="id"):
        Promotion(id="", kind="percent_off", name="x", params={**T, "percent_bp": 1})


def test_promotion_params_are_frozen_copies():
    params = {"target": {"skus": ["A"]}, "percent_bp": 1000}
    p = Promotion(id="p", kind="percent_off", name="x", params=params)
    params["percent_bp"] = 9000
    assert p.params["percent_bp"] == 1000 and p.rule.percent_bp == 1000
    with pytest.raises(TypeError):
        p.params["percent_bp"] = 5  # type: ignore[index]
    assert hash(p) == hash(Promotion(id="p", kind="percent_off", name="x", params=params))


def test_nested_params_are_copied_too():
    target = {"skus": ["A"]}
    p = Promotion(id="p", kind="percent_off", name="x", params={"target": target, "percent_bp": 1})
    target["skus"].append("B")
    assert p.params["target"] == {"skus": ["A"]}


def test_promotion_survives_pickle_and_deepcopy():
    p = Promotion(id="p", kind="basket_threshold", name="x", params={"threshold": 5, "amount": 1},
                  priority=3, valid_from=1, valid_to=9, coupon_code="ab", tier="gold",
                  customer_id="c", stackable=True)
    for twin in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p)):
        assert twin == p and twin.rule == p.rule and twin.stackable and twin.coupon_code == "AB"


def test_target_object_and_ids_as_strings():
    p = promo("p", "percent_off", {"target": Target(category_ids=frozenset({12})), "percent_bp": 100})
    assert p.rule.target.category_ids == frozenset({"12"})
    assert p.rule.target.matches("any", 12, None) and not p.rule.target.matches("any", 13, None)


BAD_LINES = [
    ("return line", dict(qty_milli=-1000), "returns are priced"),
    ("zero quantity", dict(qty_milli=0), "quantity is zero"),
    ("half a piece", dict(qty_milli=1500), "not a whole number"),
    ("float quantity", dict(qty_milli=1.0), "int thousandths"),
    ("float price", dict(unit_price=99.9), "whole kopecks"),
    ("negative price", dict(unit_price=-1), "must not be negative"),
    ("negative label price", dict(label_price=-5), "label price"),
    ("float override", dict(price_override=10.0), "price override"),
    ("VAT over 100 %", dict(vat_rate_bp=10001), "VAT rate"),
    ("VAT as text", dict(vat_rate_bp="20%"), "VAT rate"),
    ("unknown unit", dict(unit="l"), "unit must be"),
    ("blank sku", dict(sku=" "), "SKU is empty"),
    ("category as float", dict(category_id=1.5), "category_id"),
    ("line number as text", dict(line_no="1"), "line number"),
]


@pytest.mark.parametrize("change,fragment", [b[1:] for b in BAD_LINES], ids=[b[0] for b in BAD_LINES])
def test_bad_cart_line_is_refused(change, fragment):
    fields = dict(line_no=3, sku="A", qty_milli=1000, unit_price=100, vat_rate_bp=2000)
    fields.update(change)
    with pytest.raises(PricingError, match=fragment):
        CartLine(**fields)


def test_weighed_line_takes_grams():
    assert CartLine(1, "A", 1537, 100, 1000, unit="kg").qty_milli == 1537


@pytest.mark.parametrize(
    "build,fragment",
    [
        (lambda: PricingContext(now=1.5), "unix seconds"),
        (lambda: PricingContext(now=0, coupons="SAVE10"), "not a single string"),
        (lambda: PricingContext(now=0, coupons={5}), "coupon code must be text"),
        (lambda: PricingContext(now=0, customer="c1"), "Customer"),
        (lambda: Customer(""), "customer id"),
        (lambda: Customer("c", tier=3), "tier"),
    ],
    ids=["float now", "coupons string", "coupon int", "customer str", "blank customer", "tier int"],
)
def test_bad_context_is_refused(build, fragment):
    with pytest.raises(PricingError, match=fragment):
        build()


def test_context_normalises_coupons():
    assert PricingContext(now=0, coupons=[" ab1 ", "", "AB1"]).coupons == frozenset({"AB1"})


def test_price_cart_refuses_duplicate_line_numbers():
    with pytest.raises(PricingError, match="line number 1 appears twice"):
        price_cart([pcs(1, "A", 1, 100), pcs(1, "B", 1, 100)], [], ctx())


def test_price_cart_refuses_duplicate_promotion_ids():
    p = promo("p", "percent_off", {**T, "percent_bp": 100})
    q = promo("p", "percent_off", {**T, "percent_bp": 200})
    with pytest.raises(PricingError, match="'p' appears twice"):
        price_cart([pcs(1, "A", 1, 100)], [p, q], ctx())


@pytest.mark.parametrize(
    "args,fragment",
    [
        (([{"sku": "A"}], [], ctx()), "CartLine"),
        (([], [{"id": "p"}], ctx()), "Promotion"),
        (([], [], 0), "PricingContext"),
    ],
    ids=["dict line", "dict promotion", "int context"],
)
def test_price_cart_refuses_wrong_types(args, fragment):
    with pytest.raises(PricingError, match=fragment):
        price_cart(*args)
