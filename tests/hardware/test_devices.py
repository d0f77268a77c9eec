"""The devices table: defaults, configure with checks, building each device, status."""
from __future__ import annotations

import os
import pty
import select
import threading
import time
import tty

import pytest

from hardware.devices import (DemoPaymentTerminal, DeviceConfigError, DeviceSetting, KINDS,
                              build_drawer, build_payment, build_scanner, configure,
                              device_status, get_device, open_store, printer_config,
                              read_devices, scanner_config, serial_ports, usb_printers)
from hardware.drawer import PrinterDrawer, SerialDrawer
from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
from hardware.emulator.serial_scanner import EmulatedSerialScanner
from hardware.payment import Approved
from hardware.printing import PrinterConfig
from hardware.scanner import SerialScanner
from retail.store import connect, transaction
from receipts_support import emulator


@pytest.fixture
def db(tmp_path):
    conn = connect(tmp_path / "till.db")
    yield conn
    conn.close()


@pytest.fixture
def emu(tmp_path):
    with emulator(tmp_path) as running:
        yield running


@pytest.fixture
def pty_pair():
    master, slave = pty.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


def test_a_fresh_terminal_has_nothing_configured_and_says_so(db):
    settings = read_devices(db)
    assert list(settings) == list(KINDS)
    assert all(s.spec == "none" and not s.configured for s in settings.values())
    assert printer_config(db) is None and build_drawer(db) is None
    assert build_scanner(db) is None and build_payment(db) is None
    report = device_status(db)
    assert [(s.kind, s.state) for s in report] == [(k, "not_configured") for k in KINDS]
    assert "no printer configured: python -m hardware configure --db PATH printer SPEC" == \
        report[0].detail


def test_printer_is_stored_canonically_with_its_options(db):
    stored = configure(db, "printer", "NETWORK:127.0.0.1", {"width_mm": 58, "codepage_slot": None,
                                                           "drawer_pin": 5}, now=100)
    assert stored == DeviceSetting("printer", "network:127.0.0.1:9100",
                                   {"codepage_slot": None, "drawer_pin": 5, "width_mm": 58}, 100)
    assert printer_config(db) == PrinterConfig("network:127.0.0.1:9100", width_mm=58,
                                               codepage_slot=None, drawer_pin=5)


def test_none_removes_a_device(db):
    configure(db, "printer", "dummy")
    configure(db, "printer", "none")
    assert get_device(db, "printer") == DeviceSetting("printer")


def test_configure_joins_the_callers_transaction(db):
    with pytest.raises(RuntimeError):
        with transaction(db):
            configure(db, "printer", "dummy")
            raise RuntimeError("technician cancelled")
    assert not get_device(db, "printer").configured


@pytest.mark.parametrize("kind, spec, options, message", [
    ("fax", "x", None, "device kind must be one of printer, drawer, scanner, payment"),
    ("printer", "", None, "printer spec is empty"),
    ("printer", "netwrk:1.2.3.4", None, "unknown kind 'netwrk'"),
    ("printer", "network:1.2.3.4", {"width_mm": 70}, "paper width must be 58 or 80"),
    ("printer", "network:1.2.3.4", {"colour": "red"}, "printer has no option\\(s\\) colour"),
    ("printer", "network:1.2.3.4", {"codepage_mode": "ascii"}, "code page mode"),
    ("drawer", "usb:1:2", None, "unknown kind 'usb'"),
    ("drawer", "printer", {"trigger": "07"}, "takes only pin and pulse_ms"),
    ("drawer", "printer", {"pin": 3}, "pin must be 2 or 5"),
    ("drawer", "serial:/dev/ttyS0", {"pin": 2}, "takes only trigger and timeout_s"),
    ("drawer", "serial:/dev/ttyS0", {"trigger": "xyz"}, "hex bytes"),
    ("scanner", "serial:", None, "needs a port"),
    ("scanner", "laser", None, "scanner kind must be one of"),
    ("scanner", "wedge", {"suffix": "CR"}, "everything is in the spec"),
    ("payment", "tcp:host", None, "use none, tcp:HOST:PORT or emulator"),
    ("payment", "tcp:127.0.0.1:70000", None, "port '70000' is not 1-65535"),
    ("payment", "tcp:bad host!:80", None, "not an IP address or host name"),
    ("payment", "emulator", {"timeout_s": -1}, "must be seconds"),
])
def test_bad_settings_are_refused_before_anything_is_written(db, kind, spec, options, message):
    with pytest.raises(DeviceConfigError, match=message):
        configure(db, kind, spec, options)
    assert db.execute("SELECT COUNT(*) FROM devices").fetchone()[0] == 0


def test_damaged_options_are_reported(db):
    configure(db, "printer", "dummy")
    with transaction(db):
        db.execute("UPDATE devices SET options = 'not json'")
    with pytest.raises(DeviceConfigError, match="configure the printer again"):
        get_device(db, "printer")


def test_drawer_through_the_printer(db, emu):
    configure(db, "drawer", "printer", {"pin": 5})    # the order of configuring is free
    with pytest.raises(DeviceConfigError, match="no printer is configured"):
        build_drawer(db)
    configure(db, "printer", emu.spec, {"timeout_s": 1.0})
    drawer = build_drawer(db)
    assert isinstance(drawer, PrinterDrawer) and drawer.pin == 5
    drawer.open()
    assert emu.wait_for_jobs(1)[0].drawer_kicks[0].pin == 5


