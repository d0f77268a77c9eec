"""Text blocks -> printed lines of at most ``columns`` characters.

Both print modes use these lines, so a receipt wraps the same way whether its text goes out
as CP866 bytes or as a raster image. Wrapping is done here and not left to the printer:
the printer would break words anywhere and push a price onto a line of its own.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

from .document import SIZES, Columns, Separator, Text


@dataclass(frozen=True)
class PrintLine:
    """One line as the printer will print it."""
    text: str
    bold: bool = False
    align: str = "left"
    width: int = 1
    height: int = 1
    underline: bool = False


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        wrapped = textwrap.wrap(paragraph, width=width, break_long_words=True,
                                break_on_hyphens=False)
        lines.extend(wrapped or [""])
    return lines


def columns_lines(left: str, right: str, columns: int, fill: str = " ") -> list[str]:
    """``left`` and ``right`` on the last line with ``fill`` between; ``left`` wraps first."""
    left, right = left.strip(), right.strip()
    if len(right) > columns:
        return _wrap(left, columns) + _wrap(right, columns)
    if len(left) + 1 + len(right) <= columns:
        return [left + fill * (columns - len(left) - len(right)) + right]
    lines = _wrap(left, columns)
    last = lines.pop()
    if len(last) + 1 + len(right) <= columns:
        lines.extend(columns_lines(last, right, columns, fill))
    else:
        lines.append(last)
        lines.append(" " * (columns - len(right)) + right)
    return lines


def layout_block(block: Text | Separator | Columns, columns: int) -> list[PrintLine]:
    """The printed lines for a text-like block."""
    if isinstance(block, Text):
        width, height = SIZES[block.size]
        return [PrintLine(line, block.bold, block.align, width, height, block.underline)
                for line in _wrap(block.text, max(1, columns // width))]
    if isinstance(block, Separator):
        return [PrintLine(block.char * columns)]
    if isinstance(block, Columns):
        return [PrintLine(line, block.bold) for line in
                columns_lines(block.left, block.right, columns, block.fill)]
    raise TypeError(f"not a text block: {type(block).__name__}")
