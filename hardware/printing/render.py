"""Document -> ESC/POS through python-escpos, with its traps worked around.

* Code pages: python-escpos' magic encoder picks slots from its Epson profile, so on a
  clone that keeps CP866 in slot 59 it selects the wrong table and Russian prints as
  mojibake. We send ``ESC t <configured slot>`` ourselves and encode text with Python's
  ``cp866`` codec, and we send the slot again after every ``ESC @``, which resets the code
  page to the printer's default. Both happen in :meth:`_Renderer.initialize`, the only
  place that sends ``ESC @``.
* Characters CP866 lacks (₽, «», —, €) are drawn with our font and downloaded as
  user-defined characters (``ESC &``), then printed with ``ESC % 1`` around them, so
  "1 234,50 ₽" prints as it reads. ``ESC @`` clears them too, so they are redefined with
  the code page.
* Raster mode (``codepage_mode='raster'``) draws text lines with Pillow and prints them as
  ``GS v 0`` images, for printers that have no Cyrillic code page at all.
* Barcodes are checked (GTIN check digits, width on the paper) before anything is sent.
"""
from __future__ import annotations

import qrcode
from escpos.escpos import Escpos
from PIL import Image as PILImage

from . import document as doc
from .barcodes import barcode_width_dots, escpos_arguments
from .config import PrinterConfig
from .errors import DocumentError
from .glyphs import FONT_A_CELL, glyph_columns, render_cell
from .layout import PrintLine, layout_block

ESC, GS = b"\x1b", b"\x1d"
LINE_PITCH = 30                    # dots per text line (ESC 2 default)
FIRST_UDC_CODE = 0x21              # user-defined characters take codes 0x21..0x7E
MAX_UDC = 0x7E - FIRST_UDC_CODE + 1
_QR_EC = {"L": (0, qrcode.constants.ERROR_CORRECT_L), "M": (1, qrcode.constants.ERROR_CORRECT_M),
          "Q": (2, qrcode.constants.ERROR_CORRECT_Q), "H": (3, qrcode.constants.ERROR_CORRECT_H)}
_TEXT_BLOCKS = (doc.Text, doc.Separator, doc.Columns)


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


class TextEncoder:
    """Unicode -> bytes for the printer's CP866 table plus downloaded glyphs."""

    def __init__(self, lines: list[PrintLine], codec: str = "cp866") -> None:
        self.codec = codec
        missing: list[str] = []
        for line in lines:
            for char in line.text:
                if char not in missing and not _encodable(char, codec):
                    missing.append(char)
        # Beyond 94 distinct missing characters the rest print as '?' (never seen on a receipt).
        self.glyph_codes = {char: FIRST_UDC_CODE + i for i, char in enumerate(missing[:MAX_UDC])}

    def define_glyphs(self) -> bytes:
        """ESC & for all glyphs this document needs (font A, 12 x 24 dots), or nothing."""
        if not self.glyph_codes:
            return b""
        codes = sorted(self.glyph_codes.items(), key=lambda item: item[1])
        out = bytearray(ESC + b"&" + bytes([3, codes[0][1], codes[-1][1]]))
        for char, _ in codes:
            out.append(FONT_A_CELL[0])
            out += glyph_columns(char, FONT_A_CELL[0], 3)
        return bytes(out)

    def encode(self, text: str) -> bytes:
        """Code-page bytes; runs of downloaded glyphs go between ESC % 1 and ESC % 0."""
        out = bytearray()
        glyph_run = bytearray()
        for char in text:
            code = None
            try:
                encoded = char.encode(self.codec)
            except UnicodeEncodeError:
                code = self.glyph_codes.get(char)
                encoded = b"?" if code is None else b""
            if code is not None:
                glyph_run.append(code)
                continue
            if glyph_run:
                out += ESC + b"%\x01" + glyph_run + ESC + b"%\x00"
                glyph_run.clear()
            out += encoded
        if glyph_run:
            out += ESC + b"%\x01" + glyph_run + ESC + b"%\x00"
        return bytes(out)


