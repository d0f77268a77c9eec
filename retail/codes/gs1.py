"""GS1 element strings: what GS1-128, GS1 DataMatrix, GS1 QR and GS1 DataBar carry.

A scan of such a symbol is a run of (Application Identifier, value) pairs, e.g.
``01 04601234567893 17 271231 10 ABC``. Some AIs have a length fixed by the standard
and simply follow each other; variable-length values end with FNC1, which scanners
transmit as the GS character (0x1D). The caller strips the AIM symbology prefix (``]C1``,
``]d2``, ``]Q3``). The human-readable form printed under a barcode,
``(01)04601234567893(17)271231(10)ABC``, is accepted as well.

Which AIs Vitrina reads (``AI_TABLE``): 00, 01, 02, 10, 11, 12, 13, 15, 16, 17, 20, 21,
22, 235, 240, 241, 250, 251, 30, 3100-3105, 37, 3900-3909, 3920-3929, 3950-3955, 400,
401, 403, 420, 422, 7003, 8005, 8200, 90 and 91-99 (company internal; Russia's "Chestny
Znak" marking codes use 91-93). Any other AI whose first two digits are in the GS1
"predefined length" table (00-04, 11-20, 31-36, 41; ``PREDEFINED_LENGTHS``) is kept in
``raw`` because its length is known and the rest of the scan can still be read. Any other
AI is an error that names it: without its length the rest cannot be split reliably.

Values are checked: digits where the standard says numeric, the GS1 82-character set
elsewhere, GTIN/SSCC check digits, and YYMMDD dates (day 00 means the end of the month;
the century follows the GS1 sliding 50-year window). Amounts use integer arithmetic only.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from ..money import round_half_up
from . import CodeError
from .gtin import check_digit

GS = "\x1d"  # FNC1 as transmitted by scanners between variable-length fields

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
_CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)


@dataclass(frozen=True)
class AISpec:
    """How one Application Identifier's value looks."""

    title: str
    length: int  # the exact length when ``fixed``, else the maximum
    fixed: bool
    numeric: bool
    check: str = ""  # "key": ends in a GS1 mod-10 check digit; "date": YYMMDD


def _n(title: str, length: int, check: str = "") -> AISpec:
    return AISpec(title, length, True, True, check)


def _nv(title: str, max_length: int) -> AISpec:
    return AISpec(title, max_length, False, True)


def _xv(title: str, max_length: int) -> AISpec:
    return AISpec(title, max_length, False, False)


def _build_table() -> dict[str, AISpec]:
    table = {
        "00": _n("SSCC", 18, "key"),
        "01": _n("GTIN", 14, "key"),
        "02": _n("GTIN of contained items", 14, "key"),
        "10": _xv("batch/lot", 20),
        "11": _n("production date", 6, "date"),
        "12": _n("due date", 6, "date"),
        "13": _n("packaging date", 6, "date"),
        "15": _n("best before date", 6, "date"),
        "16": _n("sell by date", 6, "date"),
        "17": _n("expiry date", 6, "date"),
        "20": _n("variant", 2),
        "21": _xv("serial number", 20),
        "22": _xv("consumer product variant", 20),
        "235": _xv("third-party serial number", 28),
        "240": _xv("additional product id", 30),
        "241": _xv("customer part number", 30),
        "250": _xv("secondary serial number", 30),
        "251": _xv("reference to source", 30),
        "30": _nv("variable count", 8),
        "37": _nv("count of items", 8),
        "400": _xv("order number", 30),
        "401": _xv("consignment number", 30),
        "403": _xv("routing code", 30),
        "420": _xv("ship-to postal code", 20),
        "422": _n("country of origin", 3),
        "7003": _n("expiry date and time", 10),
        "8005": _n("price per unit", 6),
        "8200": _xv("product URL", 70),
        "90": _xv("internal data", 30),
    }
    for d in range(6):
        table[f"310{d}"] = _n(f"net weight, kg, {d} decimals", 6)
        table[f"395{d}"] = _n(f"price per unit of measure, {d} decimals", 6)
    for d in range(10):
        table[f"390{d}"] = _nv(f"amount payable, {d} decimals", 15)
        table[f"392{d}"] = _nv(f"price payable, {d} decimals", 15)
    for i in range(91, 100):
        table[str(i)] = _xv("company internal data", 90)
    return table


