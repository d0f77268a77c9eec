"""AIM symbology identifiers (ISO/IEC 15424): which kind of barcode a scan came from.

A scanner configured to send them prefixes every code with ``]`` + a code character + a
modifier, e.g. ``]E0`` for EAN-13 or ``]d2`` for GS1 DataMatrix. Knowing the symbology
matters: GS1 data (``]C1``, ``]d2``, ``]Q3``, ``]e0``) is parsed by application
identifiers, a 13-digit EAN is a GTIN, and a QR payload may be a URL or a signed code.
The table is data, not code, so adding a symbology is one line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Symbology:
    """One barcode symbology; ``aim`` is its identifier as sent by the scanner."""

    aim: str
    name: str
    gs1: bool = False


# Code character -> family name, for modifiers the table below does not list.
FAMILIES = {
    "A": "Code 39", "C": "Code 128", "E": "EAN/UPC", "F": "Codabar", "G": "Code 93",
    "H": "Code 11", "I": "Interleaved 2 of 5", "L": "PDF417", "M": "MSI",
    "Q": "QR Code", "R": "Straight 2 of 5", "S": "Straight 2 of 5", "U": "MaxiCode",
    "X": "Other", "d": "Data Matrix", "e": "GS1 DataBar", "z": "Aztec",
}

_TABLE = [
    Symbology("]A0", "Code 39"),
    Symbology("]C0", "Code 128"),
    Symbology("]C1", "GS1-128", gs1=True),
    Symbology("]C2", "Code 128 (AIM)"),
    Symbology("]E0", "EAN-13"),
    Symbology("]E1", "EAN-2 add-on"),
    Symbology("]E2", "EAN-5 add-on"),
    Symbology("]E3", "EAN-13 with add-on"),
    Symbology("]E4", "EAN-8"),
    Symbology("]F0", "Codabar"),
    Symbology("]G0", "Code 93"),
    Symbology("]I0", "Interleaved 2 of 5"),
    Symbology("]I1", "ITF-14"),
    Symbology("]L0", "PDF417"),
    Symbology("]L2", "PDF417 (ECI)"),
    Symbology("]Q0", "QR Code model 1"),
    Symbology("]Q1", "QR Code"),
    Symbology("]Q2", "QR Code (ECI)"),
    Symbology("]Q3", "GS1 QR Code", gs1=True),
    Symbology("]Q4", "GS1 QR Code (ECI)", gs1=True),
    Symbology("]Q5", "QR Code (AIM)"),
    Symbology("]d0", "Data Matrix ECC 000-140"),
    Symbology("]d1", "Data Matrix"),
    Symbology("]d2", "GS1 DataMatrix", gs1=True),
    Symbology("]d3", "Data Matrix (AIM)"),
    Symbology("]d4", "Data Matrix (ECI)"),
    Symbology("]d5", "GS1 DataMatrix (ECI)", gs1=True),
    Symbology("]e0", "GS1 DataBar", gs1=True),
    Symbology("]z0", "Aztec"),
    Symbology("]z1", "Aztec (GS1)", gs1=True),
    Symbology("]X0", "Other"),
]
AIM_TABLE: dict[str, Symbology] = {s.aim: s for s in _TABLE}

_AIM_RE = re.compile(r"\][A-Za-z][0-9A-Za-z]")


def lookup(aim: str) -> Optional[Symbology]:
    """The symbology for an identifier such as ``"]E0"``; None if it is not one we know.

    Identifiers with a known code character but an unlisted modifier are still accepted
    under their family name, so a scanner's newer variant is not mistaken for data.
    """
    if not _AIM_RE.fullmatch(aim):
        return None
    known = AIM_TABLE.get(aim)
    if known is not None:
        return known
    family = FAMILIES.get(aim[1])
    return Symbology(aim, f"{family} ({aim})") if family else None


def split_aim(text: str) -> tuple[Optional[Symbology], str]:
    """Detect and strip a leading AIM identifier: ``"]E04600000000000"`` -> (EAN-13, digits)."""
    symbology = lookup(text[:3]) if len(text) >= 3 else None
    return (symbology, text[3:]) if symbology else (None, text)


def by_name(name: str) -> Optional[Symbology]:
    """A table entry by its name, case-insensitively (``"ean-13"``); None if absent."""
    wanted = name.casefold()
    return next((s for s in _TABLE if s.name.casefold() == wanted), None)
