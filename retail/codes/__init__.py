"""Barcodes and QR codes Vitrina reads and writes: pure, UI-free, standard library only.

- :mod:`.gtin`    GTIN check digits (EAN-8, UPC-A, EAN-13, GTIN-14)
- :mod:`.gs1`     GS1 element strings from GS1-128, GS1 DataMatrix and GS1 QR
- :mod:`.instore` the store's own weight/price/loyalty EAN-13s (prefixes 20-29)
- :mod:`.signed`  HMAC-signed pickup, receipt and basket hand-off QR codes
- :mod:`.scan`    one scanned string -> one typed result, for both apps and the scanners

Every problem with a code is a :class:`CodeError` (a ``ValueError``) whose message a
cashier or a technician can act on.
"""
from __future__ import annotations


class CodeError(ValueError):
    """A barcode or QR code that cannot be used; the message says why, for a person."""


# The submodules import CodeError from this package, so it is defined above these imports.
from .gtin import (  # noqa: E402
    check_digit,
    is_valid_gtin,
    make_ean13,
    normalize_gtin,
    validate_gtin,
    with_check_digit,
)
from .gs1 import GS, GS1Data, encode_gs1, parse_gs1  # noqa: E402
from .instore import (  # noqa: E402
    DEFAULT_SCHEME,
    CardCode,
    InStoreRule,
    InStoreScheme,
    PriceCode,
    WeightCode,
    make_card_barcode,
    make_price_barcode,
    make_weight_barcode,
    parse_instore,
)
from .signed import SignatureError, SignedPayload, peek_kind, sign, verify  # noqa: E402
from .scan import (  # noqa: E402
    GS1Scan,
    GtinScan,
    InStoreScan,
    LoyaltyCardScan,
    ProductUrlScan,
    ScanResult,
    SignedScan,
    Unrecognised,
    classify,
)

__all__ = [
    "CodeError",
    # gtin
    "check_digit",
    "is_valid_gtin",
    "make_ean13",
    "normalize_gtin",
    "validate_gtin",
    "with_check_digit",
    # gs1
    "GS",
    "GS1Data",
    "encode_gs1",
    "parse_gs1",
    # instore
    "DEFAULT_SCHEME",
    "CardCode",
    "InStoreRule",
    "InStoreScheme",
    "PriceCode",
    "WeightCode",
    "make_card_barcode",
    "make_price_barcode",
    "make_weight_barcode",
    "parse_instore",
    # signed
    "SignatureError",
    "SignedPayload",
    "peek_kind",
    "sign",
    "verify",
    # scan
    "GS1Scan",
    "GtinScan",
    "InStoreScan",
    "LoyaltyCardScan",
    "ProductUrlScan",
    "ScanResult",
    "SignedScan",
    "Unrecognised",
    "classify",
]