AI_TABLE: Mapping[str, AISpec] = MappingProxyType(_build_table())

# GS1's table of element strings with a predefined length, by the AI's first two digits:
# (AI length, value length). These need no FNC1 after them.
PREDEFINED_LENGTHS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "00": (2, 18), "01": (2, 14), "02": (2, 14), "03": (2, 14), "04": (2, 16),
        **{str(p): (2, 6) for p in range(11, 20)},
        "20": (2, 2),
        **{str(p): (4, 6) for p in range(31, 37)},
        "41": (3, 13),
    }
)

# How many digits an AI has, by its first two digits; only used to name an unknown AI.
_AI_DIGITS = {
    **{f"{p:02d}": 2 for p in range(0, 23)},
    "23": 3, "24": 3, "25": 3, "30": 2, "37": 2, "39": 4, "40": 3, "41": 3, "42": 3,
    "43": 4, "70": 4, "71": 3, "72": 4, "80": 4, "81": 4, "82": 4,
    **{str(p): 4 for p in range(31, 37)},
    **{str(p): 2 for p in range(90, 100)},
}

_SEPARATOR_HINT = (
    "if the code is longer than it should be, the scanner may be dropping the GS "
    "(FNC1) separators: configure it to transmit FNC1 as GS (0x1D)"
)


def _spec_for(ai: str) -> AISpec | None:
    spec = AI_TABLE.get(ai)
    if spec is None and ai[:2] in PREDEFINED_LENGTHS:
        ai_len, value_len = PREDEFINED_LENGTHS[ai[:2]]
        if len(ai) == ai_len:
            spec = _n(f"AI ({ai})", value_len)
    return spec


def _label(ai: str) -> str:
    spec = _spec_for(ai)
    return f"({ai}) {spec.title}" if spec and not spec.title.startswith("AI") else f"({ai})"


def _find_ai(data: str, pos: int) -> tuple[str, AISpec]:
    for size in (2, 3, 4):
        ai = data[pos:pos + size]
        if len(ai) < size or not ai.isascii() or not ai.isdigit():
            break
        spec = _spec_for(ai)
        if spec is not None:
            return ai, spec
    head = data[pos:pos + 2]
    if len(head) == 2 and head.isascii() and head.isdigit():
        size = _AI_DIGITS.get(head, 4)
        ai = data[pos:pos + size]
        raise CodeError(
            f"GS1 code: unknown Application Identifier ({ai}) at position {pos + 1}; "
            "Vitrina cannot tell where its value ends"
        )
    raise CodeError(
        f"GS1 code: expected an Application Identifier (digits) at position {pos + 1}, "
        f"found {data[pos:pos + 6]!r}"
    )


def _parse_date(ai: str, value: str, today: date) -> date:
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    # GS1 General Specifications 7.12: a sliding window of 49 years back, 50 ahead.
    century = today.year // 100 * 100
    diff = yy - today.year % 100
    if diff >= 51:
        century -= 100
    elif diff <= -50:
        century += 100
    year = century + yy
    if not 1 <= mm <= 12:
        raise CodeError(f"GS1 code: {_label(ai)} {value} is not a date (YYMMDD): month {mm:02d}")
    last = calendar.monthrange(year, mm)[1]
    if dd == 0:
        return date(year, mm, last)  # GS1: day 00 means the last day of the month
    if dd > last:
        raise CodeError(
            f"GS1 code: {_label(ai)} {value} is not a date (YYMMDD): "
            f"{year}-{mm:02d} has {last} days"
        )
    return date(year, mm, dd)