def lines_image(lines: list[PrintLine], dots: int) -> PILImage.Image:
    """Text lines drawn as the printer would print them, for raster mode."""
    cell_w, cell_h = FONT_A_CELL
    heights = [max(LINE_PITCH, cell_h * line.height + LINE_PITCH - cell_h) for line in lines]
    img = PILImage.new("L", (dots, sum(heights)), 255)
    y = 0
    for line, height in zip(lines, heights):
        width = len(line.text) * cell_w * line.width
        x = {"left": 0, "center": (dots - width) // 2, "right": dots - width}[line.align]
        for char in line.text:
            cell = render_cell(char, cell_w, cell_h, line.bold).convert("L")
            if line.width > 1 or line.height > 1:
                cell = cell.resize((cell_w * line.width, cell_h * line.height))
            if line.underline:
                cell = cell.copy()
                cell.paste(0, (0, cell.height - 2, cell.width, cell.height))
            img.paste(cell, (max(0, x), y + height - (LINE_PITCH - cell_h) - cell.height))
            x += cell.width
        y += height
    return img


def fit_width(image: PILImage.Image, dots: int) -> PILImage.Image:
    """Scale down (never up) to the printable width, keeping the aspect ratio."""
    image = image.convert("RGBA") if image.mode in ("P", "LA") else image
    if image.width <= dots:
        return image
    height = max(1, round(image.height * dots / image.width))
    return image.resize((dots, height), PILImage.Resampling.LANCZOS)


class _Renderer:
    def __init__(self, printer: Escpos, config: PrinterConfig, document: doc.Document) -> None:
        self.printer = printer
        self.config = config
        self.document = document
        self.raster = config.codepage_mode == "raster"
        lines = [line for block in document if isinstance(block, _TEXT_BLOCKS)
                 for line in layout_block(block, config.columns)]
        self.encoder = TextEncoder(lines)

    def initialize(self) -> None:
        """ESC @ and everything it forgets: code page slot and downloaded glyphs."""
        self.printer.hw("INIT")
        if self.raster:
            return
        if self.config.codepage_slot is not None:
            self.printer._raw(ESC + b"t" + bytes([self.config.codepage_slot]))
        glyphs = self.encoder.define_glyphs()
        if glyphs:
            self.printer._raw(glyphs + ESC + b"%\x00")

    def check(self) -> None:
        """Refuse, before sending anything, what cannot print on this paper."""
        for block in self.document:
            if isinstance(block, doc.Barcode):
                width = barcode_width_dots(block.symbology, block.data, block.module_width)
                if width > self.config.dots:
                    raise DocumentError(
                        f"{block.symbology} barcode {block.data!r} would be {width} dots wide; "
                        f"the paper prints {self.config.dots}. Use a smaller module width or "
                        "shorter data")

    def run(self) -> None:
        self.check()
        self.initialize()
        pending: list[PrintLine] = []
        for block in self.document:
            if isinstance(block, _TEXT_BLOCKS):
                pending.extend(layout_block(block, self.config.columns))
                continue
            self.text(pending)
            pending = []
            self.block(block)
        self.text(pending)

    def text(self, lines: list[PrintLine]) -> None:
        if not lines:
            return
        if self.raster:
            self.printer.set(align="left")
            self.printer.image(lines_image(lines, self.config.dots), impl="bitImageRaster")
            return
        for line in lines:
            size = {(1, 1): {"normal_textsize": True}, (2, 1): {"double_width": True},
                    (1, 2): {"double_height": True},
                    (2, 2): {"double_width": True, "double_height": True}}[(line.width, line.height)]
            self.printer.set(align=line.align, bold=line.bold, underline=int(line.underline), **size)
            self.printer._raw(self.encoder.encode(line.text) + b"\n")
        self.printer.set(align="left", bold=False, underline=0, normal_textsize=True)

    def block(self, block) -> None:
        printer = self.printer
        if isinstance(block, doc.QR):
            printer.set(align=block.align)
            ec_escpos, ec_qrcode = _QR_EC[block.ec]
            if self.config.qr_native:
                printer.qr(block.payload, ec=ec_escpos, size=block.size, native=True)
            else:
                code = qrcode.QRCode(error_correction=ec_qrcode, box_size=block.size, border=2)
                code.add_data(block.payload.encode("utf-8"))
                code.make(fit=True)
                image = code.make_image().get_image().convert("L")
                printer.image(fit_width(image, self.config.dots), impl="bitImageRaster")
            printer.set(align="left")
        elif isinstance(block, doc.Barcode):
            name, data, function_type = escpos_arguments(block.symbology, block.data)
            printer.set(align=block.align)
            printer._hw_barcode(data, name, height=block.height, width=block.module_width,
                                pos=block.hri.upper() if block.hri != "none" else "OFF",
                                font="A", align_ct=False, function_type=function_type, check=True)
            printer.set(align="left")
        elif isinstance(block, doc.Image):
            image = fit_width(block.image, self.config.dots)
            if image.mode not in ("1", "L", "RGB", "RGBA"):
                image = image.convert("RGBA")
            printer.set(align=block.align)
            printer.image(image, impl="bitImageRaster")
            printer.set(align="left")
        elif isinstance(block, doc.Feed):
            printer.print_and_feed(block.lines)
        elif isinstance(block, doc.Cut):
            printer.cut(mode="PART" if block.partial else "FULL")
        elif isinstance(block, doc.DrawerKick):
            pin = block.pin or self.config.drawer_pin
            pulse = block.pulse_ms or self.config.drawer_pulse_ms
            units = max(1, min(255, pulse // 2))
            printer.cashdraw([27, 112, 0 if pin == 2 else 1, units, units])
        else:
            raise DocumentError(f"cannot print a {type(block).__name__} block")


def render(document: doc.Document, printer: Escpos, config: PrinterConfig) -> None:
    """Send ``document`` to an opened python-escpos ``printer`` as ``config`` says.

    Barcodes that cannot fit are refused with :class:`DocumentError` before any byte goes
    out. Connection errors propagate as the backend raises them (``OSError`` etc.);
    :func:`hardware.printing.service.print_document` turns them into printer errors.
    """
    if not isinstance(document, doc.Document):
        raise DocumentError(f"expected a Document, got {type(document).__name__}")
    _Renderer(printer, config, document).run()
