"""The emulator's paper: decoded events become a job's text, records and a picture.

:class:`PaperBuilder` takes the events of :mod:`.escpos_decoder` for one job and produces a
:class:`Job`: the text as printed (with markers such as ``[QR: ...]`` and ``[CUT full]`` for
what is not text), what was printed as data (QR payloads, barcodes, cuts, drawer kicks,
images) and a PNG-able picture of the paper. The picture draws QR codes with ``qrcode`` and
barcodes with python-barcode, like a printer would from the same data, so an independent
decoder (zxing-cpp) can read them back from the PNG.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import barcode as pybarcode
import qrcode
from PIL import Image, ImageDraw, ImageOps

from hardware.printing.glyphs import render_cell

from .escpos_decoder import (Barcode, Beep, Cut, DrawerKick, Event, Feed, FeedDots, LineFeed,
                             QRCode, RasterImage, Style, Tab, Text, Unknown)

CELL_W, CELL_H = 12, 24       # font A
LINE_SPACING = 30             # ESC 2 default line spacing, in dots
MARGIN = 24                   # white border around the picture of the paper

_PYBARCODE = {"EAN13": "ean13", "EAN8": "ean8", "UPC-A": "upca", "CODE39": "code39",
              "CODE128": "code128", "CODE128 AUTO": "code128", "GS1-128": "code128",
              "ITF": "itf", "CODABAR": "codabar"}
_QR_EC = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
          "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}
_GTIN_LENGTH = {"EAN13": 13, "EAN8": 8, "UPC-A": 12}


def gtin_check_digit(body: str) -> int:
    """GS1 mod-10 check digit, as the printer firmware computes it for EAN/UPC."""
    total = sum(int(ch) * (3 if i % 2 == 0 else 1) for i, ch in enumerate(reversed(body)))
    return (10 - total % 10) % 10


@dataclass
class PrintedLine:
    """One printed text line: its text, justification and styled runs."""
    text: str
    align: str
    runs: list[tuple[str, Style]]
    glyphs: dict[int, Image.Image] = field(default_factory=dict)

    @property
    def bold(self) -> bool:
        """True when every non-blank character is bold."""
        inked = [style.bold for text, style in self.runs if text.strip()]
        return bool(inked) and all(inked)

    @property
    def size(self) -> tuple[int, int]:
        """Largest (width, height) multiplier used on the line."""
        if not self.runs:
            return (1, 1)
        return (max(s.width for _, s in self.runs), max(s.height for _, s in self.runs))


@dataclass
class BarcodeRecord:
    symbology: str
    data: str
    hri: str
    check_ok: bool | None = None  # None: the symbology has no check digit we verify


@dataclass
class DrawerRecord:
    pin: int
    on_ms: int
    off_ms: int


@dataclass
class Job:
    """One printed job: from the first printed byte to a cut or to the connection closing."""
    number: int
    text: str = ""
    lines: list[PrintedLine] = field(default_factory=list)
    qr_payloads: list[str] = field(default_factory=list)
    barcodes: list[BarcodeRecord] = field(default_factory=list)
    cuts: list[str] = field(default_factory=list)
    drawer_kicks: list[DrawerRecord] = field(default_factory=list)
    images: list[Image.Image] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    beeps: int = 0
    lost: bool = False          # sent while paper was out or the cover open: not printed
    lost_reason: str = ""
    image: Image.Image | None = None

    @property
    def text_lines(self) -> list[str]:
        """Only the printed text lines, without markers."""
        return [line.text for line in self.lines]


class PaperBuilder:
    """Collects one job's events; :meth:`finish` returns the :class:`Job`."""

    def __init__(self, width_dots: int = 576) -> None:
        self.width_dots = width_dots
        self._text_out: list[str] = []
        self._items: list[tuple] = []
        self._runs: list[tuple[str, Style]] = []
        self._glyphs: dict[int, Image.Image] = {}
        self._line_align: str | None = None
        self._line_dots = 0
        self._strip: Image.Image | None = None
        self._strip_align = "left"
        self._strip_wants_lf = False
        self.job = Job(number=0)
        self.has_content = False

    # -- events ------------------------------------------------------------------------

    def add(self, event: Event) -> None:
        """Apply one decoder event (status queries are the caller's business)."""
        if isinstance(event, LineFeed) and self._strip is not None and self._strip_wants_lf \
                and not self._runs:
            self._strip_wants_lf = False  # the LF that ends an ESC * band
            return
        if not (isinstance(event, RasterImage) and event.strip):
            self._flush_strip()
        if isinstance(event, Text):
            self._text(event)
        elif isinstance(event, Tab):
            col = len(self._pending_text())
            self._text(Text(" " * (8 - col % 8), self._runs[-1][1] if self._runs else Style(),
                            self._line_align or "left"))
        elif isinstance(event, LineFeed):
            self._end_line(event.align, force=True)
        elif isinstance(event, Feed):
            printed = self._end_line(event.align, force=False)
            blank = event.lines - (1 if printed else 0)
            if blank > 0:
                self._items.append(("space", blank * LINE_SPACING))
                self.has_content = True
        elif isinstance(event, FeedDots):
            self._end_line("left", force=False)
            self._items.append(("space", event.dots))
        elif isinstance(event, (QRCode, Barcode, RasterImage, Cut)):
            self._end_line("left", force=False)  # these print below any pending text
            self._object(event)
        else:
            self._object(event)  # drawer, beep, unknown: no effect on the line buffer

    def _pending_text(self) -> str:
        return "".join(text for text, _ in self._runs)

    def _text(self, event: Text) -> None:
        """Add characters to the line; like the printer, wrap when the head is full."""
        glyphs = dict(event.glyphs)
        cell = CELL_W * event.style.width
        start = 0
        for index in range(len(event.text) + 1):
            full = self._line_dots + cell > self.width_dots
            if index == len(event.text) or full:
                self._add_run(event, start, index, glyphs)
                start = index
                if index == len(event.text):
                    break
                self._end_line(event.align, force=True)
            self._line_dots += cell

    def _add_run(self, event: Text, start: int, end: int, glyphs: dict) -> None:
        if start == end:
            return
        if self._line_align is None:
            self._line_align = event.align
        offset = len(self._pending_text())
        for index in range(start, end):
            if index in glyphs:
                self._glyphs[offset + index - start] = glyphs[index]
        self._runs.append((event.text[start:end], event.style))
        self.has_content = True

    def _end_line(self, align: str, force: bool) -> bool:
        """Print the pending line; with ``force`` an empty line too. True if one printed."""
        if not self._runs and not force:
            return False
        line = PrintedLine(self._pending_text(), self._line_align or align, self._runs,
                           self._glyphs)
        self.job.lines.append(line)
        self._text_out.append(line.text)
        self._items.append(("line", line))
        self._runs, self._glyphs, self._line_align = [], {}, None
        self._line_dots = 0
        self.has_content = True
        return True

    def _marker(self, text: str) -> None:
        self._text_out.append(f"[{text}]")
        self.has_content = True

    def _object(self, event: Event) -> None:
        job = self.job
        if isinstance(event, QRCode):
            job.qr_payloads.append(event.payload)
            self._items.append(("qr", event))
            self._marker(f"QR: {event.payload}")
        elif isinstance(event, Barcode):
            record = BarcodeRecord(event.symbology, event.data, event.hri,
                                   self._check(event.symbology, event.data))
            job.barcodes.append(record)
            self._items.append(("barcode", event))
            note = "" if record.check_ok is not False else " (wrong check digit)"
            self._marker(f"BARCODE {event.symbology}: {event.data}{note}")
        elif isinstance(event, RasterImage):
            if event.strip:
                self._add_strip(event)
                return
            job.images.append(event.image)
            self._items.append(("image", event.image, event.align))
            self._marker(f"IMAGE {event.image.width}x{event.image.height}")
        elif isinstance(event, Cut):
            job.cuts.append(event.mode)
            self._items.append(("cut", event.mode))
            self._marker(f"CUT {event.mode}")
        elif isinstance(event, DrawerKick):
            job.drawer_kicks.append(DrawerRecord(event.pin, event.on_ms, event.off_ms))
            self._marker(f"DRAWER pin{event.pin} on={event.on_ms}ms off={event.off_ms}ms")
        elif isinstance(event, Beep):
            job.beeps += event.times
            self._marker("BEEP")
        elif isinstance(event, Unknown):
            job.unknown.append(event.description)
            self._marker(f"UNKNOWN {event.description}")

    @staticmethod
    def _check(symbology: str, data: str) -> bool | None:
        length = _GTIN_LENGTH.get(symbology)
        if length is None or len(data) != length or not data.isascii() or not data.isdigit():
            return None
        return gtin_check_digit(data[:-1]) == int(data[-1])

    def _add_strip(self, event: RasterImage) -> None:
        if self._strip is None:
            self._strip, self._strip_align = event.image, event.align
        else:
            width = max(self._strip.width, event.image.width)
            stacked = Image.new("1", (width, self._strip.height + event.image.height), 1)
            stacked.paste(self._strip, (0, 0))
            stacked.paste(event.image, (0, self._strip.height))
            self._strip = stacked
        self._strip_wants_lf = True
        self.has_content = True

    def _flush_strip(self) -> None:
        if self._strip is None:
            return
        strip, self._strip = self._strip, None
        self._strip_wants_lf = False
        self._object(RasterImage(strip, "ESC *", self._strip_align))

    # -- finishing ---------------------------------------------------------------------

    def finish(self, number: int) -> Job:
        """Close the job: print a pending line, build text and the picture of the paper."""
        self._flush_strip()
        self._end_line("left", force=False)
        job = self.job
        job.number = number
        job.text = "\n".join(self._text_out) + ("\n" if self._text_out else "")
        job.image = render_paper(self._items, self.width_dots, job.unknown)
        return job


