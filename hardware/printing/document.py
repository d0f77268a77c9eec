"""What a receipt says, independent of any printer: a list of simple blocks.

Receipt layouts build a :class:`Document`; :func:`hardware.printing.render.render` turns it
into ESC/POS for the configured printer (native code page or raster). Blocks check their
own arguments when created, so a layout bug shows up where the block is built, with a
message that says what is wrong, not half-way through printing a receipt.

A document round-trips through JSON (:meth:`Document.to_json` / :meth:`Document.from_json`)
so the print queue can keep it in the local store until the printer takes it: a receipt
survives paper out, a printer switched off or a power cut, and prints later exactly as it
was laid out. Loading re-runs every block's checks, so an edited or damaged row is refused
with a :class:`DocumentError` instead of reaching the printer.
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import unicodedata
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterator, Union

from PIL import Image as PILImage

from .barcodes import normalize_barcode
from .errors import DocumentError

ALIGNS = ("left", "center", "right")
#: Character sizes as (width, height) multipliers.
SIZES = {"normal": (1, 1), "tall": (1, 2), "wide": (2, 1), "large": (2, 2)}
QR_LEVELS = ("L", "M", "Q", "H")
HRI_POSITIONS = ("none", "above", "below", "both")


def clean_text(text: str) -> str:
    """Text safe to send: control characters (which would be printer commands) -> space.

    A product name containing ESC from a bad feed must print as text, not reset the printer
    or open the drawer. Newlines are kept; they separate lines.
    """
    if not isinstance(text, str):
        raise DocumentError(f"text must be a string, got {type(text).__name__}")
    return "".join(ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else " "
                   for ch in text.replace("\r\n", "\n"))


def _check_align(align: str) -> None:
    if align not in ALIGNS:
        raise DocumentError(f"align must be one of {', '.join(ALIGNS)}, got {align!r}")


@dataclass(frozen=True)
class Text:
    """A paragraph; long lines wrap at the printer's columns (fewer for wide sizes)."""
    text: str
    bold: bool = False
    align: str = "left"
    size: str = "normal"
    underline: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", clean_text(self.text))
        _check_align(self.align)
        if self.size not in SIZES:
            raise DocumentError(f"text size must be one of {', '.join(SIZES)}, got {self.size!r}")


@dataclass(frozen=True)
class Separator:
    """A full-width rule made of ``char``."""
    char: str = "-"

    def __post_init__(self) -> None:
        if not isinstance(self.char, str) or len(clean_text(self.char).strip()) != 1:
            raise DocumentError(f"separator must be one visible character, got {self.char!r}")


Line = Separator


@dataclass(frozen=True)
class Columns:
    """``left`` and ``right`` on one line, ``fill`` between: ``"Молоко ....... 89,90 ₽"``."""
    left: str
    right: str
    fill: str = " "
    bold: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "left", clean_text(self.left).replace("\n", " "))
        object.__setattr__(self, "right", clean_text(self.right).replace("\n", " "))
        if not isinstance(self.fill, str) or len(clean_text(self.fill)) != 1:
            raise DocumentError(f"column fill must be one character, got {self.fill!r}")


@dataclass(frozen=True)
class QR:
    """A QR code; ``size`` is the module size in dots (1-16), ``ec`` the error correction."""
    payload: str
    size: int = 6
    ec: str = "M"
    align: str = "center"

    def __post_init__(self) -> None:
        if not isinstance(self.payload, str) or not self.payload:
            raise DocumentError("a QR code needs a non-empty text payload")
        if len(self.payload.encode("utf-8")) > 2953:
            raise DocumentError(f"QR payload is {len(self.payload.encode('utf-8'))} bytes; "
                                "a QR code holds at most 2953")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 1 <= self.size <= 16:
            raise DocumentError(f"QR module size must be 1-16 dots, got {self.size!r}")
        if self.ec not in QR_LEVELS:
            raise DocumentError(f"QR error correction must be one of {', '.join(QR_LEVELS)}, "
                                f"got {self.ec!r}")
        _check_align(self.align)


@dataclass(frozen=True)
class Barcode:
    """A 1D barcode. EAN/UPC check digits are verified (or appended when left off)."""
    symbology: str
    data: str
    height: int = 80
    module_width: int = 2
    hri: str = "below"
    align: str = "center"

    def __post_init__(self) -> None:
        symbology, data = normalize_barcode(self.symbology, self.data)
        object.__setattr__(self, "symbology", symbology)
        object.__setattr__(self, "data", data)
        if isinstance(self.height, bool) or not isinstance(self.height, int) \
                or not 1 <= self.height <= 255:
            raise DocumentError(f"barcode height must be 1-255 dots, got {self.height!r}")
        if self.module_width not in (2, 3, 4, 5, 6):
            raise DocumentError(f"barcode module width must be 2-6 dots, got {self.module_width!r}")
        if self.hri not in HRI_POSITIONS:
            raise DocumentError(f"barcode text position must be one of "
                                f"{', '.join(HRI_POSITIONS)}, got {self.hri!r}")
        _check_align(self.align)


