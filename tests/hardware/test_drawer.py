"""Cash drawers: through the printer (emulator on TCP) and on a serial port (a pty pair)."""
from __future__ import annotations

import os
import pty
import select
import time
import tty

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.drawer import (DEFAULT_TRIGGER, DrawerError, PrinterDrawer, SerialDrawer,
                             parse_drawer_spec, parse_trigger)
from hardware.printing import PrinterConfig
from receipts_support import config, emulator


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


def read_all(fd: int, timeout: float = 1.0) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            data += os.read(fd, 1024)
        elif data:
            break
    return data


# ---------------------------------------------------------------- through the printer

def test_printer_drawer_opens_on_the_configured_pin(emu):
    result = PrinterDrawer(config(emu, drawer_pin=5)).open()
    kick = emu.wait_for_jobs(1)[0].drawer_kicks
    assert [(k.pin, k.on_ms) for k in kick] == [(5, 100)]
    assert result.seconds < 1.0 and "pin 5" in result.how


def test_printer_drawer_opens_with_paper_out_and_a_longer_pulse(emu):
    emu.set_state(paper="out")
    PrinterDrawer(config(emu), pin=2, pulse_ms=300).open()
    assert [(k.pin, k.on_ms) for k in emu.wait_for_jobs(1)[0].drawer_kicks] == [(2, 300)]


def test_printer_drawer_on_a_silent_printer_fails_within_the_timeout(emu):
    emu.set_state(online=False)
    started = time.monotonic()
    with pytest.raises(DrawerError, match="the cash drawer did not open: .* not answering"):
        PrinterDrawer(config(emu, timeout_s=0.5)).open()
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("kwargs, message", [
    ({"printer": None}, "needs the printer configured"),
    ({"pin": 3}, "pin must be 2 or 5"),
    ({"pulse_ms": 50}, "pulse must be 100-800 ms"),
])
def test_printer_drawer_bad_settings(kwargs, message):
    kwargs.setdefault("printer", PrinterConfig("network:127.0.0.1:9"))
    with pytest.raises(DrawerError, match=message):
        PrinterDrawer(**kwargs)


# ---------------------------------------------------------------- serial

def test_serial_drawer_over_a_pty_opens_on_the_default_byte(pty_pair):
    master, device = pty_pair
    drawer = SerialDrawer(device)
    result = drawer.open()
    assert read_all(master) == DEFAULT_TRIGGER
    assert result.seconds < 0.5 and device in drawer.description


def test_serial_drawer_sends_the_configured_byte_string(pty_pair):
    master, device = pty_pair
    SerialDrawer(device, 19200, trigger="1b 70 00 19 fa").open()
    assert read_all(master) == bytes.fromhex("1b700019fa")


def test_a_missing_serial_port_is_a_clear_error():
    with pytest.raises(DrawerError, match="/dev/nonexistent-drawer cannot be opened"):
        SerialDrawer("/dev/nonexistent-drawer").open()


def test_a_drawer_that_never_takes_the_bytes_times_out(pty_pair):
    """Nobody reads the pty: once its buffer is full the write blocks; we give up in time."""
    master, device = pty_pair
    drawer = SerialDrawer(device, trigger=b"\x07" * 32, timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(DrawerError, match="did not"):
        for _ in range(100000):
            drawer.open()
            assert time.monotonic() - started < 30
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("kwargs, message", [
    ({"port": ""}, "needs a port"),
    ({"port": " /dev/ttyS0"}, "needs a port"),
    ({"baudrate": 12345}, "baud rate 12345"),
    ({"timeout_s": 0}, "timeout must be more than 0"),
    ({"trigger": "zz"}, "hex bytes"),
    ({"trigger": ""}, "hex bytes"),
    ({"trigger": b""}, "1-32 bytes"),
    ({"trigger": 7}, "hex text or bytes"),
])
def test_serial_drawer_bad_settings(kwargs, message):
    kwargs.setdefault("port", "/dev/ttyS0")
    with pytest.raises(DrawerError, match=message):
        SerialDrawer(**kwargs)


@given(st.binary(min_size=1, max_size=32))
def test_trigger_hex_round_trips(data):
    assert parse_trigger(data.hex(" ")) == data == parse_trigger(data.hex())


@pytest.mark.parametrize("spec, parsed", [
    ("printer", ("printer", "", 0)),
    ("none", ("none", "", 0)),
    ("serial:/dev/ttyS0", ("serial", "/dev/ttyS0", 9600)),
    ("serial:/dev/ttyUSB1:19200", ("serial", "/dev/ttyUSB1", 19200)),
    ("SERIAL:COM3:9600", ("serial", "COM3", 9600)),
    ("serial:rfc2217://10.0.0.5:7000", ("serial", "rfc2217://10.0.0.5:7000", 9600)),
])
def test_drawer_specs(spec, parsed):
    assert parse_drawer_spec(spec) == parsed


@pytest.mark.parametrize("spec, message", [
    ("", "empty"), ("usb:1:2", "unknown kind 'usb'"), ("printer:2", "takes no address"),
    ("serial:", "port is missing"), ("serial:/dev/ttyS0:12345", "baud rate 12345"),
])
def test_bad_drawer_specs(spec, message):
    with pytest.raises(DrawerError, match=message):
        parse_drawer_spec(spec)
