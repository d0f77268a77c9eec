"""``python -m hardware emulate-printer`` as a real subprocess: start, print, switch, stop."""
from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hardware.cli import build_parser
from hardware.printing import (Cut, Document, PaperOut, PrinterConfig, QR, Text, open_printer,
                               print_document, query_status)

ROOT = Path(__file__).resolve().parents[2]


class Running:
    """The emulator process with its stdout lines in a queue."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hardware", "emulate-printer", *args],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8")
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, timeout: float = 10.0) -> re.Match:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no line matching {pattern!r}; got {seen}; "
                             f"exit={self.proc.poll()}")

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=5)


@pytest.fixture
def running(tmp_path):
    started = Running("--port", "0", "--out", str(tmp_path / "jobs"), "--codepage-slot", "59")
    yield started
    started.stop()


def wait_for_state(config: PrinterConfig, state: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        printer = open_printer(config)
        try:
            seen = query_status(printer, 0.5).state
        finally:
            printer.close()
        if seen == state:
            return
        time.sleep(0.1)
    raise AssertionError(f"printer state stayed {seen!r}, expected {state!r}")


def test_emulate_printer_prints_switches_state_and_stops(running, tmp_path):
    match = running.expect(r"listening on 127\.0\.0\.1:(\d+)")
    out = tmp_path / "jobs"
    config = PrinterConfig(f"network:127.0.0.1:{match.group(1)}", codepage_slot=59, timeout_s=1)

    print_document(Document([Text("Итого: 1 234,50 ₽"), QR("check-1"), Cut()]), config)
    running.expect(r"job 1: 1 text line\(s\) \(1 QR, cut full\)")
    assert (out / "1.txt").read_text(encoding="utf-8") == \
        "Итого: 1 234,50 ₽\n[QR: check-1]\n[CUT full]\n"
    assert (out / "1.png").stat().st_size > 0

    running.send("paper out")
    running.expect(r"state: paper out")
    with pytest.raises(PaperOut):
        print_document(Document([Text("lost")]), config)

    (out / "state").write_text("paper ok\ncover closed\n", encoding="utf-8")
    running.expect(r"state \(from state\): paper ok")
    wait_for_state(config, "online")

    running.send("bogus")
    running.send("status")
    running.expect(r"state: paper ok, cover closed; 1 job\(s\) printed")

    running.send("quit")
    assert running.proc.wait(timeout=5) == 0
    running.expect(r"stopped after 1 job\(s\)")
    assert "unknown printer state command 'bogus'" in running.proc.stderr.read()


def test_emulate_printer_can_start_offline(tmp_path):
    started = Running("--port", "0", "--out", str(tmp_path), "--state", "offline")
    try:
        port = started.expect(r"listening on 127\.0\.0\.1:(\d+)").group(1)
        started.expect(r"state: offline")
        config = PrinterConfig(f"network:127.0.0.1:{port}", timeout_s=0.5)
        printer = open_printer(config)
        try:
            assert query_status(printer, 0.5).state == "offline"
        finally:
            printer.close()
        started.proc.terminate()  # SIGTERM stops it cleanly too
        assert started.proc.wait(timeout=5) == 0
    finally:
        started.stop()


class open_listener:
    """A port something already listens on."""

    def __enter__(self) -> int:
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        return self.sock.getsockname()[1]

    def __exit__(self, *exc) -> None:
        self.sock.close()


def test_busy_port_is_a_clear_error(tmp_path):
    with open_listener() as port:
        result = subprocess.run([sys.executable, "-m", "hardware", "emulate-printer", "--port",
                                 str(port), "--out", str(tmp_path)], cwd=ROOT,
                                capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


@pytest.mark.parametrize("argv, message", [
    (["emulate-printer", "--out", "x", "--codepage-slot", "300"], "code page slot must be 0-255"),
    (["emulate-printer", "--out", "x", "--port", "http"], "port must be a number"),
    (["emulate-printer", "--out", "x", "--state", "broken"], "invalid choice"),
    (["emulate-printer"], "--out"),
])
def test_bad_arguments_are_explained(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_dispatcher_lists_the_printer_emulator(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    assert "emulate-printer" in capsys.readouterr().out
