"""GS1 element strings: real scan shapes, every error with its reason, Hypothesis round-trips."""
import re
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from retail.codes import CodeError, check_digit, with_check_digit
from retail.codes.gs1 import AI_TABLE, GS, GS1Data, encode_gs1, parse_gs1

TODAY = date(2025, 6, 1)


def parse(text):
    return parse_gs1(text, today=TODAY)


def test_human_readable_form():
    d = parse("(01)04601234567893(17)271231(10)ABC")
    assert d.gtin == "04601234567893"
    assert d.expiry == date(2027, 12, 31)
    assert d.batch == "ABC"
    assert dict(d.raw) == {"01": "04601234567893", "17": "271231", "10": "ABC"}


def test_human_readable_tolerates_spaces_as_printed():
    d = parse("(01) 04601234567893 (17) 271231 (10) ABC")
    assert (d.gtin, d.batch) == ("04601234567893", "ABC")


def test_gs_separated_datamatrix_with_chestny_znak_fields():
    # Russian mandatory marking (Chestny Znak): GTIN, serial, then 91 key id and 92 crypto.
    crypto = "dGVzdGNyeXB0b3RhaWxmb3J0ZXN0aW5nb25seTEyMzQ="
    scan = f"0104607053470017215Ab!Cd%efGh{GS}91EE06{GS}92{crypto}"
    d = parse(scan)
    assert d.gtin == "04607053470017"
    assert d.serial == "5Ab!Cd%efGh"
    assert d.raw["91"] == "EE06"
    assert d.raw["92"] == crypto


def test_leading_fnc1_and_separator_after_fixed_field_are_tolerated():
    d = parse(f"{GS}0104601234567893{GS}10LOT1{GS}")
    assert (d.gtin, d.batch) == ("04601234567893", "LOT1")


def test_variable_measure_weight_and_price_are_integers():
    # GS1 DataBar Expanded on a pre-packed fresh item: 1.250 kg for 123.45 roubles.
    d = parse(f"0194601234567896310300125039220123450{GS}10A1")
    assert d.net_weight_g == 1250
    assert d.price_kopecks == 123450  # 3922 = two decimals: 1234.50 roubles
    d = parse("(01)94601234567896(3102)000125(3920)99")
    assert d.net_weight_g == 1250
    assert d.price_kopecks == 9900


@pytest.mark.parametrize(
    "ai,value,grams",
    [("3100", "000002", 2000), ("3101", "000015", 1500), ("3103", "000001", 1),
     ("3104", "000015", 2), ("3105", "000049", 0), ("3105", "000050", 1)],
)
def test_weight_decimals(ai, value, grams):
    assert parse(f"(01)94601234567896({ai}){value}").net_weight_g == grams


@pytest.mark.parametrize(
    "ai,value,kopecks",
    [("3920", "15", 1500), ("3921", "155", 1550), ("3922", "999999999999999", 999999999999999),
     ("3923", "12340", 1234), ("3929", "1000000000", 100)],
)
def test_price_decimals_exact_integer_arithmetic(ai, value, kopecks):
    assert parse(f"(01)94601234567896({ai}){value}").price_kopecks == kopecks


def test_sscc_counts_and_url():
    sscc = "3460123456789012345"[:17] + str(check_digit("3460123456789012345"[:17]))
    d = parse(f"(00){sscc}(02)04601234567893(37)24(8200)https://vitrina.example/p/A1")
    assert d.sscc == sscc
    assert d.content_gtin == "04601234567893"
    assert d.count == 24
    assert d.product_url == "https://vitrina.example/p/A1"


def test_all_dates_and_day_zero_means_end_of_month():
    d = parse("(01)04601234567893(11)240200(13)250100(15)251100(17)260600")
    assert d.production_date == date(2024, 2, 29)  # leap year
    assert d.packaging_date == date(2025, 1, 31)
    assert d.best_before == date(2025, 11, 30)
    assert d.expiry == date(2026, 6, 30)


@pytest.mark.parametrize(
    "yy,today,year",
    [("99", date(2025, 6, 1), 1999), ("75", date(2025, 6, 1), 2075),
     ("76", date(2025, 6, 1), 1976), ("10", date(2090, 1, 1), 2110),
     ("41", date(2090, 1, 1), 2041), ("40", date(2090, 1, 1), 2140), ("25", date(2025, 6, 1), 2025)],
)
def test_century_sliding_window(yy, today, year):
    assert parse_gs1(f"(01)04601234567893(17){yy}0101", today=today).expiry == date(year, 1, 1)


def test_unknown_predefined_length_ai_is_kept_in_raw():
    # (3300) gross weight and (410) ship-to GLN: not interpreted, but their length is known.
    d = parse("01" "04601234567893" "3300" "000150" "410" "4601234567893" "17" "271231" "10" "X")
    assert d.raw["3300"] == "000150"
    assert d.raw["410"] == "4601234567893"
    assert d.batch == "X"


