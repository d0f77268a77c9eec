"""Incremental ESC/POS decoder: the bytes a printer receives in, printer events out.

This is the emulator's "firmware": it keeps the modes a real thermal printer keeps (code
page slot, bold, alignment, character size, user-defined characters, barcode settings) and
turns the byte stream into events the paper model prints (:mod:`.paper`). It understands
every command python-escpos 3.1 sends: text, ``ESC t``, ``ESC !``/``ESC E``/``ESC a``/
``GS !`` and the other ``set()`` styles, ``ESC @``, LF, ``ESC d``, ``GS V`` cuts,
``ESC p`` drawer kicks, ``GS ( k`` QR codes, ``GS k`` barcodes (function A and B), images in
``GS v 0``, ``GS ( L`` and ``ESC *`` form, and the status queries ``DLE EOT n`` and
``GS r n``; plus ``ESC &``/``ESC %`` user-defined characters, which our driver uses for
characters the code page lacks (₽).

Bytes arrive in TCP-sized pieces, so a command may be split anywhere: :meth:`feed` keeps
an incomplete command buffered until the rest arrives. Garbage never raises: a byte
sequence that is not a command we know becomes an :class:`Unknown` event and decoding
goes on, as a real printer would ignore it.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Union

from PIL import Image

from hardware.printing.glyphs import columns_to_cell, recognize_glyph

NUL, HT, LF, FF, CR, BEL = 0x00, 0x09, 0x0A, 0x0C, 0x0D, 0x07
DLE, EOT, ENQ, DC4, CAN = 0x10, 0x04, 0x05, 0x14, 0x18
ESC, FS, GS = 0x1B, 0x1C, 0x1D

#: ESC t slots of an Epson TM printer that Python has codecs for (Epson's ESC/POS
#: reference; the same table python-escpos ships as its default profile).
EPSON_CODEPAGES: dict[int, str] = {
    0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 13: "cp857", 14: "cp737",
    15: "iso8859_7", 16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858", 21: "cp874",
    32: "cp720", 33: "cp775", 34: "cp855", 35: "cp861", 36: "cp862", 37: "cp864",
    38: "cp869", 39: "iso8859_2", 40: "iso8859_15", 44: "cp1125", 45: "cp1250",
    46: "cp1251", 47: "cp1253", 48: "cp1254", 49: "cp1255", 50: "cp1256", 51: "cp1257",
    52: "cp1258", 53: "kz1048",
}
EPSON_CP866_SLOT = 17


def codepage_slots(cp866_slot: int = EPSON_CP866_SLOT,
                   base: Mapping[int, str] = EPSON_CODEPAGES) -> dict[int, str]:
    """An ESC t slot map with CP866 at ``cp866_slot`` (17 Epson, 59 many clones, 10 Star).

    When CP866 is elsewhere than Epson's 17, slot 17 is left out: such a printer ignores
    ``ESC t 17``, so a driver that assumes Epson prints mojibake, as on the real thing.
    """
    if not 0 <= cp866_slot <= 255:
        raise ValueError(f"code page slot must be 0-255, got {cp866_slot}")
    slots = dict(base)
    if cp866_slot != EPSON_CP866_SLOT:
        slots.pop(EPSON_CP866_SLOT, None)
    slots[cp866_slot] = "cp866"
    for slot, name in slots.items():
        codecs.lookup(name)  # a typo in a custom map fails here, not mid-receipt
    return slots


# --- events ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Style:
    """Character style in effect when text was received."""
    bold: bool = False
    underline: int = 0
    width: int = 1
    height: int = 1
    font: int = 0
    invert: bool = False


@dataclass(frozen=True)
class Text:
    """Printable characters for the current line.

    ``glyphs`` maps positions in ``text`` to downloaded (user-defined) character bitmaps.
    """
    text: str
    style: Style
    align: str
    glyphs: tuple[tuple[int, Image.Image], ...] = ()


@dataclass(frozen=True)
class Tab:
    """Horizontal tab: move to the next tab stop (every 8 columns)."""


@dataclass(frozen=True)
class LineFeed:
    """LF: print the current line (an empty line if nothing is pending)."""
    align: str = "left"


@dataclass(frozen=True)
class Feed:
    """ESC d n: print the pending line and feed; ``lines`` counts the printed line."""
    lines: int
    align: str = "left"


@dataclass(frozen=True)
class FeedDots:
    """ESC J n: feed paper by dots."""
    dots: int


@dataclass(frozen=True)
class Cut:
    mode: str  # "full" | "partial"


@dataclass(frozen=True)
class DrawerKick:
    """ESC p (buffered) or DLE DC4 1 (real time: runs even while printing is stopped)."""
    pin: int
    on_ms: int
    off_ms: int
    realtime: bool = False


@dataclass(frozen=True)
class QRCode:
    payload: str
    module_size: int
    ec: str
    align: str
    raw: bytes = b""


@dataclass(frozen=True)
class Barcode:
    symbology: str
    data: str
    height: int
    module_width: int
    hri: str
    align: str
    raw: bytes = b""


@dataclass(frozen=True)
class RasterImage:
    """A received bit image; ``image`` is mode "1" with black (0) for printed dots."""
    image: Image.Image
    source: str
    align: str
    strip: bool = False  # one band of an ESC * column image, to be stacked with the next


@dataclass(frozen=True)
class Beep:
    times: int = 1


@dataclass(frozen=True)
class Unknown:
    description: str


@dataclass(frozen=True)
class StatusQuery:
    """A query the printer answers at once: ``DLE EOT n``, ``GS r n``, ``ESC v``, ``GS I n``."""
    command: str
    n: int


Event = Union[Text, Tab, LineFeed, Feed, FeedDots, Cut, DrawerKick, QRCode, Barcode,
              RasterImage, Beep, Unknown, StatusQuery]


# --- decoder --------------------------------------------------------------------------

@dataclass
class Modes:
    """Printer modes that ESC @ (and power-on) resets."""
    codepage_slot: int
    style: Style = field(default_factory=Style)
    align: str = "left"
    udc_selected: bool = False
    udc: dict[int, tuple[int, bytes]] = field(default_factory=dict)  # code -> (width, columns)
    barcode_height: int = 162
    barcode_width: int = 3
    barcode_hri: str = "none"
    qr_model: int = 2
    qr_module: int = 3
    qr_ec: str = "L"
    qr_data: bytes = b""
    graphics: Image.Image | None = None


class _Incomplete(Exception):
    """The buffer ends inside a command; wait for more bytes."""


_ALIGN = {0: "left", 48: "left", 1: "center", 49: "center", 2: "right", 50: "right"}
_HRI = {0: "none", 48: "none", 1: "above", 49: "above", 2: "below", 50: "below",
        3: "both", 51: "both"}
_QR_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}
_BARCODE_A = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF",
              6: "CODABAR"}
_BARCODE_B = {65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF",
              71: "CODABAR", 72: "CODE93", 73: "CODE128", 74: "GS1-128",
              75: "GS1 DATABAR OMNIDIRECTIONAL", 76: "GS1 DATABAR TRUNCATED",
              77: "GS1 DATABAR LIMITED", 78: "GS1 DATABAR EXPANDED", 79: "CODE128 AUTO"}

# ESC and GS commands we accept and whose parameters we only need to skip:
# command byte -> number of parameter bytes.
_ESC_SKIP = {
    0x20: 1, 0x24: 2, 0x5C: 2, 0x47: 1, 0x52: 1, 0x56: 1, 0x72: 1, 0x7B: 1, 0x55: 1,
    0x54: 1, 0x57: 8, 0x4C: 0, 0x53: 0, 0x0C: 0, 0x3C: 0, 0x32: 0, 0x33: 1, 0x41: 1,
    0x2B: 1, 0x3D: 1, 0x4B: 1, 0x65: 1, 0x63: 2, 0x66: 2,
}
_GS_SKIP = {
    0x42: 1, 0x62: 1, 0x7C: 1, 0x4C: 2, 0x57: 2, 0x50: 2, 0x61: 1, 0x24: 2, 0x5C: 2,
    0x54: 1, 0x3A: 0, 0x5E: 3, 0x63: 0, 0x2F: 1,
}
_FS_SKIP = {0x2E: 0, 0x26: 0, 0x21: 1, 0x2D: 1, 0x43: 1, 0x57: 1, 0x53: 2, 0x70: 2}

MAX_COMMAND_BYTES = 8 * 1024 * 1024


def _hex(data: bytes, limit: int = 16) -> str:
    shown = " ".join(f"{b:02x}" for b in data[:limit])
    return shown + (" ..." if len(data) > limit else "")


def decode_code128(data: bytes) -> str:
    """The text a CODE128 ``GS k`` payload encodes (``{A``/``{B``/``{C`` code-set syntax)."""
    out: list[str] = []
    code_set = "B"
    i = 0
    while i < len(data):
        b = data[i]
        if b == 0x7B and i + 1 < len(data):  # '{'
            nxt = chr(data[i + 1])
            i += 2
            if nxt in "ABC":
                code_set = nxt
            elif nxt == "{":
                out.append("{")
            elif nxt == "1":
                if out:  # a leading FNC1 marks GS1-128 and carries no data
                    out.append("\x1d")
            continue
        if code_set == "C":
            out.append(f"{b:02d}" if b < 100 else "?")
        else:
            out.append(chr(b) if b < 128 else "?")
        i += 1
    return "".join(out)


class EscPosDecoder:
    """Feed it bytes; it calls ``emit(event)`` for every command it decodes, in order."""

    def __init__(self, emit: Callable[[Event], None], codepages: Mapping[int, str] | None = None,
                 default_slot: int = 0, max_command_bytes: int = MAX_COMMAND_BYTES) -> None:
        self._emit = emit
        self.codepages = dict(codepage_slots() if codepages is None else codepages)
        if default_slot not in self.codepages:
            raise ValueError(f"default code page slot {default_slot} is not in the slot map")
        self.default_slot = default_slot
        self.max_command_bytes = max_command_bytes
        self.modes = Modes(codepage_slot=default_slot)
        self._buf = bytearray()
        self._pos = 0
        self._skip = 0
        self._column_band = False

    # -- public ------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Decode ``data``; a command cut off at the end waits for the next call."""
        if self._skip:
            dropped = min(self._skip, len(data))
            self._skip -= dropped
            data = data[dropped:]
        self._buf += data
        while self._pos < len(self._buf):
            try:
                used = self._step()
            except _Incomplete:
                break
            except Exception as exc:  # a decoder bug must not take the printer down
                self._emit(Unknown(f"decoder error {type(exc).__name__} at "
                                   f"{_hex(bytes(self._buf[self._pos:self._pos + 8]))}"))
                used = 1
            self._pos += used
            if self._skip:
                # A command declared more data than we keep; drop the rest as it arrives.
                over = min(self._skip, len(self._buf) - self._pos)
                self._skip -= over
                self._pos += over
        del self._buf[:self._pos]
        self._pos = 0

    def close(self) -> None:
        """End of stream: report a command that never got all its bytes."""
        if self._buf:
            self._emit(Unknown(f"truncated command {_hex(bytes(self._buf))} "
                               f"({len(self._buf)} bytes) at end of data"))
            self._buf.clear()
            self._pos = 0
        self._skip = 0

    def reset(self) -> None:
        """ESC @: modes back to power-on, code page to the default slot, UDC cleared."""
        self.modes = Modes(codepage_slot=self.default_slot)

    @property
    def codec(self) -> str:
        return self.codepages[self.modes.codepage_slot]

    # -- helpers -----------------------------------------------------------------------

    def _need(self, n: int) -> bytes:
        """The next ``n`` bytes from the current position (the command's own bytes)."""
        end = self._pos + n
        if end > len(self._buf):
            raise _Incomplete
        return bytes(self._buf[self._pos:end])

    def _too_big(self, header_len: int, declared: int, what: str) -> int | None:
        """Handle a command declaring more data than we keep: skip it, say so."""
        if declared <= self.max_command_bytes:
            return None
        self._emit(Unknown(f"{what} declares {declared} bytes of data; ignored"))
        self._skip = declared
        return header_len

    # -- dispatch ----------------------------------------------------------------------

    def _step(self) -> int:
        b = self._buf[self._pos]
        if b >= 0x20:
            return self._text()
        if b == LF:
            self._column_band_end()
            self._emit(LineFeed(self.modes.align))
            return 1
        if b == ESC:
            return self._esc()
        if b == GS:
            return self._gs()
        if b == DLE:
            return self._dle()
        if b == FS:
            return self._fs()
        if b == HT:
            self._emit(Tab())
            return 1
        if b == FF:
            self._emit(LineFeed(self.modes.align))
            return 1
        if b == BEL:
            self._emit(Beep())
            return 1
        if b in (CR, NUL, CAN):
            return 1
        self._emit(Unknown(f"control byte {b:02x}"))
        return 1

    def _column_band_end(self) -> None:
        self._column_band = False

    def _text(self) -> int:
        end = self._pos
        while end < len(self._buf) and self._buf[end] >= 0x20:
            end += 1
        raw = bytes(self._buf[self._pos:end])
        modes = self.modes
        if modes.udc_selected and modes.udc:
            chars: list[str] = []
            glyphs: list[tuple[int, Image.Image]] = []
            for i, byte in enumerate(raw):
                if byte in modes.udc:
                    width, data = modes.udc[byte]
                    glyphs.append((i, columns_to_cell(data, width)))
                    chars.append(recognize_glyph(data, width) or "\ufffd")
                else:
                    chars.append(bytes([byte]).decode(self.codec, errors="replace"))
            text = "".join(chars)
            self._emit(Text(text, modes.style, modes.align, tuple(glyphs)))
        else:
            self._emit(Text(raw.decode(self.codec, errors="replace"), modes.style, modes.align))
        return len(raw)

    # -- ESC ---------------------------------------------------------------------------

    def _esc(self) -> int:
        head = self._need(2)
        cmd = head[1]
        m = self.modes
        if cmd == 0x40:  # ESC @
            self.reset()
            return 2
        if cmd == 0x74:  # ESC t n
            n = self._need(3)[2]
            if n in self.codepages:
                m.codepage_slot = n
            else:
                self._emit(Unknown(f"ESC t {n}: code page slot {n} is not in this printer"))
            return 3
        if cmd == 0x21:  # ESC ! n
            n = self._need(3)[2]
            font = n & 1
            if font != m.style.font:
                m.udc.clear()
            m.style = replace(m.style, font=font, bold=bool(n & 0x08),
                              height=2 if n & 0x10 else 1, width=2 if n & 0x20 else 1,
                              underline=1 if n & 0x80 else 0)
            return 3
        if cmd == 0x45:  # ESC E n
            m.style = replace(m.style, bold=bool(self._need(3)[2] & 1))
            return 3
        if cmd == 0x2D:  # ESC - n
            n = self._need(3)[2]
            m.style = replace(m.style, underline={0: 0, 48: 0, 1: 1, 49: 1, 2: 2, 50: 2}.get(n, 0))
            return 3
        if cmd == 0x4D:  # ESC M n
            font = self._need(3)[2] & 1
            if font != m.style.font:
                m.udc.clear()
            m.style = replace(m.style, font=font)
            return 3
        if cmd == 0x61:  # ESC a n
            n = self._need(3)[2]
            if n in _ALIGN:
                m.align = _ALIGN[n]
            else:
                self._emit(Unknown(f"ESC a {n}: no such justification"))
            return 3
        if cmd == 0x64:  # ESC d n
            self._column_band_end()
            self._emit(Feed(self._need(3)[2], m.align))
            return 3
        if cmd == 0x4A:  # ESC J n
            self._emit(FeedDots(self._need(3)[2]))
            return 3
        if cmd == 0x70:  # ESC p m t1 t2
            _, _, pin, t1, t2 = self._need(5)
            if pin in (0, 48, 1, 49):
                self._emit(DrawerKick(2 if pin in (0, 48) else 5, t1 * 2, t2 * 2))
            else:
                self._emit(Unknown(f"ESC p {pin}: no such drawer pin"))
            return 5
        if cmd in (0x69, 0x6D):  # ESC i / ESC m: cut leaving one or three points
            self._emit(Cut("partial"))
            return 2
        if cmd == 0x25:  # ESC % n: user-defined character set on/off
            m.udc_selected = bool(self._need(3)[2] & 1)
            return 3
        if cmd == 0x3F:  # ESC ? n: cancel one user-defined character
            m.udc.pop(self._need(3)[2], None)
            return 3
        if cmd == 0x26:  # ESC & y c1 c2 [x d1..d(y*x)]...
            return self._esc_define_udc()
        if cmd == 0x2A:  # ESC * m nL nH d1..dk
            return self._esc_column_image()
        if cmd == 0x44:  # ESC D n1..nk NUL: tab positions
            for i in range(2, 2 + 33):
                if self._need(i + 1)[i] == 0:
                    return i + 1
            self._emit(Unknown("ESC D: tab list without NUL terminator"))
            return 2
        if cmd == 0x42:  # ESC B n t: buzzer
            self._emit(Beep(self._need(4)[2]))
            return 4
        if cmd == 0x76:  # ESC v: paper sensor status (legacy)
            self._emit(StatusQuery("ESC v", 0))
            return 2
        if cmd == 0x75:  # ESC u n: peripheral (drawer) status (legacy)
            self._emit(StatusQuery("ESC u", self._need(3)[2]))
            return 3
        if cmd == 0x28:  # ESC ( X pL pH ...
            return self._generic_paren("ESC (")
        if cmd in _ESC_SKIP:
            self._need(2 + _ESC_SKIP[cmd])
            return 2 + _ESC_SKIP[cmd]
        self._emit(Unknown(f"ESC {cmd:02x}"))
        return 2

    def _esc_define_udc(self) -> int:
        _, _, y, c1, c2 = self._need(5)
        if not (1 <= y <= 3 and 32 <= c1 <= c2 <= 126):
            self._emit(Unknown(f"ESC & y={y} c1={c1} c2={c2}: invalid user-defined characters"))
            return 5
        used = 5
        for code in range(c1, c2 + 1):
            width = self._need(used + 1)[used]
            data = self._need(used + 1 + y * width)[used + 1:]
            used += 1 + y * width
            if width:
                # Pad shorter glyphs (y < 3) to three bytes per column to fill the cell.
                columns = [data[i * y:(i + 1) * y] + bytes(3 - y) for i in range(width)]
                self.modes.udc[code] = (width, b"".join(columns))
            else:
                self.modes.udc.pop(code, None)
        return used

    def _esc_column_image(self) -> int:
        _, _, mode, nl, nh = self._need(5)
        columns = nl + nh * 256
        if mode in (0, 1):
            band = 8
        elif mode in (32, 33):
            band = 24
        else:
            self._emit(Unknown(f"ESC * {mode}: no such bit image mode"))
            return 5
        size = columns * band // 8
        data = self._need(5 + size)[5:]
        if columns:
            # Each column is band/8 bytes top to bottom: a row-major image of the transpose.
            rows = Image.frombytes("1", (band, columns), data)
            img = rows.transpose(Image.Transpose.TRANSPOSE)
            img = img.point(lambda v: 255 - v, mode="1")  # PIL "1": 1 is white
            self._emit(RasterImage(img, "ESC *", self.modes.align, strip=True))
        return 5 + size

    # -- GS ----------------------------------------------------------------------------

    def _gs(self) -> int:
        head = self._need(2)
        cmd = head[1]
        m = self.modes
        if cmd == 0x21:  # GS ! n
            n = self._need(3)[2]
            m.style = replace(m.style, width=(n >> 4 & 7) + 1, height=(n & 7) + 1)
            return 3
        if cmd == 0x56:  # GS V m [n]
            mode = self._need(3)[2]
            if mode in (0, 48):
                self._emit(Cut("full"))
                return 3
            if mode in (1, 49):
                self._emit(Cut("partial"))
                return 3
            if mode in (65, 66, 97, 98, 103, 104):
                feed = self._need(4)[3]
                if feed:
                    self._emit(FeedDots(feed))
                self._emit(Cut("full" if mode in (65, 97, 103) else "partial"))
                return 4
            self._emit(Unknown(f"GS V {mode}: no such cut mode"))
            return 3
        if cmd == 0x6B:  # GS k
            return self._gs_barcode()
        if cmd == 0x28:  # GS ( X pL pH ...
            fn = self._need(3)[2]
            if fn == 0x6B:
                return self._gs_paren_k()
            if fn == 0x4C:
                return self._gs_graphics(long_form=False)
            return self._generic_paren("GS (")
        if cmd == 0x38:  # GS 8 L p1 p2 p3 p4 ...
            if self._need(3)[2] == 0x4C:
                return self._gs_graphics(long_form=True)
            self._emit(Unknown("GS 8 with unknown function"))
            return 3
        if cmd == 0x76:  # GS v 0 m xL xH yL yH d1..dk
            return self._gs_raster()
        if cmd == 0x72:  # GS r n
            self._emit(StatusQuery("GS r", self._need(3)[2]))
            return 3
        if cmd == 0x49:  # GS I n
            self._emit(StatusQuery("GS I", self._need(3)[2]))
            return 3
        if cmd == 0x48:  # GS H n
            m.barcode_hri = _HRI.get(self._need(3)[2], "none")
            return 3
        if cmd == 0x68:  # GS h n
            m.barcode_height = max(1, self._need(3)[2])
            return 3
        if cmd == 0x77:  # GS w n: module width 1-6 dots, other values are ignored
            n = self._need(3)[2]
            if 1 <= n <= 6:
                m.barcode_width = n
            return 3
        if cmd == 0x66:  # GS f n
            self._need(3)
            return 3
        if cmd == 0x2A:  # GS * x y d1..d(x*y*8): define downloaded bit image
            _, _, x, y = self._need(4)
            size = x * y * 8
            self._need(4 + size)
            return 4 + size
        if cmd in _GS_SKIP:
            self._need(2 + _GS_SKIP[cmd])
            return 2 + _GS_SKIP[cmd]
        self._emit(Unknown(f"GS {cmd:02x}"))
        return 2

    def _gs_barcode(self) -> int:
        kind = self._need(3)[2]
        m = self.modes
        if kind in _BARCODE_A:
            # Function A: data terminated by NUL.
            limit = min(len(self._buf), self._pos + 3 + 256)
            end = self._buf.find(b"\x00", self._pos + 3, limit)
            if end < 0:
                if limit - self._pos < 3 + 256:
                    raise _Incomplete
                self._emit(Unknown(f"GS k {kind}: barcode data without NUL terminator"))
                return 3
            raw = bytes(self._buf[self._pos + 3:end])
            used = end + 1 - self._pos
            name = _BARCODE_A[kind]
        elif kind in _BARCODE_B:
            n = self._need(4)[3]
            raw = self._need(4 + n)[4:]
            used = 4 + n
            name = _BARCODE_B[kind]
        else:
            self._emit(Unknown(f"GS k {kind}: no such barcode system"))
            return 3
        if name.startswith("CODE128") or name == "GS1-128":
            data = decode_code128(raw)
        else:
            data = raw.decode("ascii", errors="replace")
        self._emit(Barcode(name, data, m.barcode_height, m.barcode_width, m.barcode_hri,
                           m.align, raw))
        return used

    def _paren_length(self, header: int, length_bytes: int, what: str) -> tuple[int, int | None]:
        """(declared length, early return) for GS ( / GS 8 style commands."""
        raw = self._need(header + length_bytes)[header:]
        declared = int.from_bytes(raw, "little")
        return declared, self._too_big(header + length_bytes, declared, what)

    def _generic_paren(self, prefix: str) -> int:
        head = self._need(5)
        declared, early = self._paren_length(3, 2, f"{prefix} {head[2]:02x}")
        if early is not None:
            return early
        self._need(5 + declared)
        self._emit(Unknown(f"{prefix} {chr(head[2]) if 32 <= head[2] < 127 else hex(head[2])} "
                           f"({declared} bytes)"))
        return 5 + declared

    def _gs_paren_k(self) -> int:
        declared, early = self._paren_length(3, 2, "GS ( k")
        if early is not None:
            return early
        body = self._need(5 + declared)[5:]
        used = 5 + declared
        if len(body) < 2:
            self._emit(Unknown("GS ( k without function"))
            return used
        cn, fn, params = body[0], body[1], body[2:]
        if cn != 0x31:
            symbol = {0x30: "PDF417", 0x32: "MaxiCode", 0x33: "GS1 DataBar",
                      0x34: "Aztec", 0x41: "DataMatrix"}.get(cn, f"2D symbol {cn:02x}")
            if fn == 0x51:
                self._emit(Unknown(f"{symbol} print (not emulated)"))
            return used
        m = self.modes
        if fn == 0x41 and params:  # model
            m.qr_model = params[0] - 48
        elif fn == 0x43 and params:  # module size 1-16 dots, other values are ignored
            if 1 <= params[0] <= 16:
                m.qr_module = params[0]
        elif fn == 0x45 and params:  # error correction
            m.qr_ec = _QR_EC.get(params[0], "L")
        elif fn == 0x50:  # store data: m=48, then data
            m.qr_data = params[1:]
        elif fn == 0x51:  # print stored data
            if m.qr_data:
                self._emit(QRCode(m.qr_data.decode("utf-8", errors="replace"), m.qr_module,
                                  m.qr_ec, m.align, m.qr_data))
            else:
                self._emit(Unknown("QR print with no stored data"))
        elif fn == 0x52:  # transmit size information: not answered by this emulator
            self._emit(Unknown("QR size information request"))
        else:
            self._emit(Unknown(f"GS ( k QR function {fn:02x}"))
        return used

    def _gs_graphics(self, long_form: bool) -> int:
        header, length_bytes = (3, 4) if long_form else (3, 2)
        what = "GS 8 L" if long_form else "GS ( L"
        declared, early = self._paren_length(header, length_bytes, what)
        if early is not None:
            return early
        start = header + length_bytes
        body = self._need(start + declared)[start:]
        used = start + declared
        if len(body) < 2:
            self._emit(Unknown(f"{what} without function"))
            return used
        fn = body[1]
        m = self.modes
        if fn == 0x70 and len(body) >= 10:  # store raster graphics: a bx by c xL xH yL yH d..
            bx, by = body[3], body[4]
            width = body[6] + body[7] * 256
            height = body[8] + body[9] * 256
            data = body[10:]
            row = (width + 7) // 8
            if width and height and len(data) >= row * height:
                img = Image.frombytes("1", (row * 8, height), bytes(data[:row * height]))
                img = img.point(lambda v: 255 - v, mode="1").crop((0, 0, width, height))
                if bx == 2 or by == 2:
                    img = img.resize((width * (2 if bx == 2 else 1), height * (2 if by == 2 else 1)))
                m.graphics = img
            else:
                self._emit(Unknown(f"{what} graphics data too short"))
        elif fn in (0x32, 0x02):  # print stored graphics
            if m.graphics is not None:
                self._emit(RasterImage(m.graphics, what, m.align))
                m.graphics = None
            else:
                self._emit(Unknown(f"{what} print with no stored graphics"))
        else:
            self._emit(Unknown(f"{what} function {fn:02x}"))
        return used

    def _gs_raster(self) -> int:
        head = self._need(8)
        if head[2] != 0x30:
            self._emit(Unknown(f"GS v {head[2]:02x}"))
            return 3
        mode = head[3]
        width_bytes = head[4] + head[5] * 256
        height = head[6] + head[7] * 256
        size = width_bytes * height
        early = self._too_big(8, size, "GS v 0 image")
        if early is not None:
            return early
        data = self._need(8 + size)[8:]
        if size:
            img = Image.frombytes("1", (width_bytes * 8, height), data)
            img = img.point(lambda v: 255 - v, mode="1")
            if mode & 1 or mode & 2:
                img = img.resize((img.width * (2 if mode & 1 else 1), img.height * (2 if mode & 2 else 1)))
            self._emit(RasterImage(img, "GS v 0", self.modes.align))
        return 8 + size

    # -- DLE and FS --------------------------------------------------------------------

    def _dle(self) -> int:
        head = self._need(2)
        cmd = head[1]
        if cmd == EOT:
            n = self._need(3)[2]
            if 1 <= n <= 4:
                self._emit(StatusQuery("DLE EOT", n))
                return 3
            if n in (7, 8):
                self._need(4)
                self._emit(Unknown(f"DLE EOT {n} (extended status not emulated)"))
                return 4
            self._emit(Unknown(f"DLE EOT {n}"))
            return 3
        if cmd == ENQ:
            self._need(3)
            return 3
        if cmd == DC4:
            fn = self._need(3)[2]
            if fn == 1:  # DLE DC4 1 m t: real-time drawer pulse, t x 100 ms
                _, _, _, pin, t = self._need(5)
                self._emit(DrawerKick(2 if pin in (0, 48) else 5, t * 100, t * 100, realtime=True))
                return 5
            extra = {2: 2, 7: 1, 8: 7}.get(fn)
            if extra is None:
                self._emit(Unknown(f"DLE DC4 {fn}"))
                return 3
            self._need(3 + extra)
            return 3 + extra
        self._emit(Unknown(f"control byte {DLE:02x}"))
        return 1

    def _fs(self) -> int:
        cmd = self._need(2)[1]
        if cmd == 0x28:
            return self._generic_paren("FS (")
        if cmd in _FS_SKIP:
            self._need(2 + _FS_SKIP[cmd])
            return 2 + _FS_SKIP[cmd]
        self._emit(Unknown(f"FS {cmd:02x}"))
        return 2
