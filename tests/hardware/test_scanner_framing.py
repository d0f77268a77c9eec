"""Framing shared by all scanner transports: suffixes, prefixes, AIM ids, GS, garbage."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.scanner import GS, FrameAssembler, Framing, ScannerError, Suffix
from hardware.scanner.symbology import AIM_TABLE, lookup, split_aim


@pytest.mark.parametrize("aim,name,gs1", [
    ("]E0", "EAN-13", False), ("]E4", "EAN-8", False), ("]C1", "GS1-128", True),
    ("]d2", "GS1 DataMatrix", True), ("]Q1", "QR Code", False), ("]Q3", "GS1 QR Code", True),
    ("]C0", "Code 128", False), ("]e0", "GS1 DataBar", True),
])
def test_aim_table(aim, name, gs1):
    found = lookup(aim)
    assert (found.aim, found.name, found.gs1) == (aim, name, gs1)


def test_unlisted_modifier_of_known_family_is_still_an_aim_id():
    found = lookup("]Q9")
    assert found is not None and "QR Code" in found.name and not found.gs1


@pytest.mark.parametrize("text", ["]", "]Q", "]W1abc", "[Q1abc", "]!1abc", "Q1abc", ""])
def test_not_an_aim_id_is_left_as_data(text):
    assert split_aim(text) == (None, text)


def test_every_table_entry_is_well_formed():
    for aim, sym in AIM_TABLE.items():
        assert aim == sym.aim and len(aim) == 3 and aim[0] == "]"
        assert lookup(aim) is sym


@pytest.mark.parametrize("text,suffix", [
    ("CR", Suffix.CR), ("crlf", Suffix.CRLF), (" Tab ", Suffix.TAB), ("LF", Suffix.LF),
    (Suffix.TAB, Suffix.TAB),
])
def test_suffix_parse(text, suffix):
    assert Suffix.parse(text) is suffix


@pytest.mark.parametrize("bad", ["", "NUL", "\r", "ETX", None])
def test_bad_suffix_is_a_clear_error(bad):
    with pytest.raises(ScannerError, match="use one of CR, CRLF, LF, TAB"):
        Suffix.parse(bad)


def test_bad_framing_settings():
    with pytest.raises(ScannerError, match="encoding"):
        Framing(encoding="no-such-codec")
    with pytest.raises(ScannerError, match="prefix"):
        Framing(prefix="x" * 17)


@pytest.mark.parametrize("suffix", list(Suffix))
def test_each_suffix_cuts_frames(suffix):
    asm = FrameAssembler(Framing(suffix), "test")
    raw = ("4601234567893" + suffix.value + "]Q1https://a.b/c" + suffix.value).encode()
    events = asm.feed(raw)
    assert [(e.data, e.aim) for e in events] == [("4601234567893", None),
                                                 ("https://a.b/c", "]Q1")]
    assert not asm.pending


def test_prefix_then_aim_are_stripped_and_gs_is_kept():
    asm = FrameAssembler(Framing(Suffix.CR, prefix="@@"), "test")
    (event,) = asm.feed(b"@@]d20104601234567893\x1d10LOT7\x1d17260101\r")
    assert event.data == "0104601234567893" + GS + "10LOT7" + GS + "17260101"
    assert event.symbology.name == "GS1 DataMatrix" and event.symbology.gs1


def test_missing_prefix_leaves_data_alone():
    (event,) = FrameAssembler(Framing(prefix="@@"), "t").feed(b"]E04601234567893\r")
    assert (event.data, event.aim) == ("4601234567893", "]E0")


def test_garbage_becomes_printable_data_not_an_error():
    (event,) = FrameAssembler(Framing(), "t").feed(b"\x00\xff\xfe\x07abc\x1b[2J\r")
    assert event.data == "\ufffd\ufffdabc[2J"
    assert event.symbology is None


def test_empty_frames_are_skipped():
    asm = FrameAssembler(Framing(Suffix.CR), "t")
    assert asm.feed(b"\r\r\n\r") == []


def test_crlf_scanner_on_cr_setting_still_reads_cleanly():
    events = FrameAssembler(Framing(Suffix.CR), "t").feed(b"123456\r\n654321\r\n")
    assert [e.data for e in events] == ["123456", "654321"]


def test_partial_frame_is_flushed_on_demand_and_memory_is_bounded():
    asm = FrameAssembler(Framing(), "t", max_frame=16)
    assert asm.feed(b"12345") == [] and asm.pending
    assert [e.data for e in asm.flush()] == ["12345"]
    events = asm.feed(b"x" * 40)
    assert [len(e.data) for e in events] == [16, 16] and asm.pending


codes = st.lists(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x44F,
                                   exclude_characters="\x7f"), min_size=1, max_size=30)
    | st.builds(lambda a, b: a + GS + b, st.text("0123456789", min_size=2, max_size=16),
                st.text("ABC0123", min_size=1, max_size=10)),
    min_size=1, max_size=5)


@given(codes, st.sampled_from(list(Suffix)), st.sampled_from(["", "]Q1", "]E0", "]d2"]),
       st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=50))
def test_any_split_of_the_stream_gives_the_same_scans(data, suffix, aim, cuts):
    data = [d for d in data if not d.startswith("]")]
    raw = b"".join((aim + d + suffix.value).encode() for d in data)
    asm = FrameAssembler(Framing(suffix), "t")
    events, pos, i = [], 0, 0
    while pos < len(raw):
        step = cuts[i % len(cuts)]
        events += asm.feed(raw[pos:pos + step])
        pos, i = pos + step, i + 1
    assert [e.data for e in events] == data
    assert all(e.aim == (aim or None) for e in events)


@given(st.binary(max_size=300))
def test_any_bytes_never_crash_the_assembler(raw):
    asm = FrameAssembler(Framing(Suffix.CRLF), "t")
    for event in asm.feed(raw) + asm.flush():
        assert event.data and "\r" not in event.data and "\n" not in event.data
