"""Money in integer kopecks: the one place that rounds, allocates, formats and parses.

Every amount in Vitrina is an ``int`` of minor units (kopecks). Quantities are integer
thousandths ("milli-units"): 1 piece = 1000, 1 kg = 1000 g. Percentages and VAT rates are
integer basis points (1 % = 100 bp). No float ever touches money.
"""
from __future__ import annotations

import re

KOPECKS_PER_RUBLE = 100
MILLI = 1000  # quantity scale: 1 piece or 1 kg
BP = 10_000  # basis points in 100 %


class MoneyError(ValueError):
    """A typed amount that cannot be read as money; the message says why, for a person."""


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero."""
    if denominator == 0:
        raise ZeroDivisionError("denominator is zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    sign = -1 if numerator < 0 else 1
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return sign * q


def line_amount(unit_price: int, qty_milli: int) -> int:
    """Price of ``qty_milli`` thousandths of a unit (pieces or kg) at ``unit_price``."""
    return round_half_up(unit_price * qty_milli, MILLI)


def percent_of(amount: int, bp: int) -> int:
    """``bp`` basis points of ``amount``, rounded half up."""
    return round_half_up(amount * bp, BP)


def vat_included(gross: int, rate_bp: int) -> int:
    """VAT contained in a VAT-inclusive ``gross`` at ``rate_bp`` (20 % -> 2000)."""
    return round_half_up(gross * rate_bp, BP + rate_bp)


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights``; the parts always sum to ``total``.

    Each part but the last is its share rounded half up; the remainder lands on the last
    line with a non-zero weight, as the architecture asks, so receipts and central agree
    to the kopeck. With many tiny shares the rounded parts can overshoot the total
    (2 kopecks over 4 lines: 1+1+1 = 3); then the remainder would be negative, so the
    overshoot is taken back from the latest parts instead and no part ever has the
    opposite sign of the total.
    """
    if not weights:
        if total:
            raise ValueError("cannot allocate a non-zero total over no lines")
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    base = sum(weights)
    parts = [0] * len(weights)
    if base == 0:
        parts[-1] = total
        return parts
    sign, magnitude = (-1, -total) if total < 0 else (1, total)
    last = max(i for i, w in enumerate(weights) if w)
    given = 0
    for i in range(last):
        parts[i] = round_half_up(magnitude * weights[i], base)
        given += parts[i]
    parts[last] = magnitude - given
    i = last - 1
    while parts[last] < 0:  # overshoot: give kopecks back from the latest parts
        take = min(parts[i], -parts[last])
        parts[i] -= take
        parts[last] += take
        i -= 1
    return [sign * p for p in parts]


def allocate_capped(total: int, caps: list[int]) -> list[int]:
    """Allocate ``total`` in proportion to ``caps`` without any part exceeding its cap.

    Used for order-level discounts: a line can never be discounted below zero. ``total``
    must not exceed ``sum(caps)``.
    """
    if total > sum(caps):
        raise ValueError("total exceeds what the lines can absorb")
    parts = allocate(total, caps)
    # Half-up rounding can push a part one kopeck past its cap; move the excess along.
    excess = 0
    for i, cap in enumerate(caps):
        if parts[i] > cap:
            excess += parts[i] - cap
            parts[i] = cap
    i = len(caps) - 1
    while excess and i >= 0:
        room = caps[i] - parts[i]
        take = min(room, excess)
        parts[i] += take
        excess -= take
        i -= 1
    return parts


def _group(digits: str, sep: str) -> str:
    out = []
    while len(digits) > 3:
        out.append(digits[-3:])
        digits = digits[:-3]
    out.append(digits)
    return sep.join(reversed(out))


def format_money(kopecks: int, lang: str = "ru") -> str:
    """``123450`` -> ``'1 234,50 ₽'`` (ru) or ``'RUB 1,234.50'`` (en)."""
    if not isinstance(kopecks, int) or isinstance(kopecks, bool):
        raise TypeError(f"money must be int kopecks, got {type(kopecks).__name__}")
    sign = "-" if kopecks < 0 else ""
    rub, kop = divmod(abs(kopecks), KOPECKS_PER_RUBLE)
    if lang == "ru":
        return f"{sign}{_group(str(rub), ' ')},{kop:02d} ₽"
    return f"{sign}RUB {_group(str(rub), ',')}.{kop:02d}"


_STRIP = re.compile(r"[\s\u00a0\u202f₽]|руб\.?|р\.|RUB", re.IGNORECASE)


def parse_money(text: str, *, allow_negative: bool = False) -> int:
    """Read a typed amount (``'1 234,50'``, ``'1234.5'``, ``'99 ₽'``) as kopecks.

    Raises :class:`MoneyError` with a message a cashier can act on.
    """
    if text is None:
        raise MoneyError("enter an amount")
    raw = str(text)
    s = _STRIP.sub("", raw)
    if not s:
        raise MoneyError("enter an amount")
    negative = s.startswith("-")
    if negative:
        if not allow_negative:
            raise MoneyError(f"amount must not be negative: {raw!r}")
        s = s[1:]
    if not re.fullmatch(r"[0-9.,]+", s):
        raise MoneyError(f"not an amount: {raw!r}")
    seps = [i for i, ch in enumerate(s) if ch in ".,"]
    if seps:
        last = seps[-1]
        whole, frac = s[:last], s[last + 1:]
        # Any earlier separators are thousands groups: they must sit every three digits.
        groups = re.split(r"[.,]", whole)
        if len(groups) > 1 and (not groups[0] or any(len(g) != 3 for g in groups[1:])
                                or s[last] in whole):
            raise MoneyError(f"not an amount: {raw!r}")
        if len(groups) == 1 and len(frac) == 3 and len(seps) == 1 and s[last] != ",":
            # "1.234" is ambiguous; in the en convention it is a thousands group.
            raise MoneyError(f"ambiguous amount {raw!r}: write 1234 or 1.23")
        whole = "".join(groups)
        if len(frac) > 2:
            raise MoneyError(f"at most two digits after the decimal point: {raw!r}")
        if not whole and not frac:
            raise MoneyError(f"not an amount: {raw!r}")
    else:
        whole, frac = s, ""
    value = int(whole or "0") * KOPECKS_PER_RUBLE + int((frac + "00")[:2])
    if value > 10**13:
        raise MoneyError(f"amount too large: {raw!r}")
    return -value if negative else value
