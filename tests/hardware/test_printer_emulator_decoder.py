"""The emulator's ESC/POS decoder on its own: split delivery, garbage, command coverage."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.emulator.escpos_decoder import (Cut, DrawerKick, EscPosDecoder, LineFeed, QRCode,
                                              StatusQuery, Text, Unknown, codepage_slots,
                                              decode_code128)
from hardware.emulator.paper import PaperBuilder


def decode(data: bytes, chunks: list[int] | None = None, **kwargs) -> list:
    events: list = []
    decoder = EscPosDecoder(events.append, **kwargs)
    if chunks is None:
        decoder.feed(data)
    else:
        start = 0
        for size in chunks:
            decoder.feed(data[start:start + size])
            start += size
        decoder.feed(data[start:])
    decoder.close()
    return events


def job_text(events: list) -> str:
    page = PaperBuilder()
    for event in events:
        if not isinstance(event, StatusQuery):
            page.add(event)
    return page.finish(1).text


# Commands our driver and python-escpos send, to build valid streams from.
COMMANDS = [
    b"\x1b@", b"\x1bt\x11", b"\x1b!\x00", b"\x1b!\x38", b"\x1bE\x01", b"\x1bE\x00",
    b"\x1ba\x01", b"\x1d!\x11", b"\n", b"\x1bd\x03", b"\x1dV\x01", b"\x1bp\x00\x32\x32",
    b"\x10\x04\x01", b"\x10\x04\x04", b"\x1dr\x01",
    b"\x1d(k\x04\x001A2\x00", b"\x1d(k\x03\x001C\x06", b"\x1d(k\x03\x001E1",
    b"\x1d(k\x08\x001P0hello", b"\x1d(k\x03\x001Q0",
    b"\x1dk\x024006381333931\x00", b"\x1dkI\x05{Bab1",
    b"\x1dv0\x00\x01\x00\x02\x00\xff\x81",
    "Привет".encode("cp866"), b"plain text", b"\x1b&\x03\x21\x21\x02" + bytes(6), b"\x1b%\x01!",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(COMMANDS), max_size=25), st.data())
def test_split_delivery_decodes_the_same(commands, data):
    stream = b"".join(commands)
    whole = decode(stream)
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=7), max_size=len(stream)))
    split = decode(stream, chunks=cuts)
    assert job_text(split) == job_text(whole)
    assert [e for e in split if not isinstance(e, Text)] == [e for e in whole if not isinstance(e, Text)]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_garbage_never_raises_and_always_makes_progress(data):
    events = decode(data)
    assert all(not isinstance(e, Unknown) or e.description for e in events)
    job_text(events)  # rendering garbage must not raise either


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(COMMANDS), max_size=10), st.binary(max_size=50))
def test_garbage_then_reset_recovers(commands, garbage):
    events = decode(garbage + b"\x00" * 300 + b"\x1b@" + b"".join(commands) + b"\nEND\n")
    text = [e.text for e in events if isinstance(e, Text)]
    assert text and text[-1] == "END"


def test_huge_declared_image_is_skipped_not_buffered():
    events: list = []
    decoder = EscPosDecoder(events.append, max_command_bytes=1000)
    decoder.feed(b"\x1dv0\x00\x10\x00\x00\x10")  # 16 x 4096 = 65536 bytes declared
    for _ in range(64):
        decoder.feed(b"\xff" * 1024)
    decoder.feed(b"after\n")
    assert any(isinstance(e, Unknown) and "declares 65536 bytes" in e.description for e in events)
    assert [e.text for e in events if isinstance(e, Text)] == ["after"]


def test_qr_store_and_print():
    events = decode(b"\x1d(k\x03\x001C\x08\x1d(k\x03\x001E3\x1d(k\x07\x001P0\xd0\x96ab\x1d(k\x03\x001Q0")
    assert events == [QRCode("Жab", 8, "H", "left", "Жab".encode())]


@pytest.mark.parametrize("data, expected", [
    (b"\x1dV\x00", Cut("full")), (b"\x1dV0", Cut("full")), (b"\x1dV\x01", Cut("partial")),
    (b"\x1dVB\x00", Cut("partial")), (b"\x1dVA\x00", Cut("full")), (b"\x1bi", Cut("partial")),
    (b"\x1bp\x00\x19\xfa", DrawerKick(2, 50, 500)), (b"\x1bp1\x32\x32", DrawerKick(5, 100, 100)),
    (b"\x10\x14\x01\x00\x03", DrawerKick(2, 300, 300, realtime=True)),
    (b"\x10\x04\x02", StatusQuery("DLE EOT", 2)), (b"\x1dr1", StatusQuery("GS r", 49)),
    (b"\n", LineFeed("left")),
])
def test_single_commands(data, expected):
    assert decode(data) == [expected]


def test_python_escpos_hw_reset_and_panel_commands_are_understood():
    events = decode(b"\x1b?\x0a\x00\x1bc5\x00\x1bc0\x04\x1b=\x01\x1bB\x02\x04ok\n")
    assert [type(e).__name__ for e in events] == ["Beep", "Text", "LineFeed"]


def test_code128_decoding():
    assert decode_code128(b"{Bab{C" + bytes([1, 99])) == "ab0199"
    assert decode_code128(b"{C{1" + bytes([1, 12]) + b"{1" + bytes([10])) == "0112\x1d10"


def test_slot_map_validation():
    assert codepage_slots(59)[59] == "cp866" and 17 not in codepage_slots(59)
    assert codepage_slots(17)[17] == "cp866"
    with pytest.raises(ValueError, match="0-255"):
        codepage_slots(300)
    with pytest.raises(ValueError, match="not in the slot map"):
        EscPosDecoder(lambda e: None, codepages={0: "cp437"}, default_slot=5)
