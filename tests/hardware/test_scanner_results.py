"""Scans from every transport classified by retail.codes.scan: what the apps receive."""
from __future__ import annotations

import queue

import qrcode

from hardware.emulator.serial_scanner import EmulatedSerialScanner
from hardware.scanner import GS, FrameAssembler, Framing, KeyboardWedge, SerialScanner, Suffix
from hardware.scanner import decode_image
from hardware.scanner.layout import qwerty_to_russian
from retail.codes.scan import GS1Scan, GtinScan, SignedScan, Unrecognised
from retail.codes.signed import sign, verify

KEY = b"k" * 32


def pickup_code() -> str:
    return sign("pickup", {"order": "S1-T2-000042", "secret": "7F3K"}, KEY, "k1", 2_000_000_000)


def test_serial_scans_carry_their_meaning():
    inbox = queue.Queue()
    with EmulatedSerialScanner(Suffix.CRLF, aim=True) as emu:
        scanner = SerialScanner(emu.device, suffix=Suffix.CRLF)
        scanner.start(inbox.put)
        try:
            assert scanner.wait_connected(2)
            emu.send("4601234567893")
            emu.send("0104601234567893" + GS + "10LOT7" + GS + "17261231")
            emu.send_raw(b"\x00\xff\xfe\x81\x07\r\n")
            emu.send("4601234567890")  # wrong check digit
            gtin, gs1, garbage, misread = (inbox.get(timeout=2) for _ in range(4))
        finally:
            scanner.stop()
    assert gtin.result == GtinScan("04601234567893", "4601234567893")
    assert isinstance(gs1.result, GS1Scan) and gs1.result.data.batch == "LOT7"
    assert isinstance(garbage.result, Unrecognised) and garbage.result.reason
    assert isinstance(misread.result, Unrecognised) and "check digit" in misread.result.reason


def test_signed_code_typed_in_russian_layout_survives_the_wedge():
    code = pickup_code()
    keys = qwerty_to_russian("]Q1" + code)
    assert keys != "]Q1" + code  # the layout really garbles it
    (event,) = KeyboardWedge().feed_text(keys + "\r", 0.0, 0.005)
    assert event.data == code and event.aim == "]Q1"
    assert isinstance(event.result, SignedScan) and event.result.kind == "pickup"
    assert verify(event.data, {"k1": KEY}, now=1_900_000_000).payload["order"] == "S1-T2-000042"


def test_signed_qr_from_the_camera():
    code = pickup_code()
    (event,) = decode_image(qrcode.make(code).get_image())
    assert isinstance(event.result, SignedScan) and event.data == code


def test_classify_options_pass_through():
    (event,) = FrameAssembler(Framing(), "t").feed(b"https://shop.example/p/SKU-9\r")
    assert isinstance(event.result, Unrecognised)
    assert event.classify(product_url_prefixes=("https://shop.example/p/",)).sku == "SKU-9"
