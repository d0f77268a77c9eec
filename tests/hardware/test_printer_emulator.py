"""The ESC/POS printer emulator over real loopback TCP: decoding, status, states, robustness.

These tests talk to the emulator with raw sockets and with python-escpos' own Network
printer, so they check that the emulator understands what the library really sends.
"""
from __future__ import annotations

import socket
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
import zxingcpp
from escpos.printer import Network
from PIL import Image, ImageDraw

from hardware.emulator.escpos_printer import (EscposPrinterEmulator, PrinterState,
                                              parse_state_command, status_reply)
from hardware.printing.glyphs import glyph_columns

RUSSIAN = "Итого: 1 234,50"


@pytest.fixture
def emulator(tmp_path):
    with EscposPrinterEmulator(port=0, out_dir=tmp_path / "out") as emu:
        yield emu


def send(emu, data: bytes, read: int = 0, timeout: float = 1.0) -> bytes:
    """Send ``data`` on a fresh connection; read ``read`` reply bytes; close."""
    with socket.create_connection(emu.address, timeout=timeout) as sock:
        sock.sendall(data)
        reply = b""
        deadline = time.monotonic() + timeout
        while len(reply) < read and time.monotonic() < deadline:
            try:
                chunk = sock.recv(read - len(reply))
            except socket.timeout:
                break
            if not chunk:
                break
            reply += chunk
        return reply


def escpos_printer(emu, timeout: float = 2.0) -> Network:
    printer = Network(*emu.address, timeout=timeout)
    printer.open()
    return printer


def decoded(image: Image.Image) -> list[tuple[str, str]]:
    return [(r.format.name, r.text) for r in zxingcpp.read_barcodes(image)]


# --- text and code pages ------------------------------------------------------------------

def test_cp866_text_with_epson_slot_decodes_exactly(emulator):
    send(emulator, b"\x1b@\x1bt\x11" + RUSSIAN.encode("cp866") + b"\n")
    job = emulator.wait_for_jobs(1)[0]
    assert job.text_lines == [RUSSIAN]
    assert job.text == RUSSIAN + "\n"


def test_clone_with_cp866_in_slot_59_ignores_slot_17(tmp_path):
    with EscposPrinterEmulator(port=0, cp866_slot=59) as emu:
        send(emu, b"\x1bt\x11" + "Ж".encode("cp866") + b"\n\x1bt\x3b" + "Ж".encode("cp866") + b"\n")
        job = emu.wait_for_jobs(1)[0]
    assert job.text_lines[0] != "Ж"  # slot 17 is not CP866 on this printer: mojibake
    assert job.text_lines[1] == "Ж"
    assert any("slot 17" in u for u in job.unknown)


def test_reset_returns_to_the_default_code_page(emulator):
    send(emulator, b"\x1bt\x11" + "Да".encode("cp866") + b"\n\x1b@" + "Да".encode("cp866") + b"\n")
    job = emulator.wait_for_jobs(1)[0]
    assert job.text_lines[0] == "Да"
    assert job.text_lines[1] == "Да".encode("cp866").decode("cp437")


def test_modes_persist_across_connections_like_a_real_printer(emulator):
    send(emulator, b"\x1bt\x11")
    send(emulator, "Привет\n".encode("cp866"))
    assert emulator.wait_for_jobs(1)[0].text_lines == ["Привет"]


def test_styles_are_tracked_per_line(emulator):
    send(emulator, b"\x1ba\x01\x1bE\x01\x1d!\x11BIG\n\x1ba\x02\x1bE\x00\x1d!\x00small\n"
                   b"\x1b!\x38X\n")
    job = emulator.wait_for_jobs(1)[0]
    big, small, mode = job.lines
    assert (big.text, big.align, big.bold, big.size) == ("BIG", "center", True, (2, 2))
    assert (small.text, small.align, small.bold, small.size) == ("small", "right", False, (1, 1))
    assert mode.bold and mode.size == (2, 2)


def test_user_defined_glyph_reads_back_as_the_character(emulator):
    define = b"\x1b&\x03\x21\x21\x0c" + glyph_columns("₽")
    send(emulator, b"\x1bt\x11" + define + "Итого: 5,00 ".encode("cp866")
         + b"\x1b%\x01!\x1b%\x00 !\n")
    job = emulator.wait_for_jobs(1)[0]
    assert job.text_lines == ["Итого: 5,00 ₽ !"]
    assert job.lines[0].glyphs.keys() == {12}


def test_reset_forgets_user_defined_glyphs(emulator):
    define = b"\x1b&\x03\x21\x21\x0c" + glyph_columns("₽")
    send(emulator, define + b"\x1b@\x1b%\x01!\n")
    assert emulator.wait_for_jobs(1)[0].text_lines == ["!"]


# --- codes, images, cut, drawer -------------------------------------------------------------

