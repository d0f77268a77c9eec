"""What every printed layout shares: the store header, money, quantities, dates, the QR
size, the copy mark and the redaction of anything that looks like a card number.

Layouts are two steps. A *loader* reads the local store (and signs the QR code) into a
plain dataclass; a *layout* function turns that into a :class:`Document` and touches
nothing else, so the same data prints the same receipt in Russian or English, on 58 or
80 mm paper (text wraps at the printer's columns when it is rendered, see
:mod:`hardware.printing.layout`).

Privacy: :func:`finish` passes every text block through :func:`redact`, which masks any
run of 12 or more digits (a card number, a loyalty number, a token) to ``•••• 1234``, so
nothing a feed or a payment terminal put into a name or a reference can print a full
number. Signed codes go only into QR blocks, never into text.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import qrcode

from hardware.printing import QR, Columns, Cut, Document, DrawerKick, Separator, Text
from retail.i18n import qty as _qty
from retail.i18n import translate as _
from retail.loyalty import mask_card
from retail.money import format_money
from retail.store.settings import get, get_json

LANGS = ("ru", "en")
DEFAULT_TIMEZONE = "Europe/Moscow"
#: Printable width of the narrowest paper (58 mm, 32 columns): QR codes are sized for it.
NARROWEST_DOTS = 384
_LONG_NUMBER = re.compile(r"\d(?:[ \-]?\d){11,}")


class ReceiptError(ValueError):
    """A layout that cannot be made from what was given; the message says what to fix."""


def check_lang(lang: str | None) -> str:
    """``'ru'`` or ``'en'``; anything else is a :class:`ReceiptError`."""
    if lang not in LANGS:
        raise ReceiptError(f"receipts print in {' or '.join(LANGS)}, not {lang!r}")
    return lang


def store_lang(conn: sqlite3.Connection, lang: str | None = None) -> str:
    """The language asked for, else the store's (setting ``language``)."""
    return check_lang(lang or get(conn, "language") or "ru")


# ---------------------------------------------------------------- the store header

@dataclass(frozen=True)
class StoreHeader:
    """Who issued the paper: the store's name, the lines under it, where and when."""
    store_id: str
    terminal_id: str
    name: str
    lines: tuple[str, ...] = ()        # legal name, address, tax number (setting receipt_header)
    timezone: str = DEFAULT_TIMEZONE
    footer: tuple[str, ...] = ()       # setting receipt_footer


