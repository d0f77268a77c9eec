"""Pictures for the demo catalogue: one tile per department, ``assets/img/cat-<id>.png``.

Products name their picture as an asset path (``img/cat-dairy.png``); the kiosk resolves
it under ``assets/``. The tiles are drawn here rather than shipped from elsewhere so
their licence is the project's and anyone can redraw them::

    python -m retail.demo.images            # (re)writes assets/img/cat-*.png

A tile is a flat colour with the department's Russian and English names in the
project's bundled DejaVu font; drawing is deterministic, so the files only change
when this module does.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .categories import TOPS
from .spec import Top

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
FONT = ASSETS / "fonts" / "DejaVuSansMono-Bold.ttf"
SIZE = (320, 240)

# Department -> background colour (muted, so white text reads well on a kiosk screen).
COLOURS: dict[str, str] = {
    "dairy": "#3f7cac", "bakery": "#b5793a", "produce": "#4f9a3a", "meat": "#a8433f", "grocery": "#8c6d3f",
    "drinks": "#2f8f9d", "household": "#5b6abf", "care": "#b0578a", "kids": "#e0913a",
    "electronics": "#44546a", "clothing": "#7a5aa6", "home": "#5f8c6e", "books": "#9a4f2f",
}


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, start: int) -> ImageFont.FreeTypeFont:
    size = start
    while size > 10 and draw.textlength(text, font=_font(size)) > width:
        size -= 1
    return _font(size)


def render(top: Top) -> Image.Image:
    """The tile of one department."""
    image = Image.new("RGB", SIZE, COLOURS.get(top.id, "#555555"))
    draw = ImageDraw.Draw(image)
    w, h = SIZE
    draw.ellipse((w - 150, -60, w + 60, 150), fill=_lighter(COLOURS.get(top.id, "#555555")))
    initial = _font(96)
    draw.text((24, 18), top.ru[:1], font=initial, fill="#ffffff")
    ru_font = _fit(draw, top.ru, w - 48, 28)
    draw.text((24, h - 88), top.ru, font=ru_font, fill="#ffffff")
    en_font = _fit(draw, top.en, w - 48, 20)
    draw.text((24, h - 48), top.en, font=en_font, fill="#f0f0f0")
    return image


def _lighter(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#%02x%02x%02x" % tuple(min(255, c + (255 - c) // 4) for c in (r, g, b))


def write_all(dest: Path = ASSETS) -> list[Path]:
    """Write every department's tile under ``dest`` (``img/cat-<id>.png``); returns the paths."""
    out = []
    for top in TOPS:
        path = dest / top.image
        path.parent.mkdir(parents=True, exist_ok=True)
        render(top).save(path, format="PNG", optimize=True)
        out.append(path)
    return out


def main() -> int:
    for path in write_all():
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
