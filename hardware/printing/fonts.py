"""The one place that finds a font for receipt text: Cyrillic, the rouble sign, monospaced.

Raster-mode receipts, user-defined glyphs (for characters a code page lacks, such as ₽) and
the emulator's paper rendering all draw text with the same font, so what a test reads back
from the emulator is what a real printer would have printed. We ship DejaVu Sans Mono
under ``assets/fonts`` (Bitstream Vera licence, see LICENSE-DejaVu.txt) so a Windows or a
minimal Linux terminal prints the same; the system's DejaVu and Kivy's bundled DejaVuSans
are fallbacks. Kivy is located with ``importlib.util.find_spec``, which finds the package
without importing it (``hardware`` must not import Kivy).
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from PIL import ImageFont

_REPO_FONTS = Path(__file__).resolve().parents[2] / "assets" / "fonts"
_SYSTEM_DEJAVU = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("C:/Windows/Fonts"),
)


class FontNotFoundError(RuntimeError):
    """No font with Cyrillic was found; the message lists where we looked."""


def _kivy_fonts_dir() -> Path | None:
    spec = importlib.util.find_spec("kivy")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "fonts"


def _candidates(bold: bool) -> list[Path]:
    name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
    found = [_REPO_FONTS / name] + [d / name for d in _SYSTEM_DEJAVU]
    kivy_dir = _kivy_fonts_dir()
    if kivy_dir is not None:
        # Proportional, but every glyph is drawn into its own cell, so columns still line up.
        found.append(kivy_dir / "DejaVuSans.ttf")
    return found


@functools.lru_cache(maxsize=None)
def font_path(bold: bool = False) -> Path:
    """Path of the receipt font (bold falls back to regular if no bold face exists)."""
    candidates = _candidates(bold)
    for path in candidates:
        if path.is_file():
            return path
    if bold:
        return font_path(False)
    looked = ", ".join(str(p) for p in candidates)
    raise FontNotFoundError(
        "no font with Cyrillic for receipts was found; restore assets/fonts/DejaVuSansMono.ttf "
        f"from the repository or install the DejaVu fonts (looked in: {looked})"
    )


@functools.lru_cache(maxsize=64)
def load_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The receipt font at ``size`` pixels, cached (loading a TTF takes milliseconds)."""
    return ImageFont.truetype(str(font_path(bold)), size)
