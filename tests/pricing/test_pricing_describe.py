"""Receipt and screen labels in Russian and English."""
from __future__ import annotations

import pytest

from pricing_support import ctx, pcs, promo, skus
from retail.pricing import Adjustment, PricingError, describe, price_cart

T = {"target": skus("A")}

LABELS = [
    # kind, params, ru, en
    ("percent_off", {**T, "percent_bp": 1000}, "Скидка 10%", "10% off"),
    ("percent_off", {**T, "percent_bp": 1250}, "Скидка 12,5%", "12.5% off"),
    ("percent_off", {**T, "percent_bp": 1}, "Скидка 0,01%", "0.01% off"),
    ("amount_off", {**T, "amount": 5000}, "Скидка 50,00 ₽", "RUB 50.00 off"),
    ("fixed_price", {**T, "price": 9990}, "Спеццена 99,90 ₽", "Special price RUB 99.90"),
    ("n_for_price", {**T, "n": 3, "price": 10000}, "3 за 100,00 ₽", "3 for RUB 100.00"),
    ("buy_x_get_y", {**T, "x": 2, "y": 1}, "3 по цене 2", "3 for 2"),
    ("buy_x_get_y", {**T, "x": 2, "y": 1, "get_target": skus("G")}, "1 в подарок при покупке 2",
     "Buy 2, get 1 free"),
    ("buy_x_get_y", {**T, "x": 1, "y": 1, "percent_bp": 5000}, "1 + 1 со скидкой 50%",
     "Buy 1, get 1 50% off"),
    ("basket_threshold", {"threshold": 300000, "percent_bp": 500}, "Скидка 5% на чек от 3 000,00 ₽",
     "5% off orders over RUB 3,000.00"),
    ("basket_threshold", {"threshold": 0, "amount": 20000}, "Скидка 200,00 ₽ на чек",
     "RUB 200.00 off your order"),
]


@pytest.mark.parametrize("kind,params,ru,en", LABELS, ids=[f"{x[0]}:{x[3]}" for x in LABELS])
def test_label(kind, params, ru, en):
    p = promo("p", kind, params)
    adj = Adjustment("p", kind, "central's name", 100, 1, p.rule.terms)
    assert describe(adj, "ru") == ru
    assert describe(adj, "en") == en


def test_labels_of_a_priced_cart_and_its_savings():
    lines = [pcs(1, "A", 3, 1000, label_price=900)]
    cart = price_cart(lines, [promo("d", "buy_x_get_y", {**T, "x": 2, "y": 1})], ctx())
    assert [describe(a, "ru") for a in cart.lines[0].adjustments] == ["Акционная цена", "3 по цене 2"]
    assert [describe(s, "en") for s in cart.savings] == ["Sale price", "3 for 2"]


@pytest.mark.parametrize("lang,expected", [("ru_RU", "Скидка 10%"), ("en-GB", "10% off"), ("EN", "10% off")])
def test_locale_codes(lang, expected):
    adj = Adjustment("p", "percent_off", "", 1, 1, (("percent_bp", 1000),))
    assert describe(adj, lang) == expected


def test_unknown_language_is_an_error():
    adj = Adjustment("p", "percent_off", "", 1, 1, (("percent_bp", 1000),))
    with pytest.raises(PricingError, match="use 'ru' or 'en'"):
        describe(adj, "de")


def test_unknown_kind_and_missing_terms_are_errors():
    with pytest.raises(PricingError, match="no label for adjustment kind 'mystery'"):
        describe(Adjustment("p", "mystery", "", 1, 1), "en")
    with pytest.raises(PricingError, match="lacks the term 'n'"):
        describe(Adjustment("p", "n_for_price", "", 1, 1, (("price", 5),)), "ru")