def check_value(ai: str, value: str) -> AISpec:
    """Check one value against its AI's rules; return the spec or raise :class:`CodeError`."""
    if not isinstance(ai, str) or not isinstance(value, str):
        raise CodeError("GS1 code: AIs and values must be text")
    spec = _spec_for(ai) if ai.isascii() and ai.isdigit() and 2 <= len(ai) <= 4 else None
    if spec is None:
        raise CodeError(f"GS1 code: unknown Application Identifier ({ai})")
    label = _label(ai)
    if not value:
        raise CodeError(f"GS1 code: {label} has no value")
    if spec.fixed and len(value) != spec.length:
        raise CodeError(
            f"GS1 code: {label} must be {spec.length} characters, got {len(value)}"
        )
    if len(value) > spec.length:
        raise CodeError(
            f"GS1 code: {label} is {len(value)} characters, at most {spec.length} are "
            f"allowed; {_SEPARATOR_HINT}"
        )
    if spec.numeric:
        bad = sorted({ch for ch in value if not "0" <= ch <= "9"})
        if bad:
            raise CodeError(f"GS1 code: {label} must be digits, found {bad[0]!r} in {value!r}")
    else:
        bad = sorted({ch for ch in value if ch not in _CSET82})
        if bad:
            raise CodeError(
                f"GS1 code: {label} contains {bad[0]!r}, which GS1 does not allow in "
                f"{value!r}"
            )
    if spec.check == "key":
        expected = check_digit(value[:-1])
        if int(value[-1]) != expected:
            raise CodeError(
                f"GS1 code: {label} {value} fails its check digit: it ends in {value[-1]} "
                f"but should end in {expected}"
            )
    return spec


@dataclass(frozen=True)
class GS1Data:
    """A parsed GS1 element string. ``raw`` keeps every AI and value in scan order.

    Dates are ``datetime.date``; ``net_weight_g`` is grams (from 310n, kg);
    ``price_kopecks`` is kopecks (from 392n, roubles); counts are ints.
    """

    raw: Mapping[str, str] = field(hash=False)
    gtin: str | None = None
    content_gtin: str | None = None
    sscc: str | None = None
    batch: str | None = None
    serial: str | None = None
    production_date: date | None = None
    packaging_date: date | None = None
    best_before: date | None = None
    expiry: date | None = None
    variable_count: int | None = None
    count: int | None = None
    net_weight_g: int | None = None
    price_kopecks: int | None = None
    product_url: str | None = None


def _one_of(raw: Mapping[str, str], prefix: str, what: str) -> tuple[int, str] | None:
    found = [(ai, v) for ai, v in raw.items() if ai.startswith(prefix) and ai in AI_TABLE]
    if len(found) > 1:
        shown = " and ".join(f"({ai})" for ai, _ in found)
        raise CodeError(f"GS1 code: {what} is given twice, in {shown}")
    if not found:
        return None
    ai, value = found[0]
    return int(ai[3]), value


def _net_weight_g(raw: Mapping[str, str]) -> int | None:
    hit = _one_of(raw, "310", "the net weight")
    if hit is None:
        return None
    decimals, value = hit
    # value / 10**decimals kg, in grams; beyond 3 decimals round to the nearest gram.
    return round_half_up(int(value) * 1000, 10**decimals)


def _price_kopecks(raw: Mapping[str, str]) -> int | None:
    hit = _one_of(raw, "392", "the price")
    if hit is None:
        return None
    decimals, value = hit
    kopecks, rest = divmod(int(value) * 100, 10**decimals)
    if rest:
        raise CodeError(
            f"GS1 code: price (392{decimals}) {value} with {decimals} decimals has "
            "fractions of a kopeck"
        )
    return kopecks


