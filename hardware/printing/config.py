"""Which printer and how it behaves: the spec string a technician types and the settings.

A spec names the connection in one line, so it fits a settings screen and a command line:

    network:192.168.1.50[:9100]    serial:/dev/ttyUSB0[:19200]    usb:04b8:0202
    file:/dev/usb/lp0              cups:Receipt_Printer            dummy

:class:`PrinterConfig` holds what differs between printer models and that python-escpos
gets wrong by default: the ``ESC t`` slot of CP866 (17 on Epson, 59 on many clones, 10 on
Star; None when the printer's own default code page is already CP866), the raster fallback
for printers with no Cyrillic at all, the drawer pin and pulse, and the I/O timeout.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from .errors import PrinterConfigError, PrinterSpecError

SPEC_FORMS = ("network:HOST[:PORT]", "serial:DEVICE[:BAUD]", "usb:VID:PID", "file:PATH",
              "cups:NAME", "dummy")
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_HEX_ID = re.compile(r"^(?:0[xX])?([0-9A-Fa-f]{1,4})$")
_CUPS_NAME = re.compile(r"^[^\s/#\\]{1,127}$")


def _fail(text: str, why: str) -> PrinterSpecError:
    return PrinterSpecError(f"printer spec {text!r}: {why}. Use one of: {', '.join(SPEC_FORMS)}")


def _parse_port(text: str, raw: str, what: str = "port") -> int:
    if not raw.isascii() or not raw.isdigit():
        raise _fail(text, f"{what} {raw!r} is not a number")
    port = int(raw)
    if not 1 <= port <= 65535:
        raise _fail(text, f"{what} {port} is outside 1-65535")
    return port


def _parse_host(text: str, host: str) -> str:
    if not host:
        raise _fail(text, "the host is missing")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not host.isascii() or not _HOSTNAME.match(host) or host.replace(".", "").isdigit():
        raise _fail(text, f"{host!r} is not an IP address or host name")
    return host


@dataclass(frozen=True)
class PrinterSpec:
    """A parsed printer spec; ``str(spec)`` gives the canonical spec string back."""
    kind: str
    host: str = ""
    port: int = 9100
    device: str = ""
    baudrate: int = 19200
    vendor_id: int = 0
    product_id: int = 0
    path: str = ""
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> "PrinterSpec":
        """Parse a spec string; :class:`PrinterSpecError` says what is wrong and the forms."""
        if not isinstance(text, str):
            raise PrinterSpecError(f"printer spec must be text, got {type(text).__name__}")
        raw = text.strip()
        if not raw:
            raise _fail(text, "it is empty")
        kind, sep, rest = raw.partition(":")
        kind = kind.lower()
        if kind == "dummy":
            if sep and rest:
                raise _fail(text, "dummy takes no arguments")
            return cls("dummy")
        if kind not in ("network", "serial", "usb", "file", "cups"):
            raise _fail(text, f"unknown kind {kind!r}")
        if not rest:
            raise _fail(text, f"{kind} needs an argument")
        if kind == "network":
            if rest.startswith("["):  # [IPv6]:port
                host, bracket, tail = rest[1:].partition("]")
                if not bracket:
                    raise _fail(text, "missing ']' after the IPv6 address")
                if tail and not tail.startswith(":"):
                    raise _fail(text, "expected ':PORT' after the IPv6 address")
                port = _parse_port(text, tail[1:]) if tail else 9100
            else:
                host, colon, port_text = rest.partition(":")
                port = _parse_port(text, port_text) if colon else 9100
            return cls("network", host=_parse_host(text, host), port=port)
        if kind == "serial":
            device, baudrate = rest, 19200
            head, colon, tail = rest.rpartition(":")
            if colon and tail.isascii() and tail.isdigit():
                device, baudrate = head, int(tail)
                if baudrate not in BAUD_RATES:
                    raise _fail(text, f"baud rate {baudrate} is not one of "
                                      f"{', '.join(map(str, BAUD_RATES))}")
            if not device or device != device.strip() or any(ord(c) < 32 for c in device):
                raise _fail(text, "the serial device is missing or has spaces or control "
                                  "characters at its ends")
            return cls("serial", device=device, baudrate=baudrate)
        if kind == "usb":
            parts = rest.split(":")
            if len(parts) != 2:
                raise _fail(text, "usb needs VENDOR:PRODUCT ids in hex, e.g. usb:04b8:0202")
            ids = []
            for part, what in zip(parts, ("vendor", "product")):
                match = _HEX_ID.match(part)
                if not match or int(match.group(1), 16) == 0:
                    raise _fail(text, f"USB {what} id {part!r} is not a 4-digit hex number")
                ids.append(int(match.group(1), 16))
            return cls("usb", vendor_id=ids[0], product_id=ids[1])
        if kind == "file":
            if rest != rest.strip() or any(ord(c) < 32 for c in rest):
                raise _fail(text, "the file path has spaces or control characters at its ends")
            return cls("file", path=rest)
        if not _CUPS_NAME.match(rest):
            raise _fail(text, f"CUPS printer name {rest!r} may not contain spaces, '/', '#' or '\\'")
        return cls("cups", name=rest)

    def __str__(self) -> str:
        if self.kind == "network":
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"network:{host}:{self.port}"
        if self.kind == "serial":
            return f"serial:{self.device}:{self.baudrate}"
        if self.kind == "usb":
            return f"usb:{self.vendor_id:04x}:{self.product_id:04x}"
        if self.kind == "file":
            return f"file:{self.path}"
        if self.kind == "cups":
            return f"cups:{self.name}"
        return "dummy"

    @property
    def can_report_status(self) -> bool:
        """Whether this connection can carry status replies back (file and CUPS cannot)."""
        return self.kind in ("network", "serial", "usb")


#: Printable width of each column layout: font A is 12 dots wide.
COLUMNS_DOTS = {32: 384, 42: 512, 48: 576}
_COLUMNS_FOR_WIDTH = {58: (32,), 80: (42, 48)}


@dataclass(frozen=True)
class PrinterConfig:
    """How to talk to one receipt printer. Invalid values raise :class:`PrinterConfigError`.

    ``columns`` defaults from the paper: 58 mm -> 32, 80 mm -> 48 (42 for 80 mm printers
    with a 72 mm head). ``codepage_slot`` is where the printer keeps CP866; None sends no
    ``ESC t`` and trusts the printer's configured default. ``codepage_mode='raster'`` prints
    text as images, for printers without any Cyrillic code page.
    """
    spec: PrinterSpec
    width_mm: int = 80
    columns: int | None = None
    codepage_slot: int | None = 17
    codepage_mode: str = "native"
    drawer_pin: int = 2
    drawer_pulse_ms: int = 100
    timeout_s: float = 3.0
    qr_native: bool = True

    def __post_init__(self) -> None:
        spec = self.spec
        if isinstance(spec, str):
            object.__setattr__(self, "spec", PrinterSpec.parse(spec))
        elif not isinstance(spec, PrinterSpec):
            raise PrinterConfigError(f"printer spec must be a PrinterSpec or text, got "
                                     f"{type(spec).__name__}")
        if self.width_mm not in _COLUMNS_FOR_WIDTH:
            raise PrinterConfigError(f"paper width must be 58 or 80 mm, got {self.width_mm!r}")
        allowed = _COLUMNS_FOR_WIDTH[self.width_mm]
        if self.columns is None:
            object.__setattr__(self, "columns", allowed[-1])
        elif self.columns not in allowed:
            raise PrinterConfigError(
                f"{self.width_mm} mm paper takes {' or '.join(map(str, allowed))} columns, "
                f"got {self.columns!r}")
        slot = self.codepage_slot
        if slot is not None and (isinstance(slot, bool) or not isinstance(slot, int)
                                 or not 0 <= slot <= 255):
            raise PrinterConfigError(f"code page slot must be 0-255 or None, got {slot!r}")
        if self.codepage_mode not in ("native", "raster"):
            raise PrinterConfigError(f"code page mode must be 'native' or 'raster', got "
                                     f"{self.codepage_mode!r}")
        if self.drawer_pin not in (2, 5):
            raise PrinterConfigError(f"cash drawer pin must be 2 or 5, got {self.drawer_pin!r}")
        pulse = self.drawer_pulse_ms
        if isinstance(pulse, bool) or not isinstance(pulse, int) or not 2 <= pulse <= 510:
            raise PrinterConfigError(f"drawer pulse must be 2-510 ms, got {pulse!r}")
        timeout = self.timeout_s
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
                or not 0 < timeout <= 60:
            raise PrinterConfigError(f"printer timeout must be more than 0 and at most 60 s, "
                                     f"got {timeout!r}")

    @property
    def dots(self) -> int:
        """Printable width in dots."""
        return COLUMNS_DOTS[self.columns]