@dataclass(frozen=True)
class Image:
    """A picture (logo); scaled down to the paper width if wider."""
    image: PILImage.Image | str | Path
    align: str = "center"

    def __post_init__(self) -> None:
        _check_align(self.align)
        source = self.image
        if not isinstance(source, PILImage.Image):
            try:
                with PILImage.open(source) as opened:
                    opened.load()
                    source = opened.copy()
            except (OSError, ValueError, TypeError) as exc:
                raise DocumentError(f"cannot read image {self.image!r}: {exc}") from exc
            object.__setattr__(self, "image", source)
        if source.width < 1 or source.height < 1:
            raise DocumentError("image is empty")


@dataclass(frozen=True)
class Feed:
    """Blank paper: ``lines`` line feeds (0-255)."""
    lines: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.lines, bool) or not isinstance(self.lines, int) \
                or not 0 <= self.lines <= 255:
            raise DocumentError(f"feed must be 0-255 lines, got {self.lines!r}")


@dataclass(frozen=True)
class Cut:
    """Feed past the cutter and cut; partial leaves a hinge so the receipt does not fall."""
    partial: bool = False


@dataclass(frozen=True)
class DrawerKick:
    """Open the cash drawer; pin and pulse default to the printer configuration."""
    pin: int | None = None
    pulse_ms: int | None = None

    def __post_init__(self) -> None:
        if self.pin is not None and self.pin not in (2, 5):
            raise DocumentError(f"cash drawer pin must be 2 or 5, got {self.pin!r}")
        pulse = self.pulse_ms
        if pulse is not None and (isinstance(pulse, bool) or not isinstance(pulse, int)
                                  or not 2 <= pulse <= 510):
            raise DocumentError(f"drawer pulse must be 2-510 ms, got {pulse!r}")


Block = Union[Text, Separator, Columns, QR, Barcode, Image, Feed, Cut, DrawerKick]
BLOCK_TYPES = (Text, Separator, Columns, QR, Barcode, Image, Feed, Cut, DrawerKick)


@dataclass
class Document:
    """An ordered list of blocks. ``Document().add(Text("..."), Cut())`` chains."""
    blocks: list[Block] = field(default_factory=list)

    def __post_init__(self) -> None:
        blocks = list(self.blocks)
        self.blocks = []
        self.add(*blocks)

    def add(self, *blocks: Block) -> "Document":
        for block in blocks:
            if not isinstance(block, BLOCK_TYPES):
                raise DocumentError(f"a receipt cannot contain {type(block).__name__}; use "
                                    "Text, Separator, Columns, QR, Barcode, Image, Feed, Cut "
                                    "or DrawerKick")
            self.blocks.append(block)
        return self

    def __iter__(self) -> Iterator[Block]:
        return iter(self.blocks)

    def __len__(self) -> int:
        return len(self.blocks)

    def to_json(self) -> str:
        """The document as JSON text (images as base64 PNG); see :meth:`from_json`."""
        return json.dumps({"version": JSON_VERSION, "blocks": [_block_to_dict(b) for b in self.blocks]},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> "Document":
        """A document saved by :meth:`to_json`; :class:`DocumentError` if it cannot be read."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise DocumentError(f"a saved receipt is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("blocks"), list):
            raise DocumentError("a saved receipt must be a JSON object with a 'blocks' list")
        if data.get("version") != JSON_VERSION:
            raise DocumentError(f"a saved receipt has format version {data.get('version')!r}; "
                                f"this build reads version {JSON_VERSION}")
        return cls([_block_from_dict(i, item) for i, item in enumerate(data["blocks"], 1)])


JSON_VERSION = 1
_BLOCKS_BY_NAME = {block_type.__name__: block_type for block_type in BLOCK_TYPES}


def _block_to_dict(block: Block) -> dict:
    if isinstance(block, Image):
        png = io.BytesIO()
        block.image.save(png, format="PNG")
        return {"type": "Image", "png": base64.b64encode(png.getvalue()).decode("ascii"),
                "align": block.align}
    out = {"type": type(block).__name__}
    out.update((f.name, getattr(block, f.name)) for f in fields(block))
    return out


def _block_from_dict(number: int, item: object) -> Block:
    where = f"block {number} of a saved receipt"
    if not isinstance(item, dict) or item.get("type") not in _BLOCKS_BY_NAME:
        kind = item.get("type") if isinstance(item, dict) else type(item).__name__
        raise DocumentError(f"{where} has unknown type {kind!r}; known: {', '.join(_BLOCKS_BY_NAME)}")
    block_type = _BLOCKS_BY_NAME[item["type"]]
    values = {k: v for k, v in item.items() if k != "type"}
    if block_type is Image:
        if set(values) - {"png", "align"} or not isinstance(values.get("png"), str):
            raise DocumentError(f"{where}: an image needs 'png' (base64) and optionally 'align'")
        try:
            raw = base64.b64decode(values.pop("png"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DocumentError(f"{where}: the image is not valid base64: {exc}") from None
        values["image"] = io.BytesIO(raw)
    known = {f.name for f in fields(block_type)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise DocumentError(f"{where}: {item['type']} has no field(s) {', '.join(unknown)}")
    try:
        return block_type(**values)
    except DocumentError as exc:
        raise DocumentError(f"{where}: {exc}") from None
    except TypeError as exc:  # a missing required field
        raise DocumentError(f"{where}: {exc}") from None