BAD = [
    ("(01)04601234567890", "fails its check digit: it ends in 0 but should end in 3"),
    ("0104601234567893" "17" "251301", "month 13"),
    ("(01)04601234567893(17)250229", "2025-02 has 28 days"),
    ("(01)04601234567893(11)2501AA", "must be digits"),
    ("(01)0460123456789", "must be 14 characters, got 13"),
    ("0104601234", "cut short: \\(01\\) GTIN needs 14 characters, only 8 follow"),
    ("01046012345678932112345678901234567890123", "at most 20 are allowed; .*GS"),
    ("01046012345678937240X", "unknown Application Identifier \\(7240\\)"),
    ("(01)04601234567893(8008)2501010101", "unknown Application Identifier \\(8008\\)"),
    ("0104601234567893\x1d10", "\\(10\\) batch/lot has no value"),
    ("(01)04601234567893(10)ab c", "contains ' '"),
    ("(01)04601234567893(10)партия", "contains 'а'"),
    ("(01)04601234567893(10)A(10)B", "appears twice"),
    ("(01)94601234567896(3102)000125(3103)001250", "net weight is given twice"),
    ("(01)94601234567896(3923)12345", "fractions of a kopeck"),
    ("ABC", "expected an Application Identifier"),
    ("x(01)04601234567893", "expected an Application Identifier"),
    ("  ", "empty"),
    ("\x1d\x1d", "empty"),
    ("(01)04601234567893junk", "must be 14 characters"),
]


@pytest.mark.parametrize("text,reason", BAD)
def test_bad_codes_say_why(text, reason):
    with pytest.raises(CodeError, match=reason):
        parse(text)


def test_non_text_is_refused():
    with pytest.raises(CodeError, match="must be text"):
        parse_gs1(b"0104601234567893")


def test_result_is_frozen_and_hashable():
    d = parse("(01)04601234567893")
    with pytest.raises(AttributeError):
        d.gtin = "x"
    with pytest.raises(TypeError):
        d.raw["10"] = "x"
    assert hash(d) == hash(parse("(01)04601234567893"))


def test_encode_puts_separators_only_where_needed():
    out = encode_gs1({"10": "ABC", "01": "04601234567893", "21": "S1", "17": "271231"})
    assert out == f"01046012345678931727123110ABC{GS}21S1"
    assert encode_gs1({"01": "04601234567893", "10": "ABC"}, human_readable=True) == (
        "(01)04601234567893(10)ABC"
    )


@pytest.mark.parametrize(
    "elements,reason",
    [({}, "nothing to encode"), ({"01": "04601234567890"}, "check digit"),
     ({"7240": "X"}, "unknown Application Identifier"), ({"10": ""}, "no value"),
     ({"10": "A" * 21}, "at most 20")],
)
def test_encode_refuses_bad_values(elements, reason):
    with pytest.raises(CodeError, match=reason):
        encode_gs1(elements)


def test_encode_refuses_ambiguous_printed_form():
    with pytest.raises(CodeError, match="cannot be told apart"):
        encode_gs1({"10": "A(17)B"}, human_readable=True)
    assert parse(encode_gs1({"10": "A(17)B"})).batch == "A(17)B"


# ------------------------------------------------------------------ Hypothesis round-trips

CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
# one representative of each exclusive group, so a generated set is always valid
AIS = [ai for ai in AI_TABLE if not ai.startswith(("310", "392", "390", "395"))]


def value_for(ai):
    spec = AI_TABLE[ai]
    if spec.check == "key":
        return st.text(DIGITS, min_size=spec.length - 1, max_size=spec.length - 1).map(with_check_digit_any)
    if spec.check == "date":
        return st.dates(date(1976, 1, 1), date(2075, 12, 31)).flatmap(
            lambda d: st.sampled_from([d.strftime("%y%m%d"), d.strftime("%y%m00")])
        )
    alphabet = DIGITS if spec.numeric else CSET82
    low = spec.length if spec.fixed else 1
    return st.text(alphabet, min_size=low, max_size=spec.length)


def with_check_digit_any(body):
    return body + str(check_digit(body))


@st.composite
def element_sets(draw):
    ais = draw(st.lists(st.sampled_from(AIS), min_size=1, max_size=6, unique=True))
    if draw(st.booleans()):
        ais.append(f"310{draw(st.integers(0, 5))}")
    if draw(st.booleans()):
        ais.append(f"392{draw(st.integers(0, 2))}")
    ais = draw(st.permutations(ais))
    return {ai: draw(value_for(ai) if ai in AI_TABLE else st.none()) for ai in ais}


@settings(max_examples=300)
@given(element_sets())
def test_encode_then_parse_round_trips(elements):
    d = parse(encode_gs1(elements))
    assert dict(d.raw) == elements


@settings(max_examples=200)
@given(element_sets())
def test_printed_form_round_trips_in_order(elements):
    if any(re.search(r"\(\d{2,4}\)", v) for v in elements.values()):
        with pytest.raises(CodeError):
            encode_gs1(elements, human_readable=True)
        return
    d = parse(encode_gs1(elements, human_readable=True))
    assert list(d.raw.items()) == list(elements.items())


@given(st.text())
def test_parse_raises_only_code_error_on_arbitrary_text(text):
    try:
        assert isinstance(parse(text), GS1Data)
    except CodeError:
        pass


@given(st.text(DIGITS + GS + "()", max_size=60))
def test_parse_raises_only_code_error_on_digit_soup(text):
    try:
        parse(text)
    except CodeError:
        pass
