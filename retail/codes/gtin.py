"""GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) check digits and validation.

Scanners hand us digits; a misread or a mistyped digit is caught by the GS1 mod-10 check
digit, so every GTIN that enters Vitrina goes through :func:`validate_gtin` or
:func:`is_valid_gtin` first (python-escpos does not check them when printing either).

Canonical form: :func:`normalize_gtin` left-pads to 14 digits (GTIN-14), the form GS1
element strings carry in AI (01). An EAN-13 ``4601234567893``, the same item read from a
GS1 DataMatrix as ``04601234567893``, and a UPC-A ``012345678905`` read by a scanner that
reports it as EAN-13 ``0012345678905`` all meet in one key. Catalogue lookups should key
barcodes on ``normalize_gtin(code)``.
"""
from __future__ import annotations

from . import CodeError

GTIN_LENGTHS = (8, 12, 13, 14)
_NAMES = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}


def _require_digits(text: str, what: str) -> None:
    if not isinstance(text, str):
        raise CodeError(f"{what} must be text, got {type(text).__name__}")
    if not text:
        raise CodeError(f"{what} is empty")
    # str.isdigit() also accepts '²' and Arabic-Indic digits; barcodes are ASCII.
    bad = sorted({ch for ch in text if not ("0" <= ch <= "9")})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad[:5])
        raise CodeError(f"{what} {text!r} must contain only digits 0-9, found {shown}")


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (every digit but the last).

    Works for any GS1 key length (GTIN-8/12/13/14 bodies of 7/11/12/13 digits, SSCC's 17):
    weights 3, 1, 3, 1, ... are applied from the rightmost body digit leftwards.
    """
    _require_digits(body, "barcode body")
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def validate_gtin(code: str) -> str:
    """Return ``code`` (surrounding whitespace removed) if it is a valid GTIN.

    Raises :class:`CodeError` saying what is wrong: the length, a non-digit character, or
    the check digit (with the digit the barcode should end in).
    """
    if not isinstance(code, str):
        raise CodeError(f"barcode must be text, got {type(code).__name__}")
    code = code.strip()
    if not code:
        raise CodeError("barcode is empty")
    _require_digits(code, "barcode")
    if len(code) not in GTIN_LENGTHS:
        raise CodeError(
            f"barcode {code} has {len(code)} digits; a GTIN has 8, 12, 13 or 14 digits"
        )
    expected = check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise CodeError(
            f"{_NAMES[len(code)]} {code} fails its check digit: it ends in {code[-1]} but "
            f"the digits before it need {expected}; the barcode was misread or mistyped"
        )
    return code


def is_valid_gtin(code: object) -> bool:
    """True for an 8, 12, 13 or 14 digit string with a correct check digit; never raises."""
    if not isinstance(code, str) or code != code.strip():
        return False
    try:
        validate_gtin(code)
    except CodeError:
        return False
    return True


def normalize_gtin(code: str) -> str:
    """Validate ``code`` and return it as GTIN-14 (left-padded with zeros).

    ``'4601234567893'`` -> ``'04601234567893'``. Padding keeps the check digit valid,
    because the weights are counted from the right.
    """
    return validate_gtin(code).zfill(14)


def with_check_digit(body: str) -> str:
    """``body`` followed by its check digit, for a GTIN body of 7, 11, 12 or 13 digits."""
    _require_digits(body, "barcode body")
    if len(body) + 1 not in GTIN_LENGTHS:
        raise CodeError(
            f"barcode body {body} has {len(body)} digits; a GTIN body has 7, 11, 12 or 13"
        )
    return body + str(check_digit(body))


def make_ean13(body12: str) -> str:
    """An EAN-13 from its first 12 digits: ``make_ean13('460123456789')`` -> ``'4601234567893'``."""
    _require_digits(body12, "EAN-13 body")
    if len(body12) != 12:
        raise CodeError(f"EAN-13 body {body12} has {len(body12)} digits, it needs 12")
    return body12 + str(check_digit(body12))
