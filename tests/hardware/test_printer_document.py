"""Receipt document blocks, line layout and the bytes rendering produces (Dummy printer)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image as PILImage

from hardware.emulator.escpos_decoder import EscPosDecoder, Text as TextEvent
from hardware.printing import (QR, Barcode, Columns, Cut, Document, DocumentError, DrawerKick,
                               Feed, Image, PrinterConfig, Separator, Text, open_printer, render)
from hardware.printing.layout import PrintLine, columns_lines, layout_block
from hardware.printing.render import TextEncoder


def rendered(document: Document, **config) -> bytes:
    cfg = PrinterConfig("dummy", **config)
    printer = open_printer(cfg)
    render(document, printer, cfg)
    return printer.output


# --- blocks ---------------------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: Text("x", align="middle"), "align must be one of left, center, right"),
    (lambda: Text("x", size="huge"), "text size must be one of normal, tall, wide, large"),
    (lambda: Text(None), "text must be a string"),
    (lambda: Separator("--"), "separator must be one visible character"),
    (lambda: Columns("a", "b", fill=".."), "column fill must be one character"),
    (lambda: QR(""), "non-empty text payload"),
    (lambda: QR("x" * 3000), "at most 2953"),
    (lambda: QR("x", size=17), "module size must be 1-16"),
    (lambda: QR("x", ec="X"), "error correction must be one of L, M, Q, H"),
    (lambda: Barcode("EAN13", "4006381333932"), "fails its check digit"),
    (lambda: Barcode("EAN13", "40063813339"), "EAN13 needs 13 digits"),
    (lambda: Barcode("EAN-8", "96385075"), "fails its check digit"),
    (lambda: Barcode("UPC-A", "03600029145X"), "must contain only digits"),
    (lambda: Barcode("QRCODE", "x"), "barcode type 'QRCODE' is not supported"),
    (lambda: Barcode("CODE128", "Привет"), "printable ASCII"),
    (lambda: Barcode("CODE39", "abc"), "CODE39 data must be"),
    (lambda: Barcode("ITF", "123"), "even number"),
    (lambda: Barcode("EAN13", "4006381333931", height=0), "height must be 1-255"),
    (lambda: Barcode("EAN13", "4006381333931", module_width=1), "module width must be 2-6"),
    (lambda: Barcode("EAN13", "4006381333931", hri="left"), "text position"),
    (lambda: Image("/nonexistent/logo.png"), "cannot read image"),
    (lambda: Feed(256), "feed must be 0-255 lines"),
    (lambda: DrawerKick(pin=3), "cash drawer pin must be 2 or 5"),
    (lambda: DrawerKick(pulse_ms=1), "drawer pulse must be 2-510 ms"),
    (lambda: Document([Text("x"), "not a block"]), "cannot contain str"),
])
def test_bad_blocks_are_refused_where_they_are_built(make, message):
    with pytest.raises(DocumentError, match=message):
        make()


def test_barcode_normalisation():
    assert Barcode("ean-13", "400638133393").data == "4006381333931"  # check digit appended
    assert Barcode("EAN8", "9638507").data == "96385074"
    assert Barcode("upc a", "036000291452").symbology == "UPCA"
    assert Barcode("code128", "ABC-{1}").data == "ABC-{1}"


def test_control_characters_in_text_cannot_become_commands():
    assert Text("Молоко\x1b@\x1bp\x00").text == "Молоко @ p "
    out = rendered(Document([Text("A\x1bpB")]))
    assert b"\x1bp" not in out


def test_document_add_chains_and_iterates():
    document = Document().add(Text("a"), Cut())
    assert len(document) == 2 and [type(b).__name__ for b in document] == ["Text", "Cut"]


# --- layout ---------------------------------------------------------------------------

def test_columns_put_the_price_at_the_right_edge():
    assert columns_lines("Хлеб", "45,00 ₽", 20) == ["Хлеб         45,00 ₽"]
    assert columns_lines("Хлеб", "45,00 ₽", 20, ".") == ["Хлеб.........45,00 ₽"]
    long = columns_lines("Молоко Домик в деревне 3,2% 930 мл", "89,90 ₽", 20)
    assert long[-1].endswith("89,90 ₽") and all(len(line) == 20 for line in long[-1:])
    assert all(len(line) <= 20 for line in long)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=80),
       st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=30),
       st.sampled_from([32, 42, 48]))
def test_columns_never_overflow_and_keep_the_right_text(left, right, columns):
    lines = columns_lines(left, right, columns)
    assert all(len(line) <= columns for line in lines)
    if right.strip() and len(right.strip()) <= columns:
        assert lines[-1].endswith(right.strip())


@given(st.text(max_size=200), st.sampled_from(["normal", "wide", "large", "tall"]))
def test_text_wraps_within_the_columns(text, size):
    block = Text(text, size=size)
    for line in layout_block(block, 32):
        assert len(line.text) * line.width <= 32


def test_separator_is_full_width():
    assert layout_block(Separator("="), 42) == [PrintLine("=" * 42)]


# --- encoding and rendered bytes ----------------------------------------------------------

def test_encoder_uses_cp866_and_glyphs_for_missing_characters():
    encoder = TextEncoder([PrintLine("Итого: 1 234,50 ₽ «x» €")])
    assert set(encoder.glyph_codes) == {"₽", "«", "»", "€"}
    encoded = encoder.encode("₽€ Ж")
    assert encoded == b"\x1b%\x01" + bytes([encoder.glyph_codes["₽"], encoder.glyph_codes["€"]]) \
        + b"\x1b%\x00 " + "Ж".encode("cp866")


def test_every_reset_is_followed_by_the_configured_code_page():
    out = rendered(Document([Text("Привет ₽")]), codepage_slot=59)
    assert out.count(b"\x1b@") == 1
    assert out.startswith(b"\x1b@\x1bt\x3b\x1b&\x03")
    # No code page switch other than ours: python-escpos' magic encoder never chimes in.
    assert out.count(b"\x1bt") == 1


def test_no_slot_configured_sends_no_code_page_switch():
    assert b"\x1bt" not in rendered(Document([Text("Привет")]), codepage_slot=None)


def test_rendered_bytes_decode_back_with_the_emulator_decoder():
    events: list = []
    decoder = EscPosDecoder(events.append)
    decoder.feed(rendered(Document([Text("Итого: 1 234,50 ₽", bold=True),
                                    Columns("Хлеб", "45,00 ₽")])))
    decoder.close()
    text = "".join(e.text for e in events if isinstance(e, TextEvent))
    assert "Итого: 1 234,50 ₽" in text and text.rstrip().endswith("45,00 ₽")


def test_raster_mode_sends_no_text_bytes():
    out = rendered(Document([Text("Привет, мир")]), codepage_mode="raster")
    assert "Привет".encode("cp866") not in out
    assert b"\x1dv0" in out and b"\x1bt" not in out


def test_too_wide_barcode_is_refused_before_sending():
    document = Document([Text("receipt"), Barcode("CODE128", "X" * 40, module_width=3)])
    cfg = PrinterConfig("dummy", width_mm=58)
    printer = open_printer(cfg)
    with pytest.raises(DocumentError, match="dots wide; the paper prints 384"):
        render(document, printer, cfg)
    assert printer.output == b""


def test_drawer_kick_uses_config_then_block_overrides():
    out = rendered(Document([DrawerKick(), DrawerKick(pin=2, pulse_ms=200)]), drawer_pin=5,
                   drawer_pulse_ms=60)
    assert b"\x1bp\x01\x1e\x1e" in out and b"\x1bp\x00\x64\x64" in out


def test_image_is_scaled_to_the_paper():
    logo = PILImage.new("L", (1000, 100), 0)
    out = rendered(Document([Image(logo)]), width_mm=58)
    header = out.index(b"\x1dv0")
    width_bytes = out[header + 4] + out[header + 5] * 256
    assert width_bytes == 384 // 8


def test_render_refuses_something_that_is_not_a_document():
    cfg = PrinterConfig("dummy")
    with pytest.raises(DocumentError, match="expected a Document"):
        render([Text("x")], open_printer(cfg), cfg)
