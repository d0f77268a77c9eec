"""print_document end to end: python-escpos' real Network printer -> the emulator on TCP.

QR codes and barcodes are read back from the emulator's PNG of the paper with zxing-cpp,
an independent decoder.
"""
from __future__ import annotations

import os
import socket
import time

import pytest
import zxingcpp
from PIL import Image as PILImage
from PIL import ImageDraw

from hardware.emulator.escpos_printer import EscposPrinterEmulator
from hardware.printing import (QR, Barcode, Columns, CoverOpen, Cut, Document, DocumentError,
                               DrawerKick, Feed, Image, PaperOut, PrinterConfig, PrinterOffline,
                               Separator, Text, open_drawer, open_printer, print_document,
                               query_status)
from hardware.printing.layout import layout_block
from hardware.printing.render import lines_image

RUSSIAN = [
    "Итого: 1 234,50 ₽",
    "Кассир: Иванова А. — смена №3",
    "Скидка «Лето» −10 %",
    "Ёжик в тумане, съешь ещё этих мягких французских булок",
]


@pytest.fixture
def emulator(tmp_path):
    with EscposPrinterEmulator(port=0, out_dir=tmp_path / "paper") as emu:
        yield emu


def config(emu, **kwargs) -> PrinterConfig:
    kwargs.setdefault("timeout_s", 1.0)
    return PrinterConfig(emu.spec, **kwargs)


def codes(image) -> list[tuple[str, str]]:
    return [(r.format.name, r.text) for r in zxingcpp.read_barcodes(image)]


def receipt() -> Document:
    return Document([Text(line) for line in RUSSIAN] + [Cut()])


# --- code pages -------------------------------------------------------------------------

def test_russian_decodes_exactly_with_epson_slot_17(emulator):
    result = print_document(receipt(), config(emulator, codepage_slot=17))
    job = emulator.wait_for_jobs(1)[0]
    wrapped = [line.text for text in RUSSIAN for line in layout_block(Text(text), 48)]
    assert job.text_lines == wrapped
    assert job.cuts == ["full"]
    assert result.status_before.state == result.status_after.state == "online"
    assert result.verified and result.bytes_sent > 0


def test_russian_decodes_exactly_on_a_clone_with_cp866_in_slot_59(tmp_path):
    with EscposPrinterEmulator(port=0, cp866_slot=59) as emu:
        print_document(receipt(), config(emu, codepage_slot=59))
        assert emu.wait_for_jobs(1)[0].text_lines[0] == RUSSIAN[0]


def test_wrong_slot_for_the_printer_prints_mojibake(tmp_path):
    """Why the slot is configuration: Epson's 17 on a slot-59 clone garbles Russian."""
    with EscposPrinterEmulator(port=0, cp866_slot=59) as emu:
        print_document(receipt(), config(emu, codepage_slot=17))
        assert emu.wait_for_jobs(1)[0].text_lines[0] != RUSSIAN[0]


def test_star_printer_slot_10(tmp_path):
    with EscposPrinterEmulator(port=0, cp866_slot=10) as emu:
        print_document(receipt(), config(emu, codepage_slot=10))
        assert emu.wait_for_jobs(1)[0].text_lines[0] == RUSSIAN[0]


def test_printer_defaulting_to_cp866_needs_no_slot(tmp_path):
    with EscposPrinterEmulator(port=0, default_slot=17) as emu:
        print_document(receipt(), config(emu, codepage_slot=None))
        assert emu.wait_for_jobs(1)[0].text_lines[0] == RUSSIAN[0]


def test_code_page_survives_a_reset(emulator):
    # Another program leaves the printer on CP437 and resets it, before and between receipts.
    with socket.create_connection(emulator.address) as other:
        other.sendall(b"\x1bt\x00\x1b@")
    cfg = config(emulator)
    print_document(receipt(), cfg)
    with socket.create_connection(emulator.address) as other:
        other.sendall(b"\x1b@\x1bt\x10")
    print_document(receipt(), cfg)
    jobs = emulator.wait_for_jobs(2)
    assert jobs[0].text_lines[0] == jobs[1].text_lines[0] == RUSSIAN[0]