def test_native_and_image_qr_barcodes_cut_and_drawer_via_python_escpos(emulator):
    printer = escpos_printer(emulator)
    printer.qr("https://vitrina.example/r/42?s=Ж", native=True, size=6, ec=1)
    printer.qr("image-mode QR", native=False, size=5)
    printer._hw_barcode("4006381333931", "EAN13", width=2)
    printer._hw_barcode("{BABC-123", "CODE128", function_type="B")
    printer.cashdraw(2)
    printer.cashdraw(5)
    printer.cut(mode="PART")
    printer.close()
    job = emulator.wait_for_jobs(1)[0]
    assert job.qr_payloads == ["https://vitrina.example/r/42?s=Ж"]
    assert [(b.symbology, b.data, b.check_ok) for b in job.barcodes] == [
        ("EAN13", "4006381333931", True), ("CODE128", "ABC-123", None)]
    assert [(k.pin, k.on_ms, k.off_ms) for k in job.drawer_kicks] == [(2, 100, 100), (5, 100, 100)]
    assert job.cuts == ["partial"]
    assert "[CUT partial]" in job.text and "[DRAWER pin5 on=100ms off=100ms]" in job.text
    assert len(job.images) == 1  # the image-mode QR arrives as a GS v 0 raster
    found = decoded(job.image)
    assert ("QRCode", "https://vitrina.example/r/42?s=Ж") in found
    assert ("QRCode", "image-mode QR") in found
    assert ("EAN13", "4006381333931") in found
    assert ("Code128", "ABC-123") in found


def test_job_files_are_written(emulator):
    send(emulator, b"hello\n\x1dV\x00second\n")
    emulator.wait_for_jobs(2)
    out = emulator.out_dir
    assert (out / "1.txt").read_text(encoding="utf-8") == "hello\n[CUT full]\n"
    assert (out / "2.txt").read_text(encoding="utf-8") == "second\n"
    with Image.open(out / "1.png") as png:
        assert png.width > 576


@pytest.mark.parametrize("impl", ["bitImageRaster", "graphics", "bitImageColumn"])
def test_every_python_escpos_image_mode_arrives_as_one_image(emulator, impl):
    picture = Image.new("1", (64, 40), 1)
    ImageDraw.Draw(picture).rectangle((8, 8, 55, 31), fill=0)
    printer = escpos_printer(emulator)
    printer.image(picture, impl=impl)
    printer.close()
    job = emulator.wait_for_jobs(1)[0]
    assert len(job.images) == 1
    got = job.images[0]
    assert got.width >= 64 and got.height >= 40
    assert got.getpixel((30, 20)) == 0 and got.getpixel((2, 2)) != 0
    assert job.text.startswith("[IMAGE ")


def test_wrong_ean_check_digit_is_flagged(emulator):
    send(emulator, b"\x1dk\x024006381333932\x00")
    job = emulator.wait_for_jobs(1)[0]
    assert job.barcodes[0].check_ok is False
    assert "(wrong check digit)" in job.text


def test_code128_code_set_c_and_escaped_brace(emulator):
    payload = b"{C" + bytes([12, 34, 56]) + b"{B{{x"
    send(emulator, b"\x1dkI" + bytes([len(payload)]) + payload)
    assert emulator.wait_for_jobs(1)[0].barcodes[0].data == "123456{x"


# --- status and states ------------------------------------------------------------------

@pytest.mark.parametrize("state, online, paper_status, eot1, eot2, eot4, gsr1", [
    (PrinterState(), True, 2, 0x12, 0x12, 0x12, 0x00),
    (PrinterState(paper="near_end"), True, 1, 0x12, 0x12, 0x1E, 0x03),
    (PrinterState(paper="out"), False, 0, 0x1A, 0x32, 0x7E, 0x0F),
    (PrinterState(cover_open=True), False, 2, 0x1A, 0x16, 0x12, 0x00),
])
def test_status_replies(emulator, state, online, paper_status, eot1, eot2, eot4, gsr1):
    emulator.set_state(paper=state.paper, cover_open=state.cover_open)
    reply = send(emulator, b"\x10\x04\x01\x10\x04\x02\x10\x04\x04\x1dr\x01", read=4)
    assert reply == bytes([eot1, eot2, eot4, gsr1])
    printer = escpos_printer(emulator)
    assert printer.is_online() is online
    assert printer.paper_status() == paper_status
    printer.close()


def test_offline_printer_accepts_but_never_answers_or_prints(emulator):
    emulator.set_state(online=False)
    started = time.monotonic()
    assert send(emulator, b"\x10\x04\x01hello\n\x1dV\x00", read=1, timeout=0.4) == b""
    assert time.monotonic() - started < 1.0
    time.sleep(0.1)
    assert emulator.jobs == [] and emulator.lost_jobs == []
    assert emulator.bytes_discarded_offline > 0