# --- drawing --------------------------------------------------------------------------

def _line_image(line: PrintedLine) -> Image.Image:
    _, height_mul = line.size
    height = max(LINE_SPACING, CELL_H * height_mul + (LINE_SPACING - CELL_H))
    cells: list[Image.Image] = []
    position = 0
    for text, style in line.runs:
        for char in text:
            bitmap = line.glyphs.get(position)
            cell = bitmap if bitmap is not None else render_cell(char, CELL_W, CELL_H, style.bold)
            cell = cell.convert("L")
            if style.width > 1 or style.height > 1:
                cell = cell.resize((CELL_W * style.width, CELL_H * style.height))
            if style.underline:
                cell = cell.copy()
                ImageDraw.Draw(cell).line((0, cell.height - 1, cell.width, cell.height - 1),
                                          fill=0, width=style.underline)
            if style.invert:
                cell = ImageOps.invert(cell)
            cells.append(cell)
            position += 1
    width = sum(c.width for c in cells)
    img = Image.new("L", (max(width, 1), height), 255)
    x = 0
    for cell in cells:
        img.paste(cell, (x, height - (LINE_SPACING - CELL_H) - cell.height))
        x += cell.width
    return img


def _qr_image(event: QRCode) -> Image.Image:
    code = qrcode.QRCode(error_correction=_QR_EC.get(event.ec, qrcode.constants.ERROR_CORRECT_L),
                         box_size=max(1, event.module_size), border=4)
    code.add_data(event.payload.encode("utf-8"))
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


