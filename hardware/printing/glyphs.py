"""Character cells: one character drawn into a fixed box of printer dots.

Three things need the same pixels for a character: raster-mode receipts (text drawn as an
image for printers without a Cyrillic code page), user-defined characters downloaded with
``ESC &`` for characters the code page lacks (CP866 has no ₽), and the emulator, which
draws the paper and reads downloaded glyphs back to text. Drawing every character into its
own cell keeps receipt columns aligned whatever the font's advance widths are.

ESC/POS font A is 12 x 24 dots; a user-defined character is sent column by column, each
column ``height_bytes`` bytes from the top, most significant bit first.
"""
from __future__ import annotations

import functools

from PIL import Image, ImageDraw

from .fonts import load_font

FONT_A_CELL = (12, 24)

# Characters the emulator tries when it reads a downloaded glyph back to text: receipt
# punctuation and currency first (they win ties), then whole Unicode blocks that code
# pages commonly lack.
_PREFERRED = "₽€«»—–…“”„‘’•№°±×÷"
_BLOCKS = (
    (0x00A1, 0x017F),  # Latin-1 supplement, Latin extended-A
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic (Ukrainian, Belarusian, Kazakh letters missing from CP866)
    (0x2010, 0x205E),  # general punctuation
    (0x20A0, 0x20C0),  # currency symbols
    (0x2100, 0x215F),  # letterlike symbols, fractions
    (0x2190, 0x21FF),  # arrows
    (0x2212, 0x2219),  # minus and friends
)


def cell_font_size(cell_w: int, cell_h: int) -> int:
    """Largest font size whose glyphs fit a ``cell_w`` x ``cell_h`` cell (DejaVu Mono)."""
    return max(6, int(min(cell_h * 0.84, cell_w / 0.602)))


@functools.lru_cache(maxsize=8192)
def render_cell(char: str, cell_w: int = 12, cell_h: int = 24, bold: bool = False) -> Image.Image:
    """``char`` drawn black on white into a ``cell_w`` x ``cell_h`` 1-bit image.

    The returned image is cached and shared: paste it, never draw on it.
    """
    img = Image.new("L", (cell_w, cell_h), 255)
    if char.strip():
        font = load_font(cell_font_size(cell_w, cell_h), bold)
        baseline = round(cell_h * 0.78)
        ImageDraw.Draw(img).text((cell_w / 2, baseline), char, font=font, fill=0, anchor="ms")
    return img.point(lambda v: 0 if v < 128 else 255, mode="1")


def cell_to_columns(img: Image.Image, height_bytes: int = 3) -> bytes:
    """A 1-bit cell as ESC & column data: per column, ``height_bytes`` bytes, top first."""
    img = img.convert("1")
    width, height = img.size
    px = img.load()
    out = bytearray()
    for x in range(width):
        for row in range(height_bytes):
            byte = 0
            for bit in range(8):
                y = row * 8 + bit
                if y < height and px[x, y] == 0:
                    byte |= 0x80 >> bit
            out.append(byte)
    return bytes(out)


def columns_to_cell(data: bytes, width: int, height_bytes: int = 3) -> Image.Image:
    """ESC & column data back to a 1-bit image (black = printed dot)."""
    img = Image.new("1", (width, height_bytes * 8), 1)
    px = img.load()
    for x in range(width):
        for row in range(height_bytes):
            index = x * height_bytes + row
            byte = data[index] if index < len(data) else 0
            for bit in range(8):
                if byte & (0x80 >> bit):
                    px[x, row * 8 + bit] = 0
    return img


def glyph_columns(char: str, width: int = FONT_A_CELL[0], height_bytes: int = 3) -> bytes:
    """The user-defined-character bitmap for ``char`` in a font-A cell, ready for ESC &."""
    return cell_to_columns(render_cell(char, width, height_bytes * 8), height_bytes)


def _candidates() -> list[str]:
    chars = list(_PREFERRED)
    for start, end in _BLOCKS:
        chars.extend(chr(cp) for cp in range(start, end + 1) if chr(cp) not in _PREFERRED)
    return chars


@functools.lru_cache(maxsize=16)
def _reference(width: int, height_bytes: int) -> tuple[dict[bytes, str], list[tuple[int, str]]]:
    exact: dict[bytes, str] = {}
    as_ints: list[tuple[int, str]] = []
    blank = bytes(width * height_bytes)
    for char in _candidates():
        data = glyph_columns(char, width, height_bytes)
        if data == blank or data in exact:
            continue
        exact[data] = char
        as_ints.append((int.from_bytes(data, "big"), char))
    return exact, as_ints


def recognize_glyph(data: bytes, width: int, height_bytes: int = 3) -> str | None:
    """Which character a downloaded glyph shows, or None if it is none we know.

    Exact match against our own rendering first; otherwise the closest reference glyph if
    it differs in at most 3 % of the dots (another build of the font may shift a pixel).
    """
    if width <= 0 or len(data) != width * height_bytes:
        return None
    if not any(data):
        return " "
    exact, as_ints = _reference(width, height_bytes)
    if data in exact:
        return exact[data]
    value = int.from_bytes(data, "big")
    limit = max(1, (width * height_bytes * 8 * 3) // 100)
    best = min(as_ints, key=lambda item: (item[0] ^ value).bit_count(), default=None)
    if best is not None and (best[0] ^ value).bit_count() <= limit:
        return best[1]
    return None
