"""In-store EAN-13s (prefixes 20-29): scale labels, price labels, loyalty cards."""
import pytest
from hypothesis import given, strategies as st

from retail.codes import CodeError, with_check_digit
from retail.codes.instore import (
    DEFAULT_SCHEME,
    CardCode,
    InStoreRule,
    InStoreScheme,
    PriceCode,
    WeightCode,
    make_card_barcode,
    make_price_barcode,
    make_weight_barcode,
    parse_instore,
)


@pytest.mark.parametrize(
    "code,expected",
    [
        ("2212345012503", WeightCode(plu=12345, grams=1250, code="2212345012503")),
        ("2000007005006", WeightCode(plu=7, grams=500, code="2000007005006")),
        ("2500001999993", WeightCode(plu=1, grams=99999, code="2500001999993")),
        ("2600042199908", PriceCode(plu=42, kopecks=19990, code="2600042199908")),
        ("2900012345671", CardCode(number="2900012345671")),
    ],
)
def test_parse_default_scheme(code, expected):
    assert parse_instore(code) == expected


@pytest.mark.parametrize(
    "code",
    ["4601234567893", "036000291452", "96385074", "", "22123450125", "22123450125033",
     "221234501250x", "２２１２３４５０１２５０３", None, 2212345012503],
)
def test_not_in_store_is_none(code):
    assert parse_instore(code) is None


@pytest.mark.parametrize(
    "code,reason",
    [
        ("2212345012500", "scale label barcode 2212345012500 fails its check digit: it ends in 0 but should end in 3"),
        ("2900012345670", "loyalty card barcode .* should end in 1"),
        (with_check_digit("221234500000"), "shows a weight of 0 g"),
        (with_check_digit("260000100000"), "shows a price of 0"),
    ],
)
def test_bad_in_store_codes_say_why(code, reason):
    with pytest.raises(CodeError, match=reason):
        parse_instore(code)


def test_prefix_outside_scheme_is_not_in_store():
    scheme = InStoreScheme.from_config({"22": "weight"})
    assert parse_instore("2600042199908", scheme) is None
    assert parse_instore("2212345012503", scheme) == WeightCode(12345, 1250, "2212345012503")


def test_custom_item_code_width():
    scheme = InStoreScheme.from_config({"21": {"kind": "weight", "plu_digits": 4}})
    code = make_weight_barcode(1234, 123456, prefix=21, scheme=scheme)
    assert code.startswith("211234123456")
    assert parse_instore(code, scheme) == WeightCode(1234, 123456, code)


def test_config_round_trip_and_hashable():
    assert InStoreScheme.from_config(DEFAULT_SCHEME.to_config()) == DEFAULT_SCHEME
    assert hash(DEFAULT_SCHEME) == hash(InStoreScheme.from_config({"29": "card", "26-28": "price", "20-25": "weight"}))
    assert DEFAULT_SCHEME.rule_for("24") == InStoreRule("weight")
    assert DEFAULT_SCHEME.rule_for("46") is None


@pytest.mark.parametrize(
    "config,reason",
    [
        ({"30": "weight"}, "must be 20-29"),
        ({"25-20": "weight"}, "runs backwards"),
        ({"20-25": "weight", "22": "price"}, "configured twice"),
        ({"20": "volume"}, "kind must be one of weight, price, card"),
        ({"20": {"kind": "weight", "plu_digits": 10}}, "1-9 digits"),
        ({"20": {"kind": "weight", "digits": 4}}, "unknown setting 'digits'"),
        ({"20": 5}, "expected a kind or a mapping"),
        (["20"], "must be a mapping"),
    ],
)
def test_bad_configuration_says_why(config, reason):
    with pytest.raises(CodeError, match=reason):
        InStoreScheme.from_config(config)


@pytest.mark.parametrize(
    "call,reason",
    [
        (lambda: make_weight_barcode(1, 1250, prefix=26), "prefix 26 is not a weight prefix .*weight: 20, 21, 22, 23, 24, 25"),
        (lambda: make_price_barcode(1, 100, prefix=22), "not a price prefix"),
        (lambda: make_card_barcode(1, prefix=20), "not a card prefix"),
        (lambda: make_weight_barcode(100000, 1250), "item code \\(PLU\\) 100000 does not fit.*0-99999"),
        (lambda: make_weight_barcode(1, 100000), "weight in grams 100000 does not fit.*1-99999"),
        (lambda: make_weight_barcode(1, 0), "weight in grams 0 does not fit"),
        (lambda: make_price_barcode(1, -5), "price in kopecks -5 does not fit"),
        (lambda: make_weight_barcode(1, 1.5), "whole number"),
        (lambda: make_weight_barcode(True, 100), "whole number"),
        (lambda: make_card_barcode(10**10), "card serial"),
    ],
)
def test_makers_refuse_what_does_not_fit(call, reason):
    with pytest.raises(CodeError, match=reason):
        call()


@given(st.integers(0, 99999), st.integers(1, 99999), st.sampled_from(range(20, 26)))
def test_weight_round_trip(plu, grams, prefix):
    code = make_weight_barcode(plu, grams, prefix=prefix)
    assert parse_instore(code) == WeightCode(plu, grams, code)


@given(st.integers(0, 99999), st.integers(1, 99999), st.sampled_from(["26", "27", "28"]))
def test_price_round_trip(plu, kopecks, prefix):
    code = make_price_barcode(plu, kopecks, prefix=prefix)
    assert parse_instore(code) == PriceCode(plu, kopecks, code)


@given(st.integers(0, 10**10 - 1))
def test_card_round_trip(serial):
    code = make_card_barcode(serial)
    assert parse_instore(code) == CardCode(code)


@given(st.text("0123456789", min_size=13, max_size=13))
def test_any_13_digits_parse_or_explain(code):
    try:
        parse_instore(code)
    except CodeError as e:
        assert "check digit" in str(e) or "shows" in str(e)
