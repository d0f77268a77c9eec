"""The hidden technician gesture and the on-screen QR codes, without a window."""
from __future__ import annotations

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from kiosk.gesture import CornerTaps
from kiosk.qr import QUIET_ZONE, QrError, qr_matrix, qr_pixels


def test_five_quick_taps_open_the_pad_once():
    taps = CornerTaps()
    assert [taps.tap(t) for t in (0.0, 0.5, 1.0, 1.5, 2.0)] == [False] * 4 + [True]
    assert not taps.tap(2.1), "the count starts again after the gesture"


def test_slow_or_too_few_taps_do_nothing():
    taps = CornerTaps()
    assert not any(taps.tap(t) for t in (0.0, 0.9, 1.8, 2.7, 3.6))  # five taps over 3.6 s
    assert taps.tap(4.0) is False                                     # the last five: 3.1 s
    assert taps.tap(4.5) is True                                      # the last five: 2.7 s
    assert not any(CornerTaps().tap(t) for t in (0.0, 0.1, 0.2, 0.3))  # four taps are not enough


def test_a_clock_going_backwards_restarts_the_count():
    taps = CornerTaps()
    for t in (10.0, 10.1, 10.2, 10.3):
        taps.tap(t)
    assert not taps.tap(1.0)


@pytest.mark.parametrize("taps, window", [(1, 3.0), (5, 0), (5, -1)])
def test_gesture_settings_are_checked(taps, window):
    with pytest.raises(ValueError):
        CornerTaps(taps, window)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), max_size=30))
def test_the_gesture_needs_five_taps_within_three_seconds(gaps):
    taps, at, times, fired = CornerTaps(), 0.0, [], []
    for gap in gaps:
        at += gap
        times.append(at)
        if taps.tap(at):
            fired.append(len(times))
    for n in fired:
        assert n >= 5 and times[n - 1] - times[n - 5] <= 3.0


@pytest.mark.parametrize("text", ["https://vitrina.example/basket?b=VT1.msk1-2.abc_DEF-123",
                                  "VT1.k." + "A" * 600, "Молоко"])
def test_qr_pixels_decode_to_the_text(text):
    pixels, side = qr_pixels(text)
    assert len(pixels) == side * side * 4
    image = Image.frombytes("RGBA", (side, side), pixels).convert("L").resize((side * 8, side * 8), Image.NEAREST)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [text]
    matrix = qr_matrix(text)
    assert not any(matrix[0]) and not any(row[0] for row in matrix)  # quiet zone all round
    assert len(matrix) == side and side > 2 * QUIET_ZONE


@pytest.mark.parametrize("bad", ["", None, "x" * 8000])
def test_qr_refuses_what_it_cannot_carry(bad):
    with pytest.raises(QrError):
        qr_matrix(bad)
