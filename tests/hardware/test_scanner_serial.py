"""SerialScanner over a real pseudo-terminal pair and over pyserial's loop://."""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import time

import pytest
import serial

from hardware.emulator.serial_scanner import EmulatedSerialScanner, guess_aim
from hardware.scanner import GS, ScannerError, SerialScanner, Suffix

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Inbox:
    """Collects scans delivered from the reader thread."""

    def __init__(self):
        self.q = queue.Queue()

    def __call__(self, event):
        self.q.put(event)

    def take(self, n=1, timeout=2.0):
        return [self.q.get(timeout=timeout) for _ in range(n)]

    def empty_for(self, seconds):
        try:
            self.q.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def running():
    """Start a SerialScanner on an emulator's pty; stops and closes both afterwards."""
    made = []

    def make(suffix=Suffix.CR, prefix="", aim=False, **kw):
        emu = EmulatedSerialScanner(suffix, prefix, aim)
        scanner = SerialScanner(emu.device, 9600, suffix, prefix, **kw)
        inbox = Inbox()
        scanner.start(inbox)
        assert scanner.wait_connected(2)
        made.append((scanner, emu))
        return emu, scanner, inbox

    yield make
    for scanner, emu in made:
        scanner.stop()
        emu.close()


@pytest.mark.parametrize("suffix", list(Suffix))
def test_each_suffix_over_a_pty(running, suffix):
    emu, _, inbox = running(suffix)
    emu.send("4601234567893")
    emu.send("https://vitrina.example/p/42?x=1")
    first, second = inbox.take(2)
    assert first.data == "4601234567893" and first.source == f"serial:{emu.device}"
    assert second.data == "https://vitrina.example/p/42?x=1"


@pytest.mark.parametrize("data,aim,name", [
    ("4601234567893", "]E0", "EAN-13"),
    ("46009333", "]E4", "EAN-8"),
    ("0104601234567893" + GS + "21ABC", "]d2", "GS1 DataMatrix"),
    ("https://vitrina.example/p/1", "]Q1", "QR Code"),
])
def test_aim_prefixes_are_detected_and_stripped(running, data, aim, name):
    emu, _, inbox = running(Suffix.CRLF, aim=True)
    assert emu.send(data).startswith(aim.encode())
    (event,) = inbox.take()
    assert (event.data, event.aim, event.symbology.name) == (data, aim, name)


def test_explicit_aim_and_prefix(running):
    emu, _, inbox = running(Suffix.TAB, prefix="#")
    emu.send("0104601234567893" + GS + "3103000750", aim="]C1")
    (event,) = inbox.take()
    assert event.data == "0104601234567893\x1d3103000750"
    assert event.symbology.gs1 and event.aim == "]C1"


def test_gs_separators_survive_inside_gs1_data(running):
    emu, _, inbox = running(Suffix.CR, aim=True)
    code = "0104601234567893" + GS + "10LOT-7" + GS + "17261231" + GS + "21SER1"
    emu.send(code)
    (event,) = inbox.take()
    assert event.data.split(GS) == ["0104601234567893", "10LOT-7", "17261231", "21SER1"]


def test_garbage_bytes_do_not_stop_the_reader(running):
    emu, scanner, inbox = running(Suffix.CR)
    emu.send_raw(b"\xff\xfe\x00\x81\x07\x1b\r")
    emu.send("4601234567893")
    garbage, good = inbox.take(2)
    assert garbage.data == "\ufffd\ufffd\ufffd" and garbage.symbology is None
    assert good.data == "4601234567893"
    assert scanner.connected


def test_code_split_across_reads(running):
    emu, _, inbox = running(Suffix.CRLF, aim=True)
    raw = emu.frame("Привет https://vitrina.example/p/7")  # multi-byte UTF-8 too
    for i in range(0, len(raw), 3):
        emu.send_raw(raw[i:i + 3])
        time.sleep(0.01)
    (event,) = inbox.take()
    assert (event.data, event.aim) == ("Привет https://vitrina.example/p/7", "]Q1")


def test_code_without_suffix_is_delivered_after_idle(running):
    emu, _, inbox = running(Suffix.CR, idle_flush_s=0.2)
    emu.send_raw(b"12345678")
    (event,) = inbox.take(timeout=2)
    assert event.data == "12345678"


def test_callback_error_does_not_kill_the_reader():
    with EmulatedSerialScanner() as emu:
        inbox = Inbox()
        calls = []

        def flaky(event):
            calls.append(event)
            if len(calls) == 1:
                raise RuntimeError("app bug")
            inbox(event)

        scanner = SerialScanner(emu.device)
        scanner.start(flaky)
        try:
            assert scanner.wait_connected(2)
            emu.send("111111")
            emu.send("222222")
            (event,) = inbox.take()
            assert event.data == "222222"
        finally:
            scanner.stop()


