"""Camera scanning: codes rendered by independent encoders decode back through zxing-cpp."""
from __future__ import annotations

import barcode
import qrcode
import pytest
import zxingcpp
from barcode.writer import ImageWriter
from PIL import Image

from hardware.scanner import CameraScanner, GS, ScannerError, decode_image, frame_from_bytes


def qr_image(text: str) -> Image.Image:
    return qrcode.make(text, border=4).get_image()


def ean13_image(digits12: str) -> Image.Image:
    return barcode.get("ean13", digits12, writer=ImageWriter()).render()


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_qr_decodes_back_with_its_symbology():
    (event,) = decode_image(qr_image("https://vitrina.example/p/4601234567893"))
    assert event.data == "https://vitrina.example/p/4601234567893"
    assert event.aim == "]Q1" and event.symbology.name == "QR Code"


def test_cyrillic_qr_decodes_back():
    (event,) = decode_image(qr_image("Витрина: заказ 0042"))
    assert event.data == "Витрина: заказ 0042"


def test_ean13_from_python_barcode_decodes_with_check_digit():
    image = ean13_image("460123456789")
    (event,) = decode_image(image)
    assert event.data == "4601234567893"
    assert event.aim == "]E0" and event.symbology.name == "EAN-13"


def test_gs1_datamatrix_keeps_gs_separators():
    code = zxingcpp.create_barcode("(01)04601234567893(10)LOT7(17)261231",
                                   zxingcpp.DataMatrix, gs1=True)
    (event,) = decode_image(zxingcpp.write_barcode_to_image(code, scale=4))
    assert event.aim == "]d2" and event.symbology.gs1
    assert event.data == "0104601234567893" + "10LOT7" + GS + "17261231"


def test_pixel_array_and_raw_bytes_frames():
    image = qr_image("ARRAY-FRAME").convert("L")
    array = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode("PIXELS", zxingcpp.QRCode),
                                            scale=4)
    assert [e.data for e in decode_image(array)] == ["PIXELS"]
    rgba = image.convert("RGBA")
    frame = frame_from_bytes(rgba.tobytes(), *rgba.size, mode="RGBA")
    assert [e.data for e in decode_image(frame)] == ["ARRAY-FRAME"]


def test_palette_image_is_converted():
    image = qr_image("PALETTE").convert("P")
    assert [e.data for e in decode_image(image)] == ["PALETTE"]


def test_blank_frame_has_no_codes():
    assert decode_image(Image.new("L", (200, 200), 255)) == []


@pytest.mark.parametrize("frame", [None, "qr.png", b"\x00" * 10, 42])
def test_bad_frames_are_clear_errors(frame):
    with pytest.raises(ScannerError, match="camera frame"):
        decode_image(frame)


def test_bad_raw_pixels_are_clear_errors():
    with pytest.raises(ScannerError, match="not a 10x10 RGBA image"):
        frame_from_bytes(b"\x00" * 10, 10, 10)


def test_same_code_in_consecutive_frames_is_reported_once():
    clock = Clock()
    got = []
    scanner = CameraScanner("camera:0", dedupe_s=1.0, clock=clock)
    scanner._on_scan = got.append
    qr = qr_image("PICKUP-1")
    first = scanner.process(qr)
    assert [e.data for e in first] == ["PICKUP-1"] and first[0].source == "camera:0"
    for _ in range(5):  # held in view for 2.5 s: still one scan
        clock.now += 0.5
        assert scanner.process(qr) == []
    clock.now += 1.5  # taken away, shown again later
    assert scanner.process(Image.new("L", (50, 50), 255)) == []
    assert [e.data for e in scanner.process(qr)] == ["PICKUP-1"]
    assert [e.data for e in got] == ["PICKUP-1", "PICKUP-1"]


def test_a_different_code_is_reported_at_once():
    scanner = CameraScanner(clock=Clock())
    assert len(scanner.process(qr_image("A-1"))) == 1
    assert [e.data for e in scanner.process(qr_image("B-2"))] == ["B-2"]


def test_background_worker_decodes_submitted_frames():
    got = []
    scanner = CameraScanner()
    scanner.start(got.append)
    try:
        scanner.submit(qr_image("WORKER"))
        assert scanner.wait_idle(5)
        scanner.submit("not an image")  # logged, the worker survives
        assert scanner.wait_idle(5)
        scanner.submit(ean13_image("460123456789"))
        assert scanner.wait_idle(5)
    finally:
        scanner.stop()
    assert [e.data for e in got] == ["WORKER", "4601234567893"]
    with pytest.raises(ScannerError):
        CameraScanner(dedupe_s=-1)
