"""classify(): every kind of scan, scanner quirks, and 'never raises' on any input."""
from datetime import date

import pytest
import qrcode
import zxingcpp
from hypothesis import given, settings, strategies as st

from retail.codes.gs1 import GS, encode_gs1
from retail.codes.instore import (
    InStoreScheme,
    PriceCode,
    WeightCode,
    make_card_barcode,
    make_price_barcode,
    make_weight_barcode,
)
from retail.codes.scan import (
    GS1Scan,
    GtinScan,
    InStoreScan,
    LoyaltyCardScan,
    ProductUrlScan,
    SignedScan,
    Unrecognised,
    classify,
)
from retail.codes.signed import sign, verify

TODAY = date(2025, 6, 1)
KEY = b"store-key-0123456789abcdef"


def scan(data, **kw):
    return classify(data, today=TODAY, **kw)


@pytest.mark.parametrize(
    "data,expected",
    [
        ("4601234567893", GtinScan("04601234567893", "4601234567893")),
        ("4601234567893\r\n", GtinScan("04601234567893", "4601234567893")),
        ("\t 4601234567893\x00", GtinScan("04601234567893", "4601234567893")),
        ("\ufeff4601234567893", GtinScan("04601234567893", "4601234567893")),
        ("036000291452", GtinScan("00036000291452", "036000291452")),  # UPC-A
        ("0036000291452", GtinScan("00036000291452", "0036000291452")),  # UPC-A as EAN-13
        ("96385074", GtinScan("00000096385074", "96385074")),  # EAN-8
        ("10012345678902", GtinScan("10012345678902", "10012345678902")),  # ITF-14
        ("]E04601234567893", GtinScan("04601234567893", "4601234567893")),
        ("]E496385074", GtinScan("00000096385074", "96385074")),
        ("2212345012503", InStoreScan(WeightCode(12345, 1250, "2212345012503"))),
        ("2600042199908", InStoreScan(PriceCode(42, 19990, "2600042199908"))),
        ("2900012345671", LoyaltyCardScan("2900012345671")),
        ("LC:2900012345671", LoyaltyCardScan("2900012345671")),
        ("lc:000123456", LoyaltyCardScan("000123456")),
        ("https://vitrina.example/p/SKU-000123", ProductUrlScan("https://vitrina.example/p/SKU-000123", "SKU-000123")),
        ("HTTPS://VITRINA.EXAMPLE/p/abc/?utm_source=shelf#x", ProductUrlScan("HTTPS://VITRINA.EXAMPLE/p/abc/?utm_source=shelf#x", "abc")),
        ("https://vitrina.example/p/%D0%A1%D1%8B%D1%80-1", ProductUrlScan("https://vitrina.example/p/%D0%A1%D1%8B%D1%80-1", "Сыр-1")),
    ],
)
def test_classify_table(data, expected):
    assert scan(data) == expected


def test_custom_product_url_prefixes():
    got = scan("https://shop.example.ru/item/777", product_url_prefixes=("https://shop.example.ru/item/",))
    assert got == ProductUrlScan("https://shop.example.ru/item/777", "777")


def test_custom_scheme_makes_prefix_2_codes_plain_gtins():
    scheme = InStoreScheme.from_config({"21": "weight"})
    assert scan("2212345012503", scheme=scheme) == GtinScan("02212345012503", "2212345012503")


@pytest.mark.parametrize(
    "data,kw",
    [
        ("0104601234567893\x1d10ABC", {}),
        ("]d20104601234567893\x1d10ABC", {}),
        ("0104601234567893\x1d10ABC", {"symbology": "]d2"}),
        ("\x1d0104601234567893\x1d10ABC\r", {"symbology": "]C1"}),
        ("(01)04601234567893(10)ABC", {}),
        ("(01)04601234567893(10)ABC", {"symbology": "]Q1"}),
        ("0104601234567893" "10ABC", {"symbology": "]Q3"}),
        ("https://id.gs1.org/01/4601234567893/10/ABC", {}),
    ],
)
def test_gs1_forms(data, kw):
    got = scan(data, **kw)
    assert isinstance(got, GS1Scan), got
    assert (got.data.gtin, got.data.batch) == ("04601234567893", "ABC")


def test_gs1_symbology_reads_a_bare_gtin_element():
    got = scan("0104601234567893", symbology="]C1")
    assert isinstance(got, GS1Scan) and got.data.gtin == "04601234567893"
    assert isinstance(scan("0104601234567893"), GS1Scan)  # no identifier sent: still GS1


def test_digital_link_with_query_attributes():
    got = scan("https://id.gs1.org/01/04601234567893/21/S%2F1?17=271231&linkType=gs1:pip")
    assert isinstance(got, GS1Scan)
    assert got.data.serial == "S/1"
    assert got.data.expiry == date(2027, 12, 31)


def test_signed_codes_are_recognised_not_verified():
    code = sign("pickup", {"order": "MSK1-K1-000001", "secret": "123456"}, KEY, "s1", 2_000_000_000)
    assert scan(code + "\r\n") == SignedScan("pickup", code)
    assert scan("]Q1" + code) == SignedScan("pickup", code)