def test_paper_out_discards_and_records_the_lost_job(emulator):
    emulator.set_state(paper="out")
    send(emulator, b"lost receipt\n\x1dV\x00")
    emulator.wait_for_jobs(1)
    assert emulator.jobs == []
    assert emulator.lost_jobs[0].lost_reason == "paper out"
    assert emulator.lost_jobs[0].text_lines == ["lost receipt"]
    assert not (emulator.out_dir / "1.txt").exists()
    emulator.set_state(paper="ok")
    send(emulator, b"after reload\n")
    assert emulator.wait_for_jobs(2)[0].text_lines == ["after reload"]


def test_cover_open_stops_printing(emulator):
    emulator.set_state(cover_open=True)
    send(emulator, b"x\n")
    emulator.wait_for_jobs(1)
    assert emulator.jobs == [] and emulator.lost_jobs[0].lost_reason == "cover open"


def test_status_reply_bits_follow_epson():
    assert status_reply(PrinterState(online=False), "DLE EOT", 1) is None
    assert status_reply(PrinterState(), "DLE EOT", 9) is None
    assert status_reply(PrinterState(), "GS I", 66) == b"_Vitrina\x00"


@pytest.mark.parametrize("line, expected", [
    ("paper out", {"paper": "out"}), ("  Paper   OK ", {"paper": "ok"}),
    ("paper near-end", {"paper": "near_end"}), ("cover open", {"cover_open": True}),
    ("cover closed", {"cover_open": False}), ("offline", {"online": False}),
    ("online", {"online": True}),
])
def test_state_commands(line, expected):
    assert parse_state_command(line) == expected


@pytest.mark.parametrize("line", ["", "paper", "paper gone", "cover", "reboot"])
def test_bad_state_commands_say_what_is_allowed(line):
    with pytest.raises(ValueError, match="use one of: paper ok"):
        parse_state_command(line)


def test_bad_paper_state_is_refused(emulator):
    with pytest.raises(ValueError, match="paper state must be one of"):
        emulator.set_state(paper="empty")


# --- robustness -------------------------------------------------------------------------

def test_garbage_over_tcp_does_not_stop_the_printer(emulator):
    import random
    rng = random.Random(1234)
    for _ in range(20):
        send(emulator, bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))))
    # A command that declares a huge image, then the connection drops.
    send(emulator, b"\x1dv0\x00\xff\xff\xff\xff" + b"\x00" * 1000)
    send(emulator, b"\x1b@still alive\n")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if any(job.text_lines[-1:] == ["still alive"] for job in emulator.jobs):
            break
        time.sleep(0.02)
    else:
        pytest.fail("the printer stopped printing after garbage")


def test_unknown_commands_are_recorded(emulator):
    send(emulator, b"\x1b\x01a\n\x1d\x02b\n\x11c\n")
    job = emulator.wait_for_jobs(1)[0]
    assert job.text_lines == ["a", "b", "c"]
    assert "[UNKNOWN ESC 01]" in job.text and "[UNKNOWN GS 02]" in job.text
    assert "[UNKNOWN control byte 11]" in job.text


def test_truncated_command_at_close_is_reported(emulator):
    send(emulator, b"text\n\x1dk\x43\x0d40063")
    job = emulator.wait_for_jobs(1)[0]
    assert job.text_lines == ["text"]
    assert any(u.startswith("truncated command 1d 6b 43") for u in job.unknown)


def test_stop_is_prompt_even_with_a_client_connected(tmp_path):
    emu = EscposPrinterEmulator(port=0).start()
    client = socket.create_connection(emu.address)
    started = time.monotonic()
    emu.stop()
    client.close()
    assert time.monotonic() - started < 1.0


def test_busy_port_gives_a_clear_error(emulator):
    with pytest.raises(OSError, match="cannot listen on 127.0.0.1"):
        EscposPrinterEmulator(port=emulator.port).start()


def test_long_lines_wrap_at_the_paper_width(emulator):
    send(emulator, b"x" * 50 + b"\n\x1d!\x10" + b"y" * 30 + b"\n")
    job = emulator.wait_for_jobs(1)[0]
    assert job.text_lines == ["x" * 48, "xx", "y" * 24, "y" * 6]


def test_python_escpos_magic_encoder_text_decodes(emulator):
    """Whatever Cyrillic code page python-escpos picks from its profile, we decode it."""
    printer = escpos_printer(emulator)
    printer.set(bold=True)
    printer.text("Привет, мир\n")
    printer.close()
    assert emulator.wait_for_jobs(1)[0].text_lines == ["Привет, мир"]


@given(st.text(max_size=40))
def test_any_state_command_parses_or_names_the_valid_ones(line):
    try:
        changes = parse_state_command(line)
    except ValueError as exc:
        assert "use one of" in str(exc)
    else:
        assert changes and set(changes) <= {"paper", "cover_open", "online"}
        PrinterState(**{"paper": "ok", **changes})