def test_stop_is_prompt(running):
    _, scanner, _ = running(Suffix.CR, timeout=1.0)
    started = time.monotonic()
    scanner.stop()
    assert time.monotonic() - started < 0.5
    assert scanner.status == "stopped"


def test_reconnects_when_the_port_comes_back(tmp_path):
    """A USB scanner unplugged and replugged: its by-id symlink points at a new device."""
    link = tmp_path / "usb-scanner"
    statuses = []
    first = EmulatedSerialScanner()
    os.symlink(first.device, link)
    scanner = SerialScanner(str(link), reconnect_s=0.1, on_status=statuses.append)
    inbox = Inbox()
    scanner.start(inbox)
    second = None
    try:
        assert scanner.wait_connected(2)
        first.send("11111111")
        assert inbox.take()[0].data == "11111111"
        first.close()  # unplugged
        deadline = time.monotonic() + 2
        while scanner.connected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not scanner.connected
        assert any(s.startswith("lost") for s in statuses)
        second = EmulatedSerialScanner()
        os.unlink(link)
        os.symlink(second.device, link)
        assert scanner.wait_connected(3)
        second.send("22222222")
        assert inbox.take()[0].data == "22222222"
    finally:
        scanner.stop()
        if second:
            second.close()


def test_missing_port_reports_and_keeps_trying(tmp_path):
    statuses = []
    scanner = SerialScanner(str(tmp_path / "nothing"), reconnect_s=0.05,
                            on_status=statuses.append)
    scanner.start(Inbox())
    time.sleep(0.2)
    scanner.stop()
    assert statuses[0].startswith("cannot open") and statuses[-1] == "stopped"


def test_over_pyserial_loop_url():
    port = serial.serial_for_url("loop://", timeout=0.05)
    scanner = SerialScanner("loop://", suffix="TAB", opener=lambda: port)
    inbox = Inbox()
    scanner.start(inbox)
    try:
        assert scanner.wait_connected(2)
        port.write(b"]E04601234567893\t]Q1ab")
        time.sleep(0.05)
        port.write(b"c\t")
        first, second = inbox.take(2)
        assert (first.data, first.aim) == ("4601234567893", "]E0")
        assert (second.data, second.aim) == ("abc", "]Q1")
    finally:
        scanner.stop()


@pytest.mark.parametrize("kwargs,match", [
    (dict(baudrate=0), "baud rate"), (dict(baudrate="9600"), "baud rate"),
    (dict(timeout=0), "timeout"), (dict(suffix="ETX"), "suffix"),
])
def test_bad_settings_are_clear_errors(kwargs, match):
    with pytest.raises(ScannerError, match=match):
        SerialScanner("/dev/null", **kwargs)


@pytest.mark.parametrize("data,aim", [
    ("46009333", "]E4"), ("4601234567893", "]E0"), ("012345678905", "]E0"),
    ("0104601234567893" + GS + "10A", "]d2"), ("0104601234567893", "]d2"),
    ("https://x", "]Q1"), ("123", "]Q1"),
])
def test_emulator_guesses_aim(data, aim):
    assert guess_aim(data) == aim


def test_emulator_refuses_a_bad_aim_and_writes_after_close():
    emu = EmulatedSerialScanner()
    with pytest.raises(ValueError, match="AIM"):
        emu.send("x", aim="]W9")
    emu.close()
    with pytest.raises(ValueError, match="closed"):
        emu.send("x")


def test_emulator_command_line_sends_piped_codes():
    proc = subprocess.Popen(
        [sys.executable, "-m", "hardware", "emulate-scanner", "--suffix", "CRLF", "--aim"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    scanner = None
    try:
        header = proc.stdout.readline()
        device = header.split(" on ", 1)[1].split(" ", 1)[0]
        assert device.startswith("/dev/")
        scanner = SerialScanner(device, suffix="CRLF")
        inbox = Inbox()
        scanner.start(inbox)
        assert scanner.wait_connected(2)
        proc.stdin.write("4601234567893\n0104601234567893<GS>10LOT\n")
        proc.stdin.flush()
        first, second = inbox.take(2, timeout=5)
        assert (first.data, first.aim) == ("4601234567893", "]E0")
        assert (second.data, second.aim) == ("0104601234567893\x1d10LOT", "]d2")
    finally:
        if scanner:
            scanner.stop()
        proc.kill()
        proc.wait(5)


def test_emulator_command_line_refuses_a_bad_suffix():
    proc = subprocess.run(
        [sys.executable, "-m", "hardware", "emulate-scanner", "--suffix", "ETX"],
        cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "unknown scanner suffix 'ETX'; use one of CR, CRLF, LF, TAB" in proc.stderr


def test_emulator_module_runs_on_its_own_too():
    proc = subprocess.run(
        [sys.executable, "-m", "hardware.emulator.serial_scanner", "--exit-on-eof"],
        cwd=ROOT, input="4601234567893\n", capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0
    assert "sent b'4601234567893\\r'" in proc.stdout