def test_styles_reach_the_printer(emulator):
    document = Document([Text("ЧЕК", bold=True, align="center", size="large"),
                         Text("обычный", align="right"), Separator("="),
                         Columns("Хлеб", "45,00 ₽", fill=".")])
    print_document(document, config(emulator))
    lines = emulator.wait_for_jobs(1)[0].lines
    assert (lines[0].text, lines[0].bold, lines[0].align, lines[0].size) == ("ЧЕК", True, "center", (2, 2))
    assert (lines[1].text, lines[1].bold, lines[1].align) == ("обычный", False, "right")
    assert lines[2].text == "=" * 48
    assert lines[3].text == "Хлеб" + "." * 37 + "45,00 ₽"


def test_raster_mode_prints_text_as_an_image(emulator):
    cfg = config(emulator, codepage_mode="raster", width_mm=58)
    print_document(receipt(), cfg)
    job = emulator.wait_for_jobs(1)[0]
    assert job.text_lines == [] and len(job.images) == 1
    lines = [line for text in RUSSIAN for line in layout_block(Text(text), 32)]
    expected = lines_image(lines, 384).convert("1")
    got = job.images[0]
    assert got.size == expected.size
    assert got.tobytes() == expected.tobytes()


# --- codes, images, cut, drawer -----------------------------------------------------------

@pytest.mark.parametrize("qr_native", [True, False])
def test_qr_and_ean13_decode_from_the_printed_paper(emulator, qr_native):
    payload = "https://vitrina.example/r/0001-42?sig=Zm9v&t=Привет"
    document = Document([Text("Чек"), QR(payload, size=5, ec="M"),
                         Barcode("EAN13", "460123456789"), Cut()])
    print_document(document, config(emulator, qr_native=qr_native))
    job = emulator.wait_for_jobs(1)[0]
    found = codes(job.image)
    assert ("QRCode", payload) in found
    assert ("EAN13", "4601234567893") in found
    if qr_native:
        assert job.qr_payloads == [payload]
    assert [(b.symbology, b.data, b.check_ok) for b in job.barcodes] == [
        ("EAN13", "4601234567893", True)]
    with PILImage.open(emulator.out_dir / "1.png") as png:  # the file a person looks at
        assert ("QRCode", payload) in codes(png)


def test_code128_decodes_from_the_paper(emulator):
    print_document(Document([Barcode("CODE128", "RET-0001-{42}")]), config(emulator))
    job = emulator.wait_for_jobs(1)[0]
    assert job.barcodes[0].data == "RET-0001-{42}"
    assert ("Code128", "RET-0001-{42}") in codes(job.image)


def test_cut_and_drawer_kicks_on_both_pins(emulator):
    document = Document([Text("x"), DrawerKick(), DrawerKick(pin=5, pulse_ms=200), Feed(2),
                         Cut(partial=True)])
    print_document(document, config(emulator, drawer_pin=2, drawer_pulse_ms=100))
    job = emulator.wait_for_jobs(1)[0]
    assert [(k.pin, k.on_ms) for k in job.drawer_kicks] == [(2, 100), (5, 200)]
    assert job.cuts == ["partial"]
    assert "[DRAWER pin2 on=100ms off=100ms]" in job.text and "[CUT partial]" in job.text


def test_logo_image_arrives(emulator):
    logo = PILImage.new("RGB", (200, 60), "white")
    ImageDraw.Draw(logo).rectangle((10, 10, 190, 50), fill="black")
    print_document(Document([Image(logo), Text("Витрина")]), config(emulator))
    job = emulator.wait_for_jobs(1)[0]
    assert len(job.images) == 1 and job.images[0].size == (200, 60)
    assert job.text_lines == ["Витрина"]


# --- status and failures ------------------------------------------------------------------

def test_paper_out_raises_and_nothing_is_printed(emulator):
    emulator.set_state(paper="out")
    with pytest.raises(PaperOut, match="out of paper: load a new roll") as info:
        print_document(receipt(), config(emulator))
    assert info.value.status.state == "paper_out"
    time.sleep(0.1)
    assert emulator.jobs == [] and emulator.lost_jobs == []  # not a byte of the receipt sent


def test_paper_running_out_during_the_receipt_is_reported(emulator):
    emulator.on_job = lambda job: emulator.set_state(paper="out")
    with pytest.raises(PaperOut, match="may be incomplete, reprint it"):
        print_document(receipt(), config(emulator))


def test_cover_open_raises(emulator):
    emulator.set_state(cover_open=True)
    with pytest.raises(CoverOpen, match="cover open: close it"):
        print_document(receipt(), config(emulator))
    assert emulator.jobs == []


