"""A serial barcode scanner on a pseudo-terminal, for tests and for technicians.

:class:`EmulatedSerialScanner` opens a pty pair (``pty.openpty``): the slave's device
path (``/dev/pts/N``) is what the POS opens as its scanner port, and the emulator writes
codes into the master exactly as a scanner would, with the chosen prefix, AIM identifier
and suffix. Closing the emulator makes the port vanish as an unplugged scanner would.

From a shell::

    python -m hardware emulate-scanner --suffix CRLF --aim

prints the device path, then sends every line typed or piped on stdin as one scan
(write ``<GS>`` for the GS1 separator 0x1D).
"""
from __future__ import annotations

import argparse
import os
import pty
import re
import sys
import threading
import tty
from typing import Optional, TextIO

from hardware.scanner.framing import GS, Suffix
from hardware.scanner.symbology import lookup

_GS1_START = re.compile(r"(01\d{14}|00\d{18})")


def guess_aim(data: str) -> str:
    """The AIM identifier a scanner would most likely send for ``data``.

    Eight digits: EAN-8; twelve or thirteen: EAN-13 (scanners report UPC-A as EAN-13);
    GS1 element strings (GS inside, or starting with AI 01/00): GS1 DataMatrix; anything
    else: QR Code. Good enough for an emulator; pass ``aim=`` to choose exactly.
    """
    if data.isdigit() and len(data) == 8:
        return "]E4"
    if data.isdigit() and len(data) in (12, 13):
        return "]E0"
    if GS in data or _GS1_START.match(data):
        return "]d2"
    return "]Q1"


class EmulatedSerialScanner:
    """Writes scans into a pty master; point a :class:`SerialScanner` at :attr:`device`."""

    def __init__(self, suffix: Suffix | str = Suffix.CR, prefix: str = "", aim: bool = False,
                 encoding: str = "utf-8"):
        self.suffix = Suffix.parse(suffix)
        self.prefix = prefix
        self.aim = aim
        self.encoding = encoding
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)  # no echo, no CR/LF translation: bytes pass as sent
        self.device = os.ttyname(self._slave)
        self._lock = threading.Lock()
        self.closed = False

    def frame(self, data: str, aim: Optional[str] = None) -> bytes:
        """The exact bytes a scanner sends for ``data``."""
        if aim is None and self.aim:
            aim = guess_aim(data)
        if aim is not None and lookup(aim) is None:
            raise ValueError(f"{aim!r} is not an AIM symbology identifier")
        return (self.prefix + (aim or "") + data + self.suffix.value).encode(self.encoding)

    def send(self, data: str, aim: Optional[str] = None) -> bytes:
        """Send one scan; returns the bytes written."""
        raw = self.frame(data, aim)
        self.send_raw(raw)
        return raw

    def send_raw(self, raw: bytes) -> None:
        """Write bytes as they are: partial codes, garbage, several codes at once."""
        with self._lock:
            if self.closed:
                raise ValueError("the emulated scanner is closed")
            view = memoryview(raw)
            while view:
                written = os.write(self._master, view)
                view = view[written:]

    def close(self) -> None:
        """Close both ends: the device path disappears and readers see the port lost."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            for fd in (self._master, self._slave):
                try:
                    os.close(fd)
                except OSError:
                    pass

    def __enter__(self) -> "EmulatedSerialScanner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run(args: argparse.Namespace, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Send each stdin line as a scan until EOF, then hold the port until Ctrl-C."""
    with EmulatedSerialScanner(args.suffix, args.prefix, args.aim) as scanner:
        print(f"emulated scanner on {scanner.device} (suffix {scanner.suffix.name}"
              f"{', AIM ids' if args.aim else ''}); type codes, <GS> for 0x1D", file=out,
              flush=True)
        try:
            for line in stdin:
                code = line.rstrip("\r\n").replace("<GS>", GS)
                if code:
                    raw = scanner.send(code)
                    print(f"sent {raw!r}", file=out, flush=True)
            if not args.exit_on_eof:
                print("input ended; keeping the port open until Ctrl-C", file=out, flush=True)
                threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


def _suffix_arg(text: str) -> Suffix:
    try:
        return Suffix.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suffix", type=_suffix_arg, default=Suffix.CR,
                        help="code terminator: CR, CRLF, LF or TAB (default CR)")
    parser.add_argument("--prefix", default="", help="fixed prefix before every code")
    parser.add_argument("--aim", action="store_true",
                        help="prefix codes with a guessed AIM symbology identifier")
    parser.add_argument("--exit-on-eof", action="store_true",
                        help="close the port when stdin ends instead of waiting for Ctrl-C")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hardware.emulator.serial_scanner",
        description="Emulated serial barcode scanner on a pseudo-terminal.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