@pytest.mark.parametrize(
    "data,reason",
    [
        ("", "empty scan"),
        ("\r\n\t ", "empty scan"),
        ("]E0", "empty scan"),
        ("4601234567890", "EAN-13 4601234567890 fails its check digit: it ends in 0 but the digits before it need 3"),
        ("036000291453", "UPC-A .* check digit"),
        ("96385075", "EAN-8 .* check digit"),
        ("2212345012500", "scale label barcode .* check digit"),
        ("2900012345670", "loyalty card barcode .* check digit"),
        ("LC:2900012345670", "loyalty card barcode .* check digit"),
        ("LC:2212345012503", "scale label number"),
        ("LC:12", "not a barcode"),
        ("12345", "5 digits is not a product barcode"),
        ("]E0460123456789X", "digits only"),
        ("]d2XYZ", "expected an Application Identifier"),
        ("0104601234567893215Ab3Cd91EE0692abcdefghijklmnopqrstuvwxyz", "GS \\(FNC1\\) separators"),
        ("(01)04601234567890", "check digit"),
        ("https://evil.example/p/1", "a web link, not a Vitrina product page"),
        ("https://vitrina.example/p/", "without a product code"),
        ("https://vitrina.example/p/a/b", "without a product code"),
        ("https://id.gs1.org/01/4601234567890", "GS1 Digital Link: .*check digit"),
        ("https://id.gs1.org/01/4601234567893/10", "AI/value pairs"),
        ("VT1.s1.AAAA", "damaged Vitrina code"),
        ("VT9.s1.AAAA", "newer Vitrina"),
        ("hello world", "not a barcode or QR code Vitrina knows"),
        ("МЕ1ю", "Russian layout"),
        ("http://[abc", "a web link"),
        ("4" * 9000, "more than any barcode holds"),
    ],
)
def test_unrecognised_with_reason(data, reason):
    got = scan(data)
    assert isinstance(got, Unrecognised), got
    assert __import__("re").search(reason, got.reason), got.reason


def test_bytes_and_non_text():
    assert scan(b"4601234567893\r\n") == GtinScan("04601234567893", "4601234567893")
    assert isinstance(scan(b"\xff\xfe\x00"), Unrecognised)
    assert scan(None) == Unrecognised("", "the scanner sent no text")
    assert scan(4601234567893).reason == "the scanner sent no text"


def test_bogus_symbology_is_ignored():
    assert scan("4601234567893", symbology="EAN13") == GtinScan("04601234567893", "4601234567893")
    assert scan("4601234567893", symbology=3) == GtinScan("04601234567893", "4601234567893")


# -------------------------------------------------- through real images and a real decoder


def _decode(img):
    results = zxingcpp.read_barcodes(img, text_mode=zxingcpp.TextMode.Plain)
    assert len(results) == 1
    return results[0].text, results[0].symbology_identifier


@pytest.mark.parametrize(
    "code,fmt",
    [
        ("4601234567893", zxingcpp.EAN13),
        (make_weight_barcode(123, 1250), zxingcpp.EAN13),
        (make_price_barcode(7, 4990), zxingcpp.EAN13),
        (make_card_barcode(42), zxingcpp.EAN13),
        ("96385074", zxingcpp.EAN8),
    ],
)
def test_printed_barcodes_decode_and_classify(code, fmt):
    img = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(code, fmt), scale=3)
    text, symbology = _decode(img)
    got = classify(text, symbology=symbology)
    assert not isinstance(got, Unrecognised), got


def test_gs1_datamatrix_image_round_trip():
    elements = {"01": "04601234567893", "17": "271231", "10": "LOT-7", "21": "SN123"}
    barcode = zxingcpp.create_barcode(encode_gs1(elements, human_readable=True), zxingcpp.DataMatrix, gs1=True)
    text, symbology = _decode(zxingcpp.write_barcode_to_image(barcode, scale=4))
    assert symbology == "]d2" and GS in text
    got = classify(text, symbology=symbology, today=TODAY)
    assert isinstance(got, GS1Scan) and dict(got.data.raw) == elements


def test_signed_qr_image_round_trip():
    code = sign("receipt", {"receipt": "MSK1-P1-000042", "sale_id": "019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7b", "store": "MSK1"}, KEY, "s1", 2_000_000_000)
    img = qrcode.make(code, error_correction=qrcode.constants.ERROR_CORRECT_M).get_image().convert("L")
    text, symbology = _decode(img)
    got = classify(text, symbology=symbology)
    assert got == SignedScan("receipt", code)
    assert verify(got.code, {"s1": KEY}, 1_900_000_000, expect_kind="receipt").payload["receipt"] == "MSK1-P1-000042"


# ------------------------------------------------------------------------- never raises

SYMBOLOGIES = st.one_of(st.none(), st.sampled_from(["]E0", "]E4", "]C1", "]C0", "]d2", "]d1", "]Q3", "]Q1", "]e0", "]J1", "]X0"]), st.text(max_size=4))


@settings(max_examples=500)
@given(st.text(), SYMBOLOGIES)
def test_never_raises_on_text(text, symbology):
    assert classify(text, symbology=symbology) is not None


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_never_raises_on_bytes(raw):
    assert classify(raw.decode("utf-8", errors="replace")) is not None
    assert classify(raw) is not None


PIECES = st.sampled_from(
    ["01", "04601234567893", "10", "21", "17", "271231", "3103", "3922", "8200", "(", ")", GS,
     "VT1.", "s1.", "LC:", "https://", "vitrina.example/p/", "id.gs1.org/", "/", "]E0", "]d2",
     "2212345012503", "2900012345671", "0", "9", "%", "?", "#", "A", "Ж", " ", "\r\n"]
)


@settings(max_examples=500)
@given(st.lists(PIECES, max_size=12).map("".join), SYMBOLOGIES)
def test_never_raises_on_plausible_fragments(text, symbology):
    result = classify(text, symbology=symbology)
    if isinstance(result, Unrecognised):
        assert result.reason