def test_near_end_prints_with_a_warning(emulator):
    emulator.set_state(paper="near_end")
    result = print_document(receipt(), config(emulator))
    assert emulator.wait_for_jobs(1)
    assert result.status_before.state == "paper_near_end"
    assert any("nearly used up" in w for w in result.warnings)


def test_offline_printer_raises_within_the_timeout(emulator):
    emulator.set_state(online=False)
    timeout = 0.8
    started = time.monotonic()
    with pytest.raises(PrinterOffline, match="is not answering"):
        print_document(receipt(), config(emulator, timeout_s=timeout))
    assert time.monotonic() - started < timeout + 0.5
    assert emulator.jobs == []


def test_nothing_listening_raises_offline_quickly():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(PrinterOffline, match="cannot be reached"):
        print_document(receipt(), PrinterConfig(f"network:127.0.0.1:{port}", timeout_s=0.5))
    assert time.monotonic() - started < 1.0


def test_bad_barcode_never_reaches_the_printer(emulator):
    document = Document([Text("x"), Barcode("CODE128", "Y" * 60, module_width=4)])
    with pytest.raises(DocumentError, match="dots wide"):
        print_document(document, config(emulator))
    time.sleep(0.1)
    assert emulator.jobs == []


@pytest.mark.parametrize("state, expected", [
    ({}, "online"), ({"paper": "near_end"}, "paper_near_end"), ({"paper": "out"}, "paper_out"),
    ({"cover_open": True}, "cover_open"), ({"online": False}, "offline"),
])
def test_query_status_reports_each_state(emulator, state, expected):
    emulator.set_state(**state)
    printer = open_printer(config(emulator, timeout_s=0.5))
    try:
        assert query_status(printer, 0.5).state == expected
    finally:
        printer.close()


def test_query_status_is_unknown_where_no_reply_can_come(tmp_path):
    dummy = open_printer(PrinterConfig("dummy"))
    assert query_status(dummy, 0.2).state == "unknown"
    device = tmp_path / "lp0"
    file_printer = open_printer(PrinterConfig(f"file:{device}"))
    try:
        status = query_status(file_printer, 0.2)
    finally:
        file_printer.close()
    assert status.state == "unknown" and not status.can_print


def test_file_printer_prints_with_an_unverified_result(tmp_path):
    device = tmp_path / "lp0"
    result = print_document(receipt(), PrinterConfig(f"file:{device}"))
    assert not result.verified
    assert any("status is unknown" in w for w in result.warnings)
    assert "Итого".encode("cp866") in device.read_bytes()


def test_missing_serial_port_is_offline_with_a_hint():
    with pytest.raises(PrinterOffline, match="check the cable, the port name"):
        print_document(receipt(), PrinterConfig("serial:/dev/does-not-exist:9600"))


def test_device_file_that_stops_accepting_data_times_out(tmp_path):
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a "printer" that never reads
    try:
        big = Document([Image(PILImage.new("L", (576, 2000), 0))] * 2)
        started = time.monotonic()
        with pytest.raises(PrinterOffline, match="did not accept data within 0.5 s"):
            print_document(big, PrinterConfig(f"file:{fifo}", timeout_s=0.5))
        assert time.monotonic() - started < 1.0
    finally:
        os.close(reader)  # the blocked writer gets a broken pipe and its thread ends


@pytest.mark.parametrize("state", [{}, {"paper": "out"}, {"cover_open": True}])
def test_open_drawer_works_even_when_printing_has_stopped(emulator, state):
    emulator.set_state(**state)
    status = open_drawer(config(emulator, drawer_pin=5, drawer_pulse_ms=200))
    job = emulator.wait_for_jobs(1)[0]
    assert [(k.pin, k.on_ms) for k in job.drawer_kicks] == [(5, 200)]
    assert job.text_lines == []
    assert status.state == {"": "online", "paper": "paper_out", "cover_open": "cover_open"}[
        next(iter(state), "")]


def test_open_drawer_on_an_offline_printer_raises(emulator):
    emulator.set_state(online=False)
    with pytest.raises(PrinterOffline):
        open_drawer(config(emulator, timeout_s=0.3))


def test_buffered_drawer_kick_is_lost_with_the_paper(emulator):
    """Why open_drawer exists: ESC p goes through the stopped print buffer."""
    emulator.set_state(paper="out")
    printer = open_printer(config(emulator))
    printer.cashdraw(2)
    printer.close()
    emulator.wait_for_jobs(1)
    assert emulator.jobs == [] and emulator.lost_jobs[0].drawer_kicks
