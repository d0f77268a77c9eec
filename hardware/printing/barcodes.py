"""Barcode data checks before anything reaches the printer.

python-escpos only checks length and character set, so an EAN-13 with a wrong check digit
prints as a barcode no scanner will accept (or, on printers that recompute the digit, as a
different product). We verify GS1 check digits with ``retail.codes.gtin`` — the same rules
the scanners' input goes through — and append the digit when a layout leaves it off.
"""
from __future__ import annotations

import re

from retail.codes import CodeError
from retail.codes.gtin import check_digit, validate_gtin

from .errors import DocumentError

#: Our names -> (python-escpos name, GTIN length or None).
SYMBOLOGIES = {
    "EAN13": ("EAN13", 13),
    "EAN8": ("EAN8", 8),
    "UPCA": ("UPC-A", 12),
    "CODE128": ("CODE128", None),
    "CODE39": ("CODE39", None),
    "ITF": ("ITF", None),
}
_CODE39 = re.compile(r"^[0-9A-Z \-.$/+%]{1,40}$")
_PRINTABLE_ASCII = re.compile(r"^[\x20-\x7e]{1,80}$")


def normalize_barcode(symbology: str, data: str) -> tuple[str, str]:
    """``("ean-13", "400638133393")`` -> ``("EAN13", "4006381333931")``, or DocumentError."""
    if not isinstance(symbology, str):
        raise DocumentError(f"barcode type must be text, got {type(symbology).__name__}")
    key = "".join(ch for ch in symbology.upper() if ch.isalnum())
    if key not in SYMBOLOGIES:
        raise DocumentError(f"barcode type {symbology!r} is not supported; use one of "
                            "EAN13, EAN8, UPC-A, CODE128, CODE39, ITF")
    if not isinstance(data, str):
        raise DocumentError(f"barcode data must be text, got {type(data).__name__}")
    data = data.strip()
    length = SYMBOLOGIES[key][1]
    if length is not None:
        if len(data) == length - 1 and data.isascii() and data.isdigit():
            data += str(check_digit(data))
        if len(data) != length:
            raise DocumentError(f"{SYMBOLOGIES[key][0]} needs {length} digits (or {length - 1} "
                                f"without the check digit), got {len(data)}: {data!r}")
        try:
            validate_gtin(data)
        except CodeError as exc:
            raise DocumentError(f"cannot print barcode: {exc}") from exc
    elif key == "CODE128":
        if not _PRINTABLE_ASCII.match(data):
            raise DocumentError(f"CODE128 data must be 1-80 printable ASCII characters, got {data!r}")
    elif key == "CODE39":
        if not _CODE39.match(data):
            raise DocumentError("CODE39 data must be 1-40 characters of 0-9, A-Z, space and "
                                f"- . $ / + %, got {data!r}")
    elif key == "ITF":
        if not (data.isascii() and data.isdigit() and len(data) % 2 == 0 and 2 <= len(data) <= 40):
            raise DocumentError(f"ITF data must be an even number (2-40) of digits, got {data!r}")
    return key, data


def escpos_arguments(symbology: str, data: str) -> tuple[str, str, str]:
    """(escpos barcode name, data as the printer wants it, function type A/B)."""
    name = SYMBOLOGIES[symbology][0]
    if symbology == "CODE128":
        # Code set B covers printable ASCII; a literal '{' is written '{{'.
        return name, "{B" + data.replace("{", "{{"), "B"
    return name, data, "A"


def barcode_width_dots(symbology: str, data: str, module_width: int) -> int:
    """Approximate printed width, to refuse a barcode wider than the paper before printing."""
    if symbology in ("EAN13", "UPCA"):
        modules = 95
    elif symbology == "EAN8":
        modules = 67
    elif symbology == "CODE128":
        modules = 11 * (len(data) + 3) + 2
    elif symbology == "CODE39":
        modules = 16 * (len(data) + 2)
    else:  # ITF: 9 modules per digit with wide bars at 2.5x, plus start/stop
        modules = 9 * len(data) + 9
    return modules * module_width
