"""How one scan is cut out of a scanner's byte or key stream, shared by every transport.

A scanner sends ``[prefix][AIM id]data[suffix]``: the suffix (CR, CRLF, LF or Tab, set in
the scanner's configuration) ends a code; an optional fixed prefix is a technician's
choice; the AIM identifier tells the symbology. We strip all three and keep the
symbology. Inside the data, GS (0x1D) separates GS1 fields and must survive; other
control bytes are line noise and are dropped, and bytes that are not text become U+FFFD,
so garbage turns into a scan that classifies as unrecognised instead of a crash.
"""
from __future__ import annotations

import enum
import functools
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional

from hardware.scanner.symbology import Symbology, split_aim

GS = "\x1d"
# GS separates GS1 fields; RS and EOT frame ISO/IEC 15434 envelopes ("[)>" RS "06" ...).
_KEPT_CONTROLS = {GS, "\x1e", "\x04"}
MAX_FRAME = 4096


class ScannerError(ValueError):
    """A scanner setting or spec that cannot work; the message says what to change."""


class Suffix(enum.Enum):
    """The terminator a scanner appends to every code."""

    CR = "\r"
    CRLF = "\r\n"
    LF = "\n"
    TAB = "\t"

    @property
    def bytes(self) -> bytes:
        return self.value.encode("ascii")

    @classmethod
    def parse(cls, text: "str | Suffix") -> "Suffix":
        """``"CR"``, ``"crlf"``, ``"Tab"``, ``"LF"`` (or a Suffix) -> Suffix."""
        if isinstance(text, Suffix):
            return text
        try:
            return cls[str(text).strip().upper()]
        except KeyError:
            raise ScannerError(
                f"unknown scanner suffix {text!r}; use one of {', '.join(cls.__members__)}"
            ) from None


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class ScanEvent:
    """One code read by a scanner.

    ``data`` is the payload with prefix, AIM id and suffix removed (GS kept);
    ``symbology`` is known when the scanner sent an AIM id or the decoder reported it;
    ``source`` names the device (``"serial:/dev/ttyUSB0"``, ``"wedge"``, ``"camera:0"``);
    ``at`` is when it was read (UTC).
    """

    data: str
    symbology: Optional[Symbology]
    source: str
    at: datetime = field(default_factory=_now)

    @property
    def aim(self) -> Optional[str]:
        """The AIM identifier (``"]Q1"``), or None when the symbology is unknown."""
        return self.symbology.aim if self.symbology else None

    @functools.cached_property
    def result(self):
        """What the code means (GTIN, loyalty card, GS1, signed QR ...): a ScanResult.

        Classified once, on first use, with the default in-store scheme and URL prefixes;
        call :meth:`classify` to pass the store's own.
        """
        return self.classify()

    def classify(self, **options):
        """Classify with :func:`retail.codes.scan.classify` (``scheme=``,
        ``product_url_prefixes=``, ``today=``). Never raises: garbage is ``Unrecognised``.

        Imported here, lazily, so the transports work without the retail package loaded.
        """
        from retail.codes.scan import classify

        return classify(self.data, symbology=self.aim, **options)


def clean(text: str) -> str:
    """Drop control characters except the GS1/ISO 15434 separators."""
    return "".join(ch for ch in text if ch >= " " and ch != "\x7f" or ch in _KEPT_CONTROLS)


@dataclass(frozen=True)
class Framing:
    """A scanner's framing settings: suffix, optional fixed prefix, text encoding."""

    suffix: Suffix = Suffix.CR
    prefix: str = ""
    encoding: str = "utf-8"

    def __post_init__(self):
        object.__setattr__(self, "suffix", Suffix.parse(self.suffix))
        if not isinstance(self.prefix, str) or len(self.prefix) > 16:
            raise ScannerError(f"scanner prefix must be text of at most 16 characters, "
                               f"got {self.prefix!r}")
        try:
            "".encode(self.encoding)
        except LookupError:
            raise ScannerError(f"unknown text encoding {self.encoding!r}") from None

    def event(self, text: str, source: str, at: Optional[datetime] = None,
              symbology: Optional[Symbology] = None) -> Optional[ScanEvent]:
        """One frame's text (suffix already cut) -> ScanEvent, or None if it is empty."""
        text = clean(text)
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix):]
        found, text = split_aim(text)
        if not text and found is None:
            return None
        return ScanEvent(text, found or symbology, source, at or _now())

    def decode(self, frame: bytes) -> str:
        """Bytes of one frame as text; undecodable bytes become U+FFFD rather than an error."""
        return frame.decode(self.encoding, errors="replace")


class FrameAssembler:
    """Accumulates bytes as they trickle in and yields complete scans.

    Reads may split a code anywhere (even inside a UTF-8 character or the CRLF); frames
    are cut on the suffix bytes only. A partial frame that never gets its suffix is handed
    out by :meth:`flush` (the serial reader calls it after the line has been idle), and an
    endless run without a suffix is cut at :data:`MAX_FRAME` bytes, so memory stays bounded.
    """

    def __init__(self, framing: Framing, source: str, max_frame: int = MAX_FRAME):
        self.framing = framing
        self.source = source
        self.max_frame = max_frame
        self._buf = bytearray()
        self.last_data_at: Optional[float] = None

    @property
    def pending(self) -> bool:
        """True while part of a code is waiting for its suffix."""
        return bool(self._buf)

    def feed(self, data: bytes) -> list[ScanEvent]:
        self._buf += data
        if data:
            self.last_data_at = time.monotonic()
        events = []
        sep = self.framing.suffix.bytes
        while True:
            cut = self._buf.find(sep)
            if cut < 0:
                break
            frame = bytes(self._buf[:cut])
            del self._buf[:cut + len(sep)]
            events.extend(self._emit(frame))
        while len(self._buf) > self.max_frame:
            frame = bytes(self._buf[:self.max_frame])
            del self._buf[:self.max_frame]
            events.extend(self._emit(frame))
        return events

    def flush(self) -> list[ScanEvent]:
        """Hand out whatever is buffered as one frame (after the line went idle)."""
        frame, self._buf = bytes(self._buf), bytearray()
        return self._emit(frame)

    def _emit(self, frame: bytes) -> list[ScanEvent]:
        event = self.framing.event(self.framing.decode(frame), self.source)
        return [event] if event is not None else []