def test_serial_drawer_from_the_table_opens_over_a_pty(db, pty_pair):
    master, device = pty_pair
    stored = configure(db, "drawer", f"serial:{device}", {"trigger": "1b70"})
    assert stored.spec == f"serial:{device}:9600"
    drawer = build_drawer(db)
    assert isinstance(drawer, SerialDrawer)
    drawer.open()
    select.select([master], [], [], 1.0)
    assert os.read(master, 16) == b"\x1bp"


def test_serial_scanner_from_the_table_delivers_scans(db):
    conn = db
    with EmulatedSerialScanner("CRLF", aim=True) as device:
        stored = configure(conn, "scanner", f"serial:{device.device}:9600;suffix=crlf")
        assert stored.spec == f"serial:{device.device}:9600;suffix=CRLF"
        scanner = build_scanner(conn)
        assert isinstance(scanner, SerialScanner)
        got, done = [], threading.Event()
        scanner.start(lambda event: (got.append(event), done.set()))
        try:
            assert scanner.wait_connected(2)
            device.send("4600000000008")
            assert done.wait(2)
        finally:
            scanner.stop()
        assert got[0].data == "4600000000008" and got[0].symbology.name == "EAN-13"
        assert scanner_config(conn).suffix.name == "CRLF"


def test_payment_over_tcp_and_the_in_process_emulator(db):
    with EmulatedPaymentTerminal() as terminal:
        configure(db, "payment", f"tcp:127.0.0.1:{terminal.port}", {"timeout_s": 2})
        client = build_payment(db)
        assert (client.host, client.port, client.timeout_s) == ("127.0.0.1", terminal.port, 2.0)
        assert client.ping() < 1
    configure(db, "payment", "EMULATOR")
    demo = build_payment(db)
    try:
        assert isinstance(demo, DemoPaymentTerminal)
        assert isinstance(demo.pay("demo-key-1", 100_00), Approved)
    finally:
        demo.close()


def test_status_of_configured_devices(db, emu, pty_pair):
    _, device = pty_pair
    configure(db, "printer", emu.spec, {"timeout_s": 0.5})
    configure(db, "drawer", "printer")
    configure(db, "scanner", f"serial:{device}:9600")
    configure(db, "payment", "tcp:127.0.0.1:1")
    report = {s.kind: s for s in device_status(db, timeout_s=0.5)}
    assert report["printer"].state == "ok" and report["printer"].detail == "the printer is online"
    assert report["drawer"].state == "ok" and "pin 2" in report["drawer"].detail
    assert report["scanner"].state == "ok" and device in report["scanner"].detail
    assert report["payment"].state == "error" and "127.0.0.1:1" in report["payment"].detail

    emu.set_state(paper="out")
    report = {s.kind: s for s in device_status(db, timeout_s=0.5)}
    assert report["printer"].state == "error" and "out of paper" in report["printer"].detail
    assert report["drawer"].state == "ok"          # the real-time kick works without paper

    emu.set_state(paper="ok", online=False)
    started = time.monotonic()
    report = {s.kind: s for s in device_status(db, timeout_s=0.5)}
    assert time.monotonic() - started < 2.0
    assert report["printer"].state == report["drawer"].state == "error"
    assert "did not answer" in report["printer"].detail


def test_status_of_missing_ports_wedge_and_camera(db):
    configure(db, "drawer", "serial:/dev/nonexistent-drawer")
    configure(db, "scanner", "wedge")
    report = {s.kind: s for s in device_status(db, timeout_s=0.5)}
    assert report["drawer"].state == "error" and "cannot open /dev/nonexistent-drawer" in \
        report["drawer"].detail
    assert report["scanner"].state == "unknown" and "scan-test" in report["scanner"].detail
    configure(db, "scanner", "camera:1")
    assert "camera 1" in device_status(db)[2].detail


def test_discovery_lists_ports_and_handles_usb_without_a_backend(pty_pair):
    ports = serial_ports()
    assert all(port.device for port in ports)
    printers, note = usb_printers()
    assert printers or note == "" or note.startswith("USB printers cannot be listed")


def test_open_store_refuses_a_missing_file_unless_asked(tmp_path):
    with pytest.raises(DeviceConfigError, match="no local store at .*missing.db"):
        open_store(tmp_path / "missing.db")
    open_store(tmp_path / "new.db", create=True).close()
    assert (tmp_path / "new.db").exists()


# ---------------------------------------------------------------- scan descriptions

@pytest.mark.parametrize("raw, symbology, data, meaning", [
    ("]E04600000000008", "EAN-13", "4600000000008", "product barcode, GTIN 04600000000008"),
    ("]E02900000010017", "EAN-13", "•••• 0017", "loyalty card •••• 0017"),
    ("]d20104600000000008\x1d10ABC", "GS1 DataMatrix", "0104600000000008<GS>10ABC",
     "GS1 data: (01) 04600000000008, (10) ABC"),
    ("?!", "unknown", "?!", "not recognised"),
    ("x" * 60, "unknown", "x" * 40 + "…", "not recognised"),
])
def test_describe_scan(raw, symbology, data, meaning):
    from hardware.devices import describe_scan
    from hardware.scanner import Framing

    described = describe_scan(Framing().event(raw, "test"))
    assert (described.symbology, described.data) == (symbology, data)
    assert described.meaning.startswith(meaning)


def test_describe_scan_shortens_signed_codes(tmp_path):
    from hardware.devices import describe_scan
    from hardware.scanner import Framing
    from retail.codes import signed

    code = signed.sign("receipt", {"receipt": "MSK1-P1-000001", "sale_id": "s-1", "store": "MSK1"},
                       bytes(32), "k1", 2_000_000_000)
    described = describe_scan(Framing().event("]Q1" + code, "test"))
    assert described.data == code[:12] + "…" and code not in described.line()
    assert described.meaning.startswith("signed Vitrina receipt code")
