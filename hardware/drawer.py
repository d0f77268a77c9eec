"""Cash drawers: one small interface, two real backends.

* :class:`PrinterDrawer`: the drawer hangs off the receipt printer's kick connector (the
  usual case). It sends the real-time pulse ``DLE DC4`` through
  :func:`hardware.printing.open_drawer`, which the printer runs even when it is out of
  paper or its cover is open, on pin 2 or 5 with the configured pulse.
* :class:`SerialDrawer`: a drawer with its own serial (or USB-serial) interface that
  opens on any byte, or on a configured byte string (``trigger``), through pyserial.

Opening must be fast and must never hang the till: the printer path is bounded by the
printer's timeout; the serial path runs open, write and close in a worker thread and
gives up after ``timeout_s`` (a serial port's close can wait for its output to drain,
for up to 30 s on Linux, when the other side holds flow control). A drawer that did
not open raises :class:`DrawerError` with what to check.
"""
from __future__ import annotations

import abc
import re
import threading
import time
from dataclasses import dataclass

import serial

from hardware.printing import PrinterConfig, PrinterError, open_drawer

DEFAULT_TRIGGER = b"\x07"
SERIAL_BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
DRAWER_FORMS = ("printer", "serial:PORT[:BAUD]", "none")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")


class DrawerError(RuntimeError):
    """The drawer did not open (or cannot be set up); the message says what to check."""


@dataclass(frozen=True)
class DrawerResult:
    """How the drawer was opened and how long it took."""
    how: str
    seconds: float


class Drawer(abc.ABC):
    """A cash drawer the till can open."""

    @property
    @abc.abstractmethod
    def description(self) -> str:
        """One line for the technician: what this drawer is and how it is reached."""

    @abc.abstractmethod
    def open(self) -> DrawerResult:
        """Open the drawer now, or raise :class:`DrawerError` within the timeout."""


class PrinterDrawer(Drawer):
    """A drawer on the printer's kick connector; ``pin``/``pulse_ms`` default to the printer's."""

    def __init__(self, printer: PrinterConfig, pin: int | None = None,
                 pulse_ms: int | None = None) -> None:
        if not isinstance(printer, PrinterConfig):
            raise DrawerError("a drawer on the printer needs the printer configured first "
                              "('python -m hardware configure printer SPEC')")
        if pin is not None and pin not in (2, 5):
            raise DrawerError(f"cash drawer pin must be 2 or 5, got {pin!r}")
        if pulse_ms is not None and (isinstance(pulse_ms, bool) or not isinstance(pulse_ms, int)
                                     or not 100 <= pulse_ms <= 800):
            raise DrawerError(f"drawer pulse must be 100-800 ms (the real-time pulse runs in "
                              f"100 ms steps), got {pulse_ms!r}")
        self.printer = printer
        self.pin = pin or printer.drawer_pin
        self.pulse_ms = pulse_ms or max(100, printer.drawer_pulse_ms)

    @property
    def description(self) -> str:
        return f"drawer on the printer {self.printer.spec}, pin {self.pin}, {self.pulse_ms} ms"

    def open(self) -> DrawerResult:
        started = time.monotonic()
        try:
            open_drawer(self.printer, self.pin, self.pulse_ms)
        except PrinterError as exc:
            raise DrawerError(f"the cash drawer did not open: {exc}") from exc
        return DrawerResult(f"pulse on printer pin {self.pin}", time.monotonic() - started)


def parse_trigger(text: str | bytes | None) -> bytes:
    """``'07'``, ``'1b 70 00 19 fa'`` (hex) or bytes -> the bytes a serial drawer opens on."""
    if text is None:
        return DEFAULT_TRIGGER
    if isinstance(text, (bytes, bytearray)):
        data = bytes(text)
    elif isinstance(text, str):
        compact = text.replace(" ", "").replace(":", "")
        if not _HEX.match(compact):
            raise DrawerError(f"drawer trigger must be hex bytes such as '07' or '1b 70 00 19 fa', "
                              f"got {text!r}")
        data = bytes.fromhex(compact)
    else:
        raise DrawerError(f"drawer trigger must be hex text or bytes, got {type(text).__name__}")
    if not 1 <= len(data) <= 32:
        raise DrawerError(f"drawer trigger must be 1-32 bytes, got {len(data)}")
    return data


