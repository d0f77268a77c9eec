"""Documents survive the print queue's database row: to_json/from_json round trips."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from hardware.printing import (QR, Barcode, Columns, Cut, Document, DocumentError, DrawerKick,
                               Feed, Image, Separator, Text)

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
blocks = st.one_of(
    st.builds(Text, texts, bold=st.booleans(), align=st.sampled_from(["left", "center", "right"]),
              size=st.sampled_from(["normal", "tall", "wide", "large"]), underline=st.booleans()),
    st.builds(Separator, st.sampled_from(["-", "=", "*", "•"])),
    st.builds(Columns, texts, texts, fill=st.sampled_from([" ", "."]), bold=st.booleans()),
    st.builds(QR, texts.filter(bool), size=st.integers(1, 16), ec=st.sampled_from("LMQH")),
    st.builds(Barcode, st.just("EAN13"), st.just("460123456789"), height=st.integers(1, 255)),
    st.builds(Feed, st.integers(0, 255)),
    st.builds(Cut, st.booleans()),
    st.builds(DrawerKick, st.sampled_from([None, 2, 5]), st.sampled_from([None, 2, 100, 510])),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(blocks, max_size=12))
def test_any_document_round_trips(items):
    document = Document(items)
    again = Document.from_json(document.to_json())
    assert again.blocks == document.blocks


def test_image_round_trips_pixel_for_pixel():
    logo = PILImage.new("L", (40, 20), 255)
    logo.paste(0, (5, 5, 25, 15))
    again = Document.from_json(Document([Image(logo, align="left")]).to_json())
    block = again.blocks[0]
    assert isinstance(block, Image) and block.align == "left"
    assert list(block.image.convert("L").getdata()) == list(logo.getdata())


def test_json_is_readable_text():
    data = json.loads(Document([Text("Итого", bold=True), Cut()]).to_json())
    assert data == {"version": 1, "blocks": [
        {"type": "Text", "text": "Итого", "bold": True, "align": "left", "size": "normal",
         "underline": False},
        {"type": "Cut", "partial": False}]}


@pytest.mark.parametrize("text, message", [
    ("not json", "not valid JSON"),
    ("[]", "JSON object with a 'blocks' list"),
    ('{"version": 2, "blocks": []}', "format version 2"),
    ('{"version": 1, "blocks": [{"type": "Sound"}]}', "block 1 .* unknown type 'Sound'"),
    ('{"version": 1, "blocks": ["Text"]}', "unknown type 'str'"),
    ('{"version": 1, "blocks": [{"type": "Text", "text": "a", "colour": "red"}]}',
     "Text has no field\\(s\\) colour"),
    ('{"version": 1, "blocks": [{"type": "Text"}]}', "block 1 .*text"),
    ('{"version": 1, "blocks": [{"type": "Cut"}, {"type": "Feed", "lines": 900}]}',
     "block 2 .* feed must be 0-255"),
    ('{"version": 1, "blocks": [{"type": "Barcode", "symbology": "EAN13", "data": "4006381333932"}]}',
     "check digit"),
    ('{"version": 1, "blocks": [{"type": "Image", "png": "@@@"}]}', "not valid base64"),
    ('{"version": 1, "blocks": [{"type": "Image", "png": "aGVsbG8="}]}', "cannot read image"),
    ('{"version": 1, "blocks": [{"type": "Image"}]}', "needs 'png'"),
])
def test_damaged_rows_are_refused_with_a_reason(text, message):
    with pytest.raises(DocumentError, match=message):
        Document.from_json(text)
