import pytest
from hypothesis import given, strategies as st

from retail.money import (MoneyError, allocate, allocate_capped, format_money, line_amount, parse_money,
                          percent_of, round_half_up, vat_included)


@pytest.mark.parametrize("num,den,expected", [
    (5, 10, 1), (4, 10, 0), (15, 10, 2), (25, 10, 3), (-5, 10, -1), (-4, 10, 0), (-15, 10, -2),
    (1, 3, 0), (2, 3, 1), (7, -2, -4), (0, 7, 0),
])
def test_round_half_up(num, den, expected):
    assert round_half_up(num, den) == expected


@pytest.mark.parametrize("kopecks,ru,en", [
    (0, "0,00 ₽", "RUB 0.00"),
    (5, "0,05 ₽", "RUB 0.05"),
    (123450, "1 234,50 ₽", "RUB 1,234.50"),
    (100000000, "1 000 000,00 ₽", "RUB 1,000,000.00"),
    (-123450, "-1 234,50 ₽", "-RUB 1,234.50"),
])
def test_format(kopecks, ru, en):
    assert format_money(kopecks, "ru") == ru
    assert format_money(kopecks, "en") == en


def test_format_refuses_floats():
    with pytest.raises(TypeError):
        format_money(12.5)


@pytest.mark.parametrize("text,kopecks", [
    ("1234", 123400), ("1 234,50", 123450), ("1234.5", 123450), ("1 234,50 ₽", 123450),
    ("RUB 1,234.50", 123450), ("0,99", 99), (",5", 50), ("12 руб.", 1200), ("1\u00a0000", 100000),
])
def test_parse(text, kopecks):
    assert parse_money(text) == kopecks


@pytest.mark.parametrize("text,message", [
    ("", "enter an amount"), ("   ", "enter an amount"), ("abc", "not an amount"),
    ("1,234", "two digits"), ("1.234", "ambiguous"), ("12,345,6", "not an amount"),
    ("-5", "negative"), ("1e5", "not an amount"), ("99999999999999", "too large"), (".", "not an amount"),
])
def test_parse_errors_are_clear(text, message):
    with pytest.raises(MoneyError, match=message):
        parse_money(text)


def test_parse_negative_when_allowed():
    assert parse_money("-5,10", allow_negative=True) == -510


@given(st.integers(-10**12, 10**12))
def test_format_parse_round_trip(k):
    assert parse_money(format_money(k, "ru"), allow_negative=True) == k
    assert parse_money(format_money(k, "en"), allow_negative=True) == k


@given(st.integers(-10**9, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=50))
def test_allocation_is_exact(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total and len(parts) == len(weights)


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=50), st.data())
def test_capped_allocation_never_exceeds_a_line(caps, data):
    total = data.draw(st.integers(0, sum(caps)))
    parts = allocate_capped(total, caps)
    assert sum(parts) == total
    assert all(0 <= p <= c for p, c in zip(parts, caps))


def test_allocation_remainder_lands_on_the_last_line():
    assert allocate(100, [1, 1, 1]) == [33, 33, 34]
    assert allocate(-100, [1, 1, 1]) == [-33, -33, -34]


def test_line_amounts_weight_and_vat():
    assert line_amount(19990, 1000) == 19990
    assert line_amount(15990, 1235) == 19748  # 1.235 kg at 159,90 ₽/kg = 197,4765 -> 197,48
    assert percent_of(10000, 1500) == 1500
    assert vat_included(12000, 2000) == 2000
    assert vat_included(11000, 1000) == 1000


@pytest.mark.parametrize("total,weights,expected", [
    (2, [1, 1, 1, 1], [1, 1, 0, 0]),
    (-2, [1, 1, 1, 1], [-1, -1, 0, 0]),
    (3, [1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]),
    (5, [0, 5, 0], [0, 5, 0]),
])
def test_many_tiny_shares_never_go_negative(total, weights, expected):
    assert allocate(total, weights) == expected
    assert allocate_capped(abs(total), weights) == [abs(p) for p in expected]
