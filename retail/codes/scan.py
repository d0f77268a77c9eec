"""One scanned string -> one typed result. Used by the kiosk, the POS and the scanner layer.

:func:`classify` never raises: anything it cannot use comes back as
:class:`Unrecognised` with a reason a cashier or technician can act on. It first trims
whitespace and control characters around the data (scanner suffixes CR/LF/Tab, a leading
FNC1) and an AIM symbology identifier at the front (``]E0``, ``]C1``, ``]d2``, ``]Q3``...)
when the scanner is set to send one; the hardware layer may also pass it as
``symbology``. GS1 symbologies (``]C1`` GS1-128, ``]e0`` GS1 DataBar, ``]d2`` GS1
DataMatrix, ``]Q3`` GS1 QR, ``]J1`` GS1 DotCode) are always read as GS1 element strings;
EAN/UPC symbologies (``]E0``-``]E4``) always as digits.

What it recognises:

- ``VT1.`` codes -> :class:`SignedScan` (kind read without the key; call
  :func:`retail.codes.signed.verify` before trusting it);
- ``LC:<digits>`` -> :class:`LoyaltyCardScan`: the QR a loyalty app shows. The digits are
  the card number as printed (4-32 digits); a 13-digit number under a loyalty prefix of
  the store's scheme must have a correct EAN-13 check digit, so the app's QR and the
  plastic card's EAN-13 give the same number;
- a URL starting with one of ``product_url_prefixes`` -> :class:`ProductUrlScan` with
  the SKU from ``.../p/<sku>`` (query and fragment ignored, percent-decoding applied);
- a GS1 Digital Link URL (``https://id.gs1.org/01/<gtin>/10/<lot>?17=<date>``) and
  GS1 element strings (with GS separators, or the printed ``(01)...`` form) ->
  :class:`GS1Scan`;
- 8, 12, 13 or 14 digits -> :class:`InStoreScan` or :class:`LoyaltyCardScan` for the
  store's prefix-2 EAN-13s (see :mod:`retail.codes.instore`), else :class:`GtinScan`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, unquote, urlsplit

from . import CodeError
from .gs1 import GS, GS1Data, encode_gs1, parse_gs1
from .gtin import GTIN_LENGTHS, normalize_gtin
from .instore import DEFAULT_SCHEME, CardCode, InStoreScheme, PriceCode, WeightCode, parse_instore
from .signed import read_kind

MAX_SCAN_CHARS = 8000  # a QR code holds at most 7089 characters
GS1_SYMBOLOGIES = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_LOYALTY_QR = re.compile(r"LC:([0-9]{4,32})", re.IGNORECASE)
_SIGNED = re.compile(r"VT\d+\.")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class GtinScan:
    """A product barcode. ``gtin`` is GTIN-14 (:func:`normalize_gtin`); ``scanned`` as read."""

    gtin: str
    scanned: str


@dataclass(frozen=True)
class InStoreScan:
    """A scale or price label printed in the store."""

    label: WeightCode | PriceCode


@dataclass(frozen=True)
class LoyaltyCardScan:
    """A loyalty card: the plastic card's EAN-13 or the app's ``LC:`` QR."""

    number: str


@dataclass(frozen=True)
class GS1Scan:
    """A GS1 element string (GS1-128, GS1 DataMatrix or QR, DataBar, Digital Link)."""

    data: GS1Data


@dataclass(frozen=True)
class SignedScan:
    """A Vitrina signed code, recognised but NOT verified; ``kind`` is only a claim."""

    kind: str
    code: str


@dataclass(frozen=True)
class ProductUrlScan:
    """The QR on a shelf label or in the web shop linking to a product page."""

    url: str
    sku: str


@dataclass(frozen=True)
class Unrecognised:
    """Something Vitrina cannot use; ``reason`` says why, for a person."""

    data: str
    reason: str


ScanResult = GtinScan | InStoreScan | LoyaltyCardScan | GS1Scan | SignedScan | ProductUrlScan | Unrecognised


def _is_noise(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def _trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_noise(text[start]):
        start += 1
    while end > start and _is_noise(text[end - 1]):
        end -= 1
    return text[start:end]


def _digits(text: str, scheme: InStoreScheme) -> ScanResult:
    if not (text.isascii() and text.isdigit()):
        return Unrecognised(text, "an EAN/UPC barcode must be digits only")
    if len(text) not in GTIN_LENGTHS:
        return Unrecognised(
            text, f"{len(text)} digits is not a product barcode: EAN/UPC have 8, 12, 13 or 14"
        )
    try:
        label = parse_instore(text, scheme)
        if isinstance(label, CardCode):
            return LoyaltyCardScan(label.number)
        if label is not None:
            return InStoreScan(label)
        return GtinScan(normalize_gtin(text), text)
    except CodeError as e:
        return Unrecognised(text, str(e))


def _gs1(text: str, today: date | None) -> ScanResult:
    try:
        return GS1Scan(parse_gs1(text, today=today))
    except CodeError as e:
        return Unrecognised(text, str(e))


def _signed(text: str) -> ScanResult:
    try:
        return SignedScan(read_kind(text), text)
    except CodeError as e:
        return Unrecognised(text, str(e))


def _loyalty_qr(text: str, number: str, scheme: InStoreScheme) -> ScanResult:
    if len(number) == 13:
        try:
            label = parse_instore(number, scheme)
        except CodeError as e:
            return Unrecognised(text, str(e))
        if label is not None and not isinstance(label, CardCode):
            return Unrecognised(text, f"loyalty QR carries {number}, which is a scale label number")
    return LoyaltyCardScan(number)


def _digital_link(text: str, today: date | None) -> ScanResult | None:
    """A GS1 Digital Link URI, or None when the URL is not one."""
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    segments = [unquote(s) for s in parts.path.split("/")]
    for i in range(len(segments) - 1):
        if segments[i] == "01" and segments[i + 1].isascii() and segments[i + 1].isdigit():
            break
    else:
        return None
    pairs = segments[i:]
    if len(pairs) % 2 or "" in pairs:
        return Unrecognised(text, "GS1 Digital Link: the path must be AI/value pairs")
    raw = dict(zip(pairs[0::2], pairs[1::2]))
    raw["01"] = raw["01"].zfill(14) if len(raw["01"]) in GTIN_LENGTHS else raw["01"]
    for key, value in parse_qsl(parts.query):
        if key.isascii() and key.isdigit() and key not in raw:
            raw[key] = value
    try:
        return GS1Scan(parse_gs1(encode_gs1(raw), today=today))
    except CodeError as e:
        return Unrecognised(text, f"GS1 Digital Link: {e}")


def _url(text: str, prefixes: tuple[str, ...], today: date | None) -> ScanResult:
    lowered = text.lower()
    for prefix in prefixes:
        if prefix and lowered.startswith(prefix.lower()):
            rest = re.split(r"[?#]", text[len(prefix):], maxsplit=1)[0].rstrip("/")
            sku = unquote(rest)
            if not sku or "/" in sku or len(sku) > 100:
                return Unrecognised(text, "a Vitrina product link, but without a product code")
            return ProductUrlScan(text, sku)
    found = _digital_link(text, today)
    if found is not None:
        return found
    return Unrecognised(text, "a web link, not a Vitrina product page")


def _looks_like_gs1(text: str) -> bool:
    if GS in text or re.match(r"\(\d{2,4}\)", text):
        return True
    # (01)+GTIN or (00)+SSCC at the front, longer than a bare GTIN: GS1 data whose
    # symbology identifier was not sent (and perhaps whose GS separators were dropped).
    return bool(re.match(r"0[12][0-9]{14}|00[0-9]{18}", text))


def classify(
    data: str | bytes,
    *,
    symbology: str | None = None,
    scheme: InStoreScheme = DEFAULT_SCHEME,
    product_url_prefixes: tuple[str, ...] = ("https://vitrina.example/p/",),
    today: date | None = None,
) -> ScanResult:
    """Turn one scan into a typed result; never raises. ``today`` dates GS1 years."""
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data).decode("utf-8", errors="replace")
    if not isinstance(data, str):
        return Unrecognised("", "the scanner sent no text")
    text = _trim(data)
    sym = symbology if isinstance(symbology, str) and _AIM.fullmatch(symbology) else None
    if _AIM.match(text):
        sym = sym or text[:3]
        text = _trim(text[3:])
    if not text:
        return Unrecognised(text, "empty scan")
    if len(text) > MAX_SCAN_CHARS:
        return Unrecognised(text[:40], f"{len(text)} characters is more than any barcode holds")
    if sym in GS1_SYMBOLOGIES:
        return _gs1(text, today)
    if sym is not None and sym.startswith("]E"):
        return _digits(text, scheme)
    if _SIGNED.match(text):
        return _signed(text)
    loyalty = _LOYALTY_QR.fullmatch(text)
    if loyalty:
        return _loyalty_qr(text, loyalty[1], scheme)
    if re.match(r"https?://", text, re.IGNORECASE):
        return _url(text, product_url_prefixes, today)
    if text.isascii() and text.isdigit() and len(text) in GTIN_LENGTHS:
        return _digits(text, scheme)
    if _looks_like_gs1(text):
        return _gs1(text, today)
    if text.isascii() and text.isdigit():
        return _digits(text, scheme)
    reason = "not a barcode or QR code Vitrina knows"
    if _CYRILLIC.search(text):
        reason += (
            "; it contains Cyrillic letters, so a keyboard scanner may be typing in the "
            "Russian layout: switch the terminal's input language to English"
        )
    return Unrecognised(text, reason)