class SerialDrawer(Drawer):
    """A drawer on its own serial port (a device path or any pyserial URL)."""

    def __init__(self, port: str, baudrate: int = 9600, trigger: bytes | str | None = None,
                 timeout_s: float = 1.0) -> None:
        if not isinstance(port, str) or not port.strip() or port != port.strip():
            raise DrawerError(f"a serial drawer needs a port such as /dev/ttyS0 or COM3, got {port!r}")
        if baudrate not in SERIAL_BAUDS:
            raise DrawerError(f"baud rate {baudrate!r} is not one of "
                              f"{', '.join(map(str, SERIAL_BAUDS))}")
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) \
                or not 0 < timeout_s <= 10:
            raise DrawerError(f"drawer timeout must be more than 0 and at most 10 s, got {timeout_s!r}")
        self.port = port
        self.baudrate = baudrate
        self.trigger = parse_trigger(trigger)
        self.timeout_s = float(timeout_s)

    @property
    def description(self) -> str:
        return f"serial drawer on {self.port} at {self.baudrate} baud, opens on {self.trigger.hex(' ')}"

    def _send(self, failure: list) -> None:
        try:
            port = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=self.timeout_s,
                                         write_timeout=self.timeout_s)
        except (serial.SerialException, OSError, ValueError) as exc:
            failure.append(DrawerError(f"the cash drawer port {self.port} cannot be opened: {exc}; "
                                       "check the cable, the port name and that no other program "
                                       "holds the port"))
            return
        try:
            port.write(self.trigger)
        except (serial.SerialException, OSError) as exc:
            failure.append(DrawerError(f"the cash drawer on {self.port} did not accept the open "
                                       f"command: {exc}; check the cable and the drawer's power"))
        finally:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def open(self) -> DrawerResult:
        started = time.monotonic()
        failure: list[DrawerError] = []
        worker = threading.Thread(target=self._send, args=(failure,), daemon=True,
                                  name=f"drawer {self.port}")
        worker.start()
        worker.join(self.timeout_s + 0.5)
        if worker.is_alive():  # left behind, blocked in the kernel, rather than the till
            raise DrawerError(f"the cash drawer on {self.port} did not respond within "
                              f"{self.timeout_s:g} s; check the cable and the drawer's power")
        if failure:
            raise failure[0]
        return DrawerResult(f"{len(self.trigger)} byte(s) on {self.port}", time.monotonic() - started)


def parse_drawer_spec(spec: str) -> tuple[str, str, int]:
    """``'printer'`` -> ('printer', '', 0); ``'serial:/dev/ttyS0:9600'`` -> ('serial',
    '/dev/ttyS0', 9600); ``'none'`` -> ('none', '', 0). :class:`DrawerError` otherwise."""
    if not isinstance(spec, str) or not spec.strip():
        raise DrawerError(f"drawer spec is empty; use one of: {', '.join(DRAWER_FORMS)}")
    text = spec.strip()
    kind, _, rest = text.partition(":")
    kind = kind.lower()
    if kind in ("printer", "none"):
        if rest:
            raise DrawerError(f"drawer spec {spec!r}: '{kind}' takes no address")
        return kind, "", 0
    if kind != "serial":
        raise DrawerError(f"drawer spec {spec!r}: unknown kind {kind!r}; use one of: "
                          f"{', '.join(DRAWER_FORMS)}")
    port, baudrate = rest, 9600
    head, colon, tail = rest.rpartition(":")
    if colon and tail.isdigit() and "://" not in rest:
        port, baudrate = head, int(tail)
    if not port:
        raise DrawerError(f"drawer spec {spec!r}: the serial port is missing")
    if baudrate not in SERIAL_BAUDS:
        raise DrawerError(f"drawer spec {spec!r}: baud rate {baudrate} is not one of "
                          f"{', '.join(map(str, SERIAL_BAUDS))}")
    return "serial", port, baudrate