def _build(raw: dict[str, str], today: date) -> GS1Data:
    dates = {ai: _parse_date(ai, v, today) for ai, v in raw.items() if _spec_for(ai).check == "date"}
    return GS1Data(
        raw=MappingProxyType(raw),
        gtin=raw.get("01"),
        content_gtin=raw.get("02"),
        sscc=raw.get("00"),
        batch=raw.get("10"),
        serial=raw.get("21"),
        production_date=dates.get("11"),
        packaging_date=dates.get("13"),
        best_before=dates.get("15"),
        expiry=dates.get("17"),
        variable_count=int(raw["30"]) if "30" in raw else None,
        count=int(raw["37"]) if "37" in raw else None,
        net_weight_g=_net_weight_g(raw),
        price_kopecks=_price_kopecks(raw),
        product_url=raw.get("8200"),
    )


def _add(raw: dict[str, str], ai: str, value: str) -> None:
    check_value(ai, value)
    if ai in raw and raw[ai] != value:
        raise CodeError(f"GS1 code: {_label(ai)} appears twice with different values")
    raw[ai] = value


_HRI_AI = re.compile(r"\((\d{2,4})\)")


def _split_hri(data: str) -> dict[str, str]:
    parts = _HRI_AI.split(data)
    if parts[0].strip():
        raise CodeError(f"GS1 code: text before the first (AI): {parts[0][:20]!r}")
    raw: dict[str, str] = {}
    for ai, value in zip(parts[1::2], parts[2::2]):
        _add(raw, ai, value.strip(" " + GS))
    return raw


def _split_element_string(data: str) -> dict[str, str]:
    raw: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        if data[pos] == GS:  # leading FNC1, or a separator after a fixed-length value
            pos += 1
            continue
        ai, spec = _find_ai(data, pos)
        start = pos + len(ai)
        if spec.fixed:
            end = start + spec.length
            if end > len(data):
                got = len(data) - start
                raise CodeError(
                    f"GS1 code: cut short: {_label(ai)} needs {spec.length} characters, "
                    f"only {got} follow"
                )
            if GS in data[start:end]:
                raise CodeError(
                    f"GS1 code: {_label(ai)} needs {spec.length} characters before the "
                    "next separator"
                )
        else:
            end = data.find(GS, start)
            if end == -1:
                end = len(data)
        _add(raw, ai, data[start:end])
        pos = end
    return raw


def parse_gs1(data: str, *, today: date | None = None) -> GS1Data:
    """Parse a GS1 element string (GS-separated, or the ``(01)...`` printed form).

    ``today`` picks the century of two-digit years (default: the current date).
    Raises :class:`CodeError` naming the AI and what is wrong with it.
    """
    if not isinstance(data, str):
        raise CodeError(f"GS1 code must be text, got {type(data).__name__}")
    body = data.strip(" \r\n\t")
    if not body.strip(GS):
        raise CodeError("GS1 code is empty")
    raw = _split_hri(body) if body.startswith("(") else _split_element_string(body)
    return _build(raw, today or date.today())


def encode_gs1(elements: Mapping[str, str], *, human_readable: bool = False) -> str:
    """Encode ``{ai: value}`` as an element string, with GS only where one is needed.

    Predefined-length elements go first (in the given order), so fewer separators are
    needed; the result parses back to the same ``raw``. With ``human_readable=True`` the
    result is the ``(01)...(10)...`` text printed under a barcode, in the given order.
    """
    if not elements:
        raise CodeError("GS1 code: nothing to encode")
    for ai, value in elements.items():
        check_value(ai, value)
    if human_readable:
        for ai, value in elements.items():
            if _HRI_AI.search(value):
                raise CodeError(
                    f"GS1 code: {_label(ai)} {value!r} contains '(digits)', which cannot "
                    "be told apart from an AI in the printed form"
                )
        return "".join(f"({ai}){value}" for ai, value in elements.items())
    predefined = [ai for ai in elements if ai[:2] in PREDEFINED_LENGTHS]
    others = [ai for ai in elements if ai[:2] not in PREDEFINED_LENGTHS]
    out = [ai + elements[ai] for ai in predefined]
    for i, ai in enumerate(others):
        out.append(ai + elements[ai] + (GS if i < len(others) - 1 else ""))
    return "".join(out)