def _barcode_image(event: Barcode) -> Image.Image:
    """Bars from python-barcode's module pattern, drawn at whole dots like a print head."""
    name = _PYBARCODE.get(event.symbology)
    if name is None:
        raise ValueError(f"{event.symbology} is not drawn by this emulator")
    cls = pybarcode.get_barcode_class(name)
    data = event.data.lstrip("\x1d")
    code = cls(data, add_checksum=False) if name == "code39" else cls(data)
    modules = "".join(code.build())
    module = max(1, event.module_width)
    quiet = 10 * module
    bars = max(1, event.height)
    label = code.get_fullcode() if event.hri != "none" else ""
    label_h = CELL_H + 6 if label else 0
    bars_top = label_h if event.hri == "above" else 0
    img = Image.new("L", (len(modules) * module + 2 * quiet, bars + label_h), 255)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(modules):
        if bit == "1":
            x = quiet + i * module
            draw.rectangle((x, bars_top, x + module - 1, bars_top + bars - 1), fill=0)
    if label:
        y = 3 if event.hri == "above" else bars + 3
        x = (img.width - len(label) * CELL_W) // 2
        for char in label:
            img.paste(render_cell(char, CELL_W, CELL_H).convert("L"), (max(0, x), y))
            x += CELL_W
    return img


def _placeholder(label: str, width: int) -> Image.Image:
    img = Image.new("L", (width, 40), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width - 1, 39), outline=0)
    draw.text((6, 12), label[:80], fill=0)
    return img


def _cut_image(mode: str, width: int) -> Image.Image:
    img = Image.new("L", (width, 16), 255)
    draw = ImageDraw.Draw(img)
    for x in range(0, width, 12):
        if mode == "partial" and width // 2 - 12 <= x <= width // 2 + 12:
            continue
        draw.line((x, 8, x + 6, 8), fill=0, width=2)
    return img


def render_paper(items: list[tuple], width_dots: int, problems: list[str] | None = None
                 ) -> Image.Image:
    """Draw the job's items top to bottom on a strip of paper ``width_dots`` wide."""
    pieces: list[tuple[Image.Image, str]] = []
    for item in items:
        kind = item[0]
        try:
            if kind == "line":
                pieces.append((_line_image(item[1]), item[1].align))
            elif kind == "space":
                pieces.append((Image.new("L", (1, max(1, item[1])), 255), "left"))
            elif kind == "qr":
                pieces.append((_qr_image(item[1]), item[1].align))
            elif kind == "barcode":
                img = _barcode_image(item[1])
                if img.width > width_dots:
                    raise ValueError(f"{item[1].symbology} {item[1].data} is wider than the paper")
                pieces.append((img, item[1].align))
            elif kind == "image":
                pieces.append((item[1].convert("L"), item[2]))
            elif kind == "cut":
                pieces.append((_cut_image(item[1], width_dots), "left"))
        except Exception as exc:  # undrawable data shows as a labelled box, never a crash
            if problems is not None:
                problems.append(f"could not draw {kind}: {exc}")
            pieces.append((_placeholder(f"{kind}: {exc}", width_dots), "left"))
    height = sum(img.height for img, _ in pieces)
    paper = Image.new("L", (width_dots + 2 * MARGIN, height + 2 * MARGIN), 255)
    y = MARGIN
    for img, align in pieces:
        if img.width > width_dots:
            img = img.crop((0, 0, width_dots, img.height))  # the head is only so wide
        if align == "center":
            x = (width_dots - img.width) // 2
        elif align == "right":
            x = width_dots - img.width
        else:
            x = 0
        paper.paste(img, (MARGIN + x, y))
        y += img.height
    return paper