def _text_lines(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(line for line in value.splitlines() if line.strip())
    if isinstance(value, (list, tuple)):
        return tuple(str(item) for item in value if str(item).strip())
    return (str(value),)


def store_header(conn: sqlite3.Connection, lang: str) -> StoreHeader:
    """The header from the settings feed (``store_name``, ``receipt_header``,
    ``receipt_footer``, ``timezone``), falling back to the ``stores`` row and the ids."""
    check_lang(lang)
    store_id, terminal_id = get(conn, "store_id") or "", get(conn, "terminal_id") or ""
    row = conn.execute("SELECT name_ru, name_en, address, timezone FROM stores WHERE id = ?",
                       (store_id,)).fetchone()
    if lang == "en" and row is not None and row[1]:
        name = row[1]
    else:
        name = get(conn, "store_name") or (row[0] if row is not None else "")
    lines = _text_lines(get_json(conn, "receipt_header", get(conn, "receipt_header")))
    if not lines and row is not None and row[2]:
        lines = (row[2],)
    zone = get(conn, "timezone") or (row[3] if row is not None else "") or DEFAULT_TIMEZONE
    footer = _text_lines(get_json(conn, "receipt_footer", get(conn, "receipt_footer")))
    return StoreHeader(store_id, terminal_id, name or store_id or "Vitrina", lines, zone, footer)


def header_blocks(header: StoreHeader, title: str) -> list:
    """Store name, the header lines, a rule and the document's title."""
    blocks: list = [Text(header.name, bold=True, align="center")]
    blocks += [Text(line, align="center") for line in header.lines]
    blocks += [Separator(), Text(title, bold=True, align="center")]
    return blocks


def staff_name(conn: sqlite3.Connection, staff_id: str | None) -> str:
    """The name staff wear on their badge; the id if the staff feed has not brought it."""
    if not staff_id:
        return ""
    row = conn.execute("SELECT name FROM staff WHERE id = ?", (staff_id,)).fetchone()
    return row[0] if row else staff_id


# ---------------------------------------------------------------- numbers and dates

def money(kopecks: int, lang: str) -> str:
    return format_money(kopecks, lang)


def quantity(qty_milli: int, unit: str, lang: str) -> str:
    """``'3 шт'``, ``'1,235 кг'`` (ru) / ``'3 pcs'``, ``'1.235 kg'`` (en)."""
    return _qty(qty_milli, unit, lang)


def percent(bp: int, lang: str) -> str:
    """A VAT rate in basis points as people write it: 2000 -> ``'20'``, 1250 -> ``'12,5'``."""
    whole, frac = divmod(bp, 100)
    if not frac:
        return str(whole)
    text = f"{whole}.{frac:02d}".rstrip("0")
    return text.replace(".", ",") if lang == "ru" else text


def timestamp(at: int, zone: str, lang: str) -> str:
    """Unix seconds in the store's time zone: ``'01.01.2026 03:00'`` / ``'2026-01-01 03:00'``.

    A terminal without time zone data (a bare Windows install) prints UTC and says so.
    """
    try:
        moment = datetime.fromtimestamp(at, ZoneInfo(zone))
        suffix = ""
    except (ZoneInfoNotFoundError, ValueError):
        moment = datetime.fromtimestamp(at, timezone.utc)
        suffix = " UTC"
    pattern = "%d.%m.%Y %H:%M" if lang == "ru" else "%Y-%m-%d %H:%M"
    return moment.strftime(pattern) + suffix


def unit_of(qty_milli: int, unit: str | None) -> str:
    """The unit to print: the catalogue's, else kg for a fractional quantity, else pieces."""
    if unit in ("pcs", "kg"):
        return unit
    return "kg" if qty_milli % 1000 else "pcs"


def product_units(conn: sqlite3.Connection, skus) -> dict[str, str]:
    """sku -> 'pcs' or 'kg' from the catalogue (sale lines do not store the unit)."""
    skus = sorted(set(skus))
    if not skus:
        return {}
    marks = ",".join("?" * len(skus))
    return dict(conn.execute(f"SELECT sku, unit FROM products WHERE sku IN ({marks})", skus))


# ---------------------------------------------------------------- blocks

def qr_block(payload: str, ec: str = "M") -> QR:
    """A QR whose module size fits the narrowest paper (at most 6 dots a module)."""
    code = qrcode.QRCode(error_correction={"L": qrcode.constants.ERROR_CORRECT_L,
                                           "M": qrcode.constants.ERROR_CORRECT_M,
                                           "Q": qrcode.constants.ERROR_CORRECT_Q,
                                           "H": qrcode.constants.ERROR_CORRECT_H}[ec])
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    modules = 17 + 4 * code.version + 8  # symbol plus the quiet zone
    return QR(payload, size=max(1, min(6, NARROWEST_DOTS // modules)), ec=ec)


def amount_row(label: str, kopecks: int, lang: str, bold: bool = False) -> Columns:
    return Columns(label, money(kopecks, lang), bold=bold)


def redact(text: str) -> str:
    """Mask every run of 12+ digits (spaces or dashes between them allowed): ``•••• 1234``."""
    return _LONG_NUMBER.sub(lambda m: mask_card(m.group(0)), text)


def finish(blocks: list, header: StoreHeader | None = None) -> Document:
    """The footer lines, a cut, and :func:`redact` over every text: the finished document."""
    if header is not None and header.footer:
        blocks = blocks + [Text(line, align="center") for line in header.footer]
    blocks = blocks + [Cut()]
    out = []
    for block in blocks:
        if isinstance(block, Text):
            block = replace(block, text=redact(block.text))
        elif isinstance(block, Columns):
            block = replace(block, left=redact(block.left), right=redact(block.right))
        out.append(block)
    return Document(out)


def mark_copy(document: Document, lang: str) -> Document:
    """A reprint: "КОПИЯ" / "COPY" at the top and above the cut, and no drawer kick
    (a copy must never open the cash drawer)."""
    check_lang(lang)
    mark = Text(f"*** {_('COPY', lang)} ***", bold=True, align="center", size="wide")
    blocks = [mark] + [b for b in document if not isinstance(b, DrawerKick)]
    last_cut = max((i for i, b in enumerate(blocks) if isinstance(b, Cut)), default=None)
    if last_cut is None:
        blocks.append(mark)
    else:
        blocks.insert(last_cut, mark)
    return Document(blocks)
