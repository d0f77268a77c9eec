"""What people type on the till's keypads and the technician's option field, read exactly."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.screens.popups import EntryError, parse_entry
from ui.technician import TechnicianError, format_options, parse_options


@pytest.mark.parametrize("text, mode, expected", [
    ("3", "qty", 3000), ("12", "qty", 12000), ("0,75", "weight", 750), ("1,25", "weight", 1250),
    ("2", "weight", 2000), (",5", "weight", 500), ("1.5", "weight", 1500), ("1500", "money", 150000),
    ("99,9", "money", 9990), ("0,05", "money", 5), ("0042", "digits", 42),
])
def test_typed_values(text, mode, expected):
    assert parse_entry(text, mode) == expected


@pytest.mark.parametrize("text, mode", [
    ("", "qty"), ("0", "qty"), ("1,5", "qty"), ("0", "weight"), ("0,0001", "weight"), ("1,2,3", "weight"),
    (",", "weight"), ("abc", "money"), ("1,234", "money"), ("12a", "digits"),
])
def test_what_cannot_be_used_is_refused_with_a_message(text, mode):
    with pytest.raises(EntryError) as caught:
        parse_entry(text, mode)
    assert str(caught.value)


@given(st.integers(min_value=1, max_value=999_999))
def test_any_weight_in_grams_reads_back(grams):
    kg, g = divmod(grams, 1000)
    assert parse_entry(f"{kg},{g:03d}", "weight") == grams


@given(st.integers(min_value=0, max_value=10**9))
def test_any_amount_in_kopecks_reads_back(kopecks):
    rub, kop = divmod(kopecks, 100)
    assert parse_entry(f"{rub},{kop:02d}", "money") == kopecks


@given(st.text(max_size=12))
def test_the_keypad_parser_never_fails_otherwise(text):
    for mode in ("qty", "weight", "money", "digits"):
        try:
            value = parse_entry(text, mode)
        except EntryError:
            continue
        assert isinstance(value, int) and value >= 0


def test_options_are_typed_values():
    assert parse_options("width_mm=58 codepage_slot=59 qr_native=no timeout_s=2.5 codepage_mode=raster") == {
        "width_mm": 58, "codepage_slot": 59, "qr_native": False, "timeout_s": 2.5, "codepage_mode": "raster"}
    assert parse_options("") == {}
    with pytest.raises(TechnicianError):
        parse_options("width_mm 58")


@given(st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
                       st.one_of(st.integers(-10**6, 10**6), st.booleans(),
                                 st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True).filter(
                                     lambda v: v not in ("yes", "no", "true", "false", "on", "off"))),
                       max_size=5))
def test_options_round_trip(options):
    assert parse_options(format_options(options)) == options
