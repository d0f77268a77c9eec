"""Keyboard wedge: scanner bursts vs human typing, suffix keys, Russian layout recovery."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.scanner import GS, KeyboardWedge, ScanEvent, ScannerError, Suffix, TypedKeys
from hardware.scanner.layout import (
    RU_TO_US,
    fix_layout,
    qwerty_to_russian,
    russian_to_qwerty,
    typed_in_russian,
)

FAST, SLOW = 0.008, 0.15


def scans(outputs):
    return [o for o in outputs if isinstance(o, ScanEvent)]


def typed(outputs):
    """Every key released as typing, joined (named keys such as "enter" spelled out)."""
    return "".join(k for o in outputs if isinstance(o, TypedKeys) for k in o.keys)


def test_fast_keystrokes_with_enter_are_a_scan():
    got = []
    wedge = KeyboardWedge()
    wedge.start(got.append)
    out = wedge.feed_text("4601234567893\r", 100.0, FAST)
    assert [e.data for e in scans(out)] == ["4601234567893"]
    assert got == scans(out) and got[0].source == "wedge"
    assert typed(out) == ""


def test_slow_keystrokes_are_typing():
    wedge = KeyboardWedge()
    out = wedge.feed_text("4601234567893", 100.0, SLOW)
    out += wedge.feed("enter", 100.0 + 13 * SLOW)
    assert scans(out) == []
    assert typed(out) == "4601234567893enter"
    assert out[-1] == TypedKeys(("enter",))
    assert "".join(o.text for o in out) == "4601234567893"


def test_a_lone_typed_key_is_released_by_poll():
    wedge = KeyboardWedge()
    assert wedge.feed("7", 5.0) == []
    assert wedge.poll(5.01) == []
    assert wedge.poll(5.2) == [TypedKeys(("7",))]


def test_short_fast_burst_is_typing_not_a_scan():
    wedge = KeyboardWedge(min_length=4)
    out = wedge.feed_text("12\r", 0.0, FAST)
    assert scans(out) == [] and typed(out) == "12\r"


def test_typing_then_scan_are_separated():
    wedge = KeyboardWedge()
    out = wedge.feed_text("ab", 0.0, SLOW)
    out += wedge.feed_text("46009333\r", 1.0, FAST)
    assert typed(out) == "ab"
    assert [e.data for e in scans(out)] == ["46009333"]


def test_pause_inside_a_burst_turns_it_into_typing():
    wedge = KeyboardWedge(max_gap_s=0.05)
    out = wedge.feed_text("1234", 0.0, FAST) + wedge.feed_text("5678\r", 1.0, FAST)
    assert typed(out) == "1234"
    assert [e.data for e in scans(out)] == ["5678"]


def test_tab_suffix_and_enter_is_not_a_suffix_then():
    wedge = KeyboardWedge(Suffix.TAB)
    out = wedge.feed_text("46009333\t", 0.0, FAST)
    assert [e.data for e in scans(out)] == ["46009333"]
    out = wedge.feed_text("46009333\r", 1.0, FAST)
    assert scans(out) == [] and typed(out) == "46009333\r"


def test_crlf_suffix_swallows_the_second_enter():
    wedge = KeyboardWedge(Suffix.CRLF)
    out = wedge.feed_text("46009333\r\n", 0.0, FAST)
    assert [e.data for e in scans(out)] == ["46009333"] and typed(out) == ""
    # a person pressing Enter later is not swallowed
    assert wedge.feed("enter", 5.0) == [TypedKeys(("enter",))]


def test_no_suffix_scans_end_by_timing():
    wedge = KeyboardWedge(None)
    wedge.feed_text("46009333", 0.0, FAST)
    (event,) = wedge.poll(1.0)
    assert event.data == "46009333"


def test_shift_does_not_break_a_burst_and_other_keys_do():
    wedge = KeyboardWedge()
    out = []
    t = 0.0
    for key in ["shift", "A", "shift", "B", "1", "2", "enter"]:
        out += wedge.feed(key, t)
        t += FAST
    assert [e.data for e in scans(out)] == ["AB12"]
    out = wedge.feed_text("123", 10.0, FAST) + wedge.feed("backspace", 10.03)
    assert out == [TypedKeys(("1", "2", "3")), TypedKeys(("backspace",))]


def test_aim_prefix_and_gs_through_the_wedge():
    wedge = KeyboardWedge(prefix="~")
    code = "~]d20104601234567893" + GS + "10LOT\r"
    (event,) = scans(wedge.feed_text(code, 0.0, FAST))
    assert event.data == "0104601234567893" + GS + "10LOT" and event.aim == "]d2"


def test_russian_layout_latin_code_is_recovered_exactly():
    code = "]Q1VT1.4f9a2b/ZX?k=7&s=Ab,c;d:e'f\"g"
    keys = qwerty_to_russian(code)
    assert keys.startswith("ъЙ1МЕ1ю")
    (event,) = scans(KeyboardWedge().feed_text(keys + "\r", 0.0, FAST))
    assert event.aim == "]Q1"
    assert event.data == code[3:]


def test_digits_are_the_same_in_both_layouts():
    assert qwerty_to_russian("4601234567893") == "4601234567893"
    (event,) = scans(KeyboardWedge().feed_text("4601234567893\r", 0.0, FAST))
    assert event.data == "4601234567893"


def test_layout_us_leaves_cyrillic_alone_and_ru_forces_mapping():
    (event,) = scans(KeyboardWedge(layout="us").feed_text("ЙЦУК\r", 0.0, FAST))
    assert event.data == "ЙЦУК"
    (event,) = scans(KeyboardWedge(layout="ru").feed_text("1234ю\r", 0.0, FAST))
    assert event.data == "1234."
    (event,) = scans(KeyboardWedge(layout="ru").feed_text("1234.\r", 0.0, FAST))
    assert event.data == "1234/"


@given(st.text(alphabet=[chr(c) for c in range(0x21, 0x7f)], min_size=1, max_size=60))
def test_layout_round_trip_for_any_printable_ascii(code):
    assert russian_to_qwerty(qwerty_to_russian(code)) == code
    if any(c.isalpha() for c in code):
        assert typed_in_russian(qwerty_to_russian(code))
        assert fix_layout(qwerty_to_russian(code)) == code


def test_layout_table_is_a_bijection_over_printable_ascii():
    assert sorted(RU_TO_US.values()) == sorted(chr(c) for c in range(0x21, 0x7f))
    assert len(set(RU_TO_US)) == len(RU_TO_US) == 94


@given(st.lists(st.tuples(st.sampled_from(list("0123456789abcXYZ]\r\t") + ["enter", "shift"]),
                          st.floats(min_value=0.0, max_value=0.3)), max_size=60))
def test_every_key_comes_out_once_as_scan_or_typing(events):
    wedge = KeyboardWedge()
    t, out, fed = 0.0, [], []
    for key, gap in events:
        t += gap
        out += wedge.feed(key, t)
        if key != "shift":
            fed.append(key)
    out += wedge.poll(t + 1.0)
    released = [k for o in out if isinstance(o, TypedKeys) for k in o.keys]
    scanned = sum(len(o.data) + 1 for o in scans(out))  # each scan also ate its Enter
    assert len(released) + scanned <= len(fed)
    assert all(k in fed for k in released)


@pytest.mark.parametrize("kwargs", [dict(max_gap_s=0), dict(min_length=0),
                                    dict(layout="dvorak"), dict(suffix="ESC")])
def test_bad_wedge_settings(kwargs):
    with pytest.raises(ScannerError):
        KeyboardWedge(**kwargs)


def test_bad_key_event():
    with pytest.raises(ScannerError, match="key event"):
        KeyboardWedge().feed("", 0.0)
