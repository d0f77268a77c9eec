"""Scanner configuration as one line a technician can type: a *spec*.

Forms::

    serial:/dev/ttyUSB0:9600          a serial scanner (any pyserial URL works as the port)
    serial:/dev/ttyACM0               ... at 9600 baud
    wedge                             a keyboard-wedge scanner
    camera:0                          camera number 0 (``camera`` alone means 0)

followed by optional ``;name=value`` settings: ``suffix`` (CR, CRLF, LF, TAB), ``prefix``
(percent-encoded), ``encoding`` (serial), ``max_gap_ms``, ``min_length`` and ``layout``
(wedge: auto, ru, us), ``dedupe_ms`` (camera). Example: ``serial:COM3:115200;suffix=CRLF``.
The baud rate is the last ``:`` part only when it is a standard rate, so a URL such as
``rfc2217://10.0.0.5:7000`` keeps its TCP port.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass, fields
from typing import Optional
from urllib.parse import quote, unquote

from hardware.scanner.base import Scanner
from hardware.scanner.framing import ScannerError, Suffix
from hardware.scanner.wedge import LAYOUTS

KINDS = ("serial", "wedge", "camera")
STANDARD_BAUDS = (1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200, 230400,
                  460800, 921600)
_INT_OPTIONS = ("max_gap_ms", "min_length", "dedupe_ms")
_OPTIONS = ("suffix", "prefix", "encoding", "layout") + _INT_OPTIONS


@dataclass(frozen=True)
class ScannerConfig:
    """Everything needed to build one scanner; :meth:`from_spec` / :meth:`to_spec`."""

    kind: str
    port: Optional[str] = None
    baudrate: int = 9600
    camera: int = 0
    suffix: Suffix = Suffix.CR
    prefix: str = ""
    encoding: str = "utf-8"
    max_gap_ms: int = 50
    min_length: int = 4
    layout: str = "auto"
    dedupe_ms: int = 2000

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ScannerError(f"scanner kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.kind == "serial" and not self.port:
            raise ScannerError("a serial scanner needs a port, e.g. serial:/dev/ttyUSB0:9600")
        if self.port is not None and (";" in self.port or self.port != self.port.strip()):
            raise ScannerError(f"scanner port {self.port!r} must not contain ';' or "
                               "surrounding spaces")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ScannerError(f"unknown text encoding {self.encoding!r}") from None
        if self.baudrate not in STANDARD_BAUDS:
            raise ScannerError(f"baud rate {self.baudrate} is not a standard rate "
                               f"({', '.join(map(str, STANDARD_BAUDS))})")
        if self.layout not in LAYOUTS:
            raise ScannerError(f"keyboard layout must be one of {LAYOUTS}, got {self.layout!r}")
        for name in ("camera", "max_gap_ms", "min_length", "dedupe_ms"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ScannerError(f"{name} must be a whole number >= 0, got {value!r}")
        if self.max_gap_ms < 1 or self.min_length < 1:
            raise ScannerError("max_gap_ms and min_length must be at least 1")
        object.__setattr__(self, "suffix", Suffix.parse(self.suffix))

    @classmethod
    def from_spec(cls, spec: str) -> "ScannerConfig":
        """Parse a spec line; a :class:`ScannerError` says what is wrong with it."""
        if not isinstance(spec, str) or not spec.strip():
            raise ScannerError("empty scanner spec; use serial:PORT[:BAUD], wedge or camera:N")
        head, *settings = spec.strip().split(";")
        kind, _, rest = head.partition(":")
        values: dict = {"kind": kind.strip().lower()}
        if values["kind"] == "serial":
            rest = rest.strip()
            port, _, tail = rest.rpartition(":")
            if tail.isdigit() and port and int(tail) in STANDARD_BAUDS:
                values.update(port=port, baudrate=int(tail))
            elif tail.isdigit() and port and "://" not in port:
                raise ScannerError(f"baud rate {tail} in {spec!r} is not a standard rate")
            else:
                values["port"] = rest
        elif values["kind"] == "camera":
            if rest and not rest.isdigit():
                raise ScannerError(f"camera number must be digits, got {rest!r} in {spec!r}")
            values["camera"] = int(rest or 0)
        elif values["kind"] == "wedge" and rest:
            raise ScannerError(f"'wedge' takes no address, got {spec!r}")
        for setting in settings:
            name, eq, raw = setting.partition("=")
            name = name.strip()
            if not eq or name not in _OPTIONS:
                raise ScannerError(f"unknown scanner setting {setting!r}; "
                                   f"known: {', '.join(_OPTIONS)}")
            value = unquote(raw.strip())
            if name in _INT_OPTIONS:
                if not value.isdigit():
                    raise ScannerError(f"{name} must be a whole number, got {value!r}")
                values[name] = int(value)
            else:
                values[name] = value
        return cls(**values)

    def to_spec(self) -> str:
        """The canonical spec: default settings are left out."""
        if self.kind == "serial":
            head = f"serial:{self.port}:{self.baudrate}"
        elif self.kind == "camera":
            head = f"camera:{self.camera}"
        else:
            head = "wedge"
        relevant = {"serial": ("suffix", "prefix", "encoding"),
                    "wedge": ("suffix", "prefix", "max_gap_ms", "min_length", "layout"),
                    "camera": ("dedupe_ms",)}[self.kind]
        defaults = {f.name: f.default for f in fields(self)}
        parts = [head]
        for name in relevant:
            value = getattr(self, name)
            if value != defaults[name]:
                text = value.name if isinstance(value, Suffix) else str(value)
                parts.append(f"{name}={quote(text, safe='')}")
        return ";".join(parts)

    def build(self) -> Scanner:
        """A scanner object for this configuration, not yet started."""
        if self.kind == "serial":
            from hardware.scanner.serial_scanner import SerialScanner

            return SerialScanner(self.port, self.baudrate, self.suffix, self.prefix,
                                 encoding=self.encoding)
        if self.kind == "wedge":
            from hardware.scanner.wedge import KeyboardWedge

            return KeyboardWedge(self.suffix, self.prefix, max_gap_s=self.max_gap_ms / 1000,
                                 min_length=self.min_length, layout=self.layout)
        from hardware.scanner.camera import CameraScanner

        return CameraScanner(f"camera:{self.camera}", dedupe_s=self.dedupe_ms / 1000)


def parse_scanner_spec(spec: str) -> ScannerConfig:
    """Shorthand for :meth:`ScannerConfig.from_spec`."""
    return ScannerConfig.from_spec(spec)
