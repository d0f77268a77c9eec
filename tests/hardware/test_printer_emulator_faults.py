"""The printer emulator misbehaves on command: paper running out mid-receipt, garbage status."""
from __future__ import annotations

import socket
import time

import pytest

from hardware.emulator.escpos_printer import EscposPrinterEmulator
from hardware.printing import PaperOut, PrinterConfig, print_document
from hardware.printing.document import Document, Text


@pytest.fixture
def emulator(tmp_path):
    with EscposPrinterEmulator(port=0, out_dir=tmp_path / "out") as emu:
        yield emu


def send(emu, data: bytes, read: int = 0, timeout: float = 1.0) -> bytes:
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


def test_paper_runs_out_after_the_given_bytes_mid_receipt(emulator):
    emulator.paper_out_after(len(b"first line\n"))
    send(emulator, b"first line\nsecond line\n\x1dV\x00")
    emulator.wait_for_jobs(2)
    assert [j.text_lines for j in emulator.jobs] == [["first line"]]
    assert emulator.lost_jobs[0].text_lines == ["second line"]
    assert emulator.state.paper == "out"
    assert send(emulator, b"\x10\x04\x04", read=1) == bytes([0x12 | 0x0C | 0x60])


def test_paper_out_after_counts_across_sends_and_can_be_cancelled(emulator):
    emulator.paper_out_after(1000)
    send(emulator, b"short\n\x1dV\x00")
    emulator.wait_for_jobs(1)
    assert emulator.state.paper == "ok"
    emulator.paper_out_after(None)
    send(emulator, b"x" * 2000 + b"\n\x1dV\x00")
    emulator.wait_for_jobs(2)
    assert emulator.state.paper == "ok" and emulator.lost_jobs == []


def test_paper_out_after_zero_loses_the_whole_receipt(emulator):
    emulator.paper_out_after(0)
    send(emulator, b"gone\n\x1dV\x00")
    emulator.wait_for_jobs(1)
    assert emulator.jobs == [] and emulator.lost_jobs[0].text_lines == ["gone"]


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_paper_out_after_refuses_nonsense(emulator, bad):
    with pytest.raises(ValueError, match="byte count"):
        emulator.paper_out_after(bad)


def test_garbled_status_answers_every_query_with_the_garbage_and_still_prints(emulator):
    emulator.garble_status(b"\xff")
    assert send(emulator, b"\x10\x04\x01\x10\x04\x02", read=2) == b"\xff\xff"
    send(emulator, b"printed anyway\n\x1dV\x00")
    assert emulator.wait_for_jobs(1)[0].text_lines == ["printed anyway"]
    emulator.garble_status(None)
    assert send(emulator, b"\x10\x04\x01", read=1) == b"\x12"


@pytest.mark.parametrize("bad", [b"", "x", 7])
def test_garble_status_refuses_nonsense(emulator, bad):
    with pytest.raises(ValueError, match="non-empty bytes"):
        emulator.garble_status(bad)


def test_print_document_reports_paper_out_mid_receipt(emulator):
    emulator.paper_out_after(40)
    config = PrinterConfig(emulator.spec, timeout_s=1.0)
    with pytest.raises(PaperOut, match="may be incomplete"):
        print_document(Document([Text("line %d" % i) for i in range(30)]), config)
    emulator.wait_for_jobs(2)
    assert emulator.jobs and emulator.lost_jobs[0].lost_reason == "paper out"
