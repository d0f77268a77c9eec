"""``python -m hardware list | configure | test-print | scan-test | status`` as real
subprocesses, against the printer emulator on TCP, a payment terminal emulator and an
emulated serial scanner on a pty."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hardware.cli import build_parser
from hardware.devices import get_device
from hardware.emulator.escpos_printer import EscposPrinterEmulator
from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
from hardware.emulator.serial_scanner import EmulatedSerialScanner
from hardware.receipts.testpage import ALPHABET_UPPER, ruler
from retail.store import connect
from receipts_support import barcodes, emulator

ROOT = Path(__file__).resolve().parents[2]
ENV = {k: v for k, v in os.environ.items() if k != "VITRINA_DB"}


def hw(*args: str, stdin: str | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hardware", *args], cwd=ROOT, env=ENV,
                          input=stdin, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def emu(tmp_path):
    with emulator(tmp_path) as running:
        yield running


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "till.db")


def stored(db: str, kind: str):
    conn = connect(db)
    try:
        return get_device(conn, kind)
    finally:
        conn.close()


def test_every_technician_command_is_registered():
    commands = build_parser()._subparsers._group_actions[0].choices
    assert {"list", "configure", "test-print", "scan-test", "status"} <= set(commands)


def test_configure_a_printer_then_status_and_list_show_it(db, emu):
    done = hw("configure", "--db", db, "printer", emu.spec, "--width", "58", "--timeout", "1")
    assert done.returncode == 0, done.stderr
    assert f"printer: {emu.spec} (timeout_s=1.0, width_mm=58) saved in {db}" in done.stdout
    assert "check: ok: the printer is online" in done.stdout
    status = hw("status", "--db", db, "--json")
    assert status.returncode == 0, status.stderr
    report = {row["kind"]: row for row in json.loads(status.stdout)}
    assert report["printer"]["state"] == "ok"
    assert report["scanner"] == {"kind": "scanner", "spec": "none", "state": "not_configured",
                                 "detail": "no scanner configured: python -m hardware configure "
                                           "--db PATH scanner SPEC"}
    listed = hw("list", "--db", db)
    assert listed.returncode == 0, listed.stderr
    assert "Serial ports:" in listed.stdout and "USB printers:" in listed.stdout
    assert f"printer  ok" in listed.stdout and emu.spec in listed.stdout


def test_status_fails_when_a_configured_device_fails(db, emu):
    hw("configure", "--db", db, "printer", emu.spec, "--timeout", "0.5", "--no-check")
    emu.set_state(paper="out")
    status = hw("status", "--db", db)
    assert status.returncode == 1
    assert "printer  error" in status.stdout and "out of paper" in status.stdout


def test_options_given_later_keep_the_stored_ones_unless_reset(db):
    hw("configure", "--db", db, "printer", "dummy", "--width", "58", "--no-check")
    hw("configure", "--db", db, "printer", "dummy", "--codepage-slot", "59", "--no-check")
    assert stored(db, "printer").options == {"width_mm": 58, "codepage_slot": 59}
    hw("configure", "--db", db, "printer", "dummy", "--codepage-slot", "none", "--no-check")
    assert stored(db, "printer").options == {"width_mm": 58, "codepage_slot": None}
    hw("configure", "--db", db, "printer", "dummy", "--reset", "--drawer-pin", "5", "--no-check")
    assert stored(db, "printer").options == {"drawer_pin": 5}
    removed = hw("configure", "--db", db, "printer", "none")
    assert "printer: removed" in removed.stdout and not stored(db, "printer").configured


def test_bad_configuration_is_refused_with_the_reason(db):
    hw("configure", "--db", db, "printer", "dummy", "--no-check")
    bad = hw("configure", "--db", db, "printer", "netwrk:10.0.0.1")
    assert bad.returncode == 2 and "printer not saved: printer spec 'netwrk:10.0.0.1'" in bad.stderr
    assert stored(db, "printer").spec == "dummy"
    bad = hw("configure", "--db", db, "printer", "dummy", "--width", "80", "--columns", "32")
    assert bad.returncode == 2 and "80 mm paper takes 42 or 48 columns" in bad.stderr
    bad = hw("configure", "--db", db, "printer", "dummy", "--codepage-slot", "300")
    assert bad.returncode == 2 and "code page slot must be 0-255" in bad.stderr
    missing = hw("status")
    assert missing.returncode == 2 and "--db PATH" in missing.stderr
    nofile = hw("status", "--db", db + ".missing")
    assert nofile.returncode == 2 and "no local store at" in nofile.stderr


def test_configure_scanner_drawer_and_payment(db, tmp_path):
    done = hw("configure", "--db", db, "scanner", "serial:/dev/ttyUSB0:9600", "--suffix", "crlf",
              "--no-check")
    assert done.returncode == 0, done.stderr
    assert stored(db, "scanner").spec == "serial:/dev/ttyUSB0:9600;suffix=CRLF"
    with EmulatedSerialScanner() as port:   # any pty: the drawer check only opens it
        done = hw("configure", "--db", db, "drawer", f"serial:{port.device}", "--trigger", "07")
        assert done.returncode == 0, done.stderr
        assert f"check: ok: {port.device} opens" in done.stdout
    with EmulatedPaymentTerminal() as terminal:
        done = hw("configure", "--db", db, "payment", f"tcp:127.0.0.1:{terminal.port}")
        assert done.returncode == 0 and "check: ok: 127.0.0.1:" in done.stdout
    done = hw("configure", "--db", db, "payment", "emulator")
    assert "check: ok: in-process emulator answered" in done.stdout


def test_test_print_from_the_configured_printer(db, emu):
    hw("configure", "--db", db, "printer", emu.spec, "--no-check")
    done = hw("test-print", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "printed:" in done.stdout and "printer the printer is online" in done.stdout
    job = emu.wait_for_jobs(1)[0]
    assert job.text_lines[0] == "ТЕСТОВАЯ СТРАНИЦА ПРИНТЕРА"
    assert ALPHABET_UPPER[:17] in job.text_lines and ruler(48) in job.text_lines
    assert sorted(barcodes(emu, job)) == [("EAN13", "4601234567893"),
                                          ("QRCode", f"VITRINA TEST {emu.spec}")]
    assert job.cuts == ["full"]


def test_test_print_tries_a_slot_before_saving_it(tmp_path):
    with EscposPrinterEmulator(port=0, out_dir=tmp_path, cp866_slot=59) as emu:
        done = hw("test-print", "--printer", emu.spec, "--codepage-slot", "59", "--lang", "en",
                  "--width", "58")
        assert done.returncode == 0, done.stderr
        job = emu.wait_for_jobs(1)[0]
        assert job.text_lines[0] == "PRINTER TEST PAGE" and ALPHABET_UPPER[:17] in job.text_lines
        assert ruler(32) in job.text_lines


def test_test_print_on_a_silent_printer_fails_within_the_timeout(emu):
    emu.set_state(online=False)
    done = hw("test-print", "--printer", emu.spec, "--timeout", "0.5")
    assert done.returncode == 1 and "not printed:" in done.stderr and "not answering" in done.stderr
    assert hw("test-print").returncode == 2


def test_scan_test_reads_a_serial_scanner(db):
    with EmulatedSerialScanner("CRLF", aim=True) as device:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hardware", "scan-test", "--scanner",
             f"serial:{device.device}:9600;suffix=CRLF", "--count", "3"],
            cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            ready = proc.stdout.readline()
            assert "ready: scan codes now" in ready, proc.stderr.read()
            device.send("4600000000008")
            device.send("2900000010017")
            device.send("0104600000000008\x1d10ABC", aim="]d2")
            out, err = proc.communicate(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["1.", "EAN-13", "4600000000008", "product", "barcode,", "GTIN",
                                "04600000000008"]
    assert "loyalty card •••• 0017" in lines[1] and "2900000010017" not in out
    assert "GS1 DataMatrix" in lines[2] and "(10) ABC" in lines[2]
    assert lines[-1] == "3 scan(s) read"


def test_scan_test_from_the_configured_wedge_reads_the_keyboard(db):
    hw("configure", "--db", db, "scanner", "wedge", "--no-check")
    done = hw("scan-test", "--db", db, stdin="4600000000008\nhello\n")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "scanner wedge ready: scan codes now (Ctrl-C to stop)"
    assert lines[1].endswith("4600000000008            product barcode, GTIN 04600000000008")
    assert "hello" in lines[2] and "not recognised" in lines[2]
    assert lines[-1] == "2 scan(s) read"


def test_scan_test_times_out_and_refuses_cameras(db):
    with EmulatedSerialScanner() as device:
        done = hw("scan-test", "--scanner", f"serial:{device.device}", "--timeout", "0.3")
        assert done.returncode == 1 and "no scan within 0.3 s" in done.stderr
    camera = hw("scan-test", "--scanner", "camera:0")
    assert camera.returncode == 2 and "camera screen" in camera.stderr
    missing = hw("scan-test", "--scanner", "serial:/dev/nonexistent-scanner", "--count", "1")
    assert missing.returncode == 1 and "cannot open the scanner" in missing.stderr
    connect(db).close()
    none = hw("scan-test", "--db", db)
    assert none.returncode == 2 and "no scanner is configured" in none.stderr
