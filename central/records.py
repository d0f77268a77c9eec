"""Protocol-shaped rows -> checked column tuples, for every kind of reference data.

The seed (demo chain), the ERP import and the tests all write reference data through
these functions, so a row is checked the same way whichever door it comes in by: types
(ints are ints, never floats or bools), ranges, the closed vocabularies (unit, role,
price kind) and GTIN check digits. They raise :class:`central.errors.Invalid` naming the
row and the field. They are plain functions over dicts, cheap enough for a million rows.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from retail.codes import CodeError
from retail.codes.gtin import validate_gtin
from retail.pricing import Promotion, PromotionError

from .errors import Invalid

LOCATION_ID = re.compile(r"^[A-Z0-9]{1,12}$")
UNITS = ("pcs", "kg")
ROLES = ("cashier", "manager", "technician")
PRICE_KINDS = ("regular", "label")
_KID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_HEX = re.compile(r"^(?:[0-9a-fA-F]{2})+$")
MAX_TEXT = 2000
# One encoder, made once: json.dumps with options builds a new encoder on every call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


class _Where:
    """Names the row in an error message; built lazily, so a good row costs nothing."""

    __slots__ = ("kind", "row", "key")

    def __init__(self, kind: str, row: Mapping, key: str) -> None:
        self.kind, self.row, self.key = kind, row, key

    def __str__(self) -> str:
        value = self.row.get(self.key) if isinstance(self.row, Mapping) else None
        return f"{self.kind} {value}" if value not in (None, "") else self.kind


def _where(kind: str, row: Mapping, key: str) -> _Where:
    return _Where(kind, row, key)


def text(row: Mapping, name: str, where: str, *, required: bool = True, default: str = "",
         max_len: int = MAX_TEXT) -> str:
    value = row.get(name)
    if value is None or value == "":
        if required:
            raise Invalid(f"{where}: {name} is missing")
        return default
    if not isinstance(value, str):
        raise Invalid(f"{where}: {name} must be text, got {value!r}")
    if len(value) > max_len:
        raise Invalid(f"{where}: {name} is longer than {max_len} characters")
    return value


def ident(row: Mapping, name: str, where: str, *, required: bool = True) -> str | None:
    """An id: text, or an integer (ERP exports often number categories); stored as text."""
    value = row.get(name)
    if type(value) is str and 0 < len(value) <= 64 and not value[0].isspace() and not value[-1].isspace():
        return value
    if value is None or value == "":
        if required:
            raise Invalid(f"{where}: {name} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Invalid(f"{where}: {name} must be a string or integer id, got {value!r}")
    value = str(value).strip()
    if not value or len(value) > 64:
        raise Invalid(f"{where}: {name} must be 1-64 characters")
    return value


def integer(row: Mapping, name: str, where: str, *, low: int | None = None, high: int | None = None,
            required: bool = True, default: int | None = None) -> int | None:
    value = row.get(name)
    if type(value) is int and (low is None or value >= low) and (high is None or value <= high):
        return value
    if value is None:
        if required:
            raise Invalid(f"{where}: {name} is missing")
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{where}: {name} must be a whole number, got {value!r}")
    if low is not None and value < low:
        raise Invalid(f"{where}: {name} must be at least {low}, got {value}")
    if high is not None and value > high:
        raise Invalid(f"{where}: {name} must be at most {high}, got {value}")
    return value


def flag(row: Mapping, name: str, where: str, default: bool) -> int:
    value = row.get(name, default)
    if value is None:
        return int(default)
    if isinstance(value, bool):
        return int(value)
    if value in (0, 1):
        return int(value)
    raise Invalid(f"{where}: {name} must be true or false, got {value!r}")


def location_id(value: Any, where: str, name: str = "store") -> str:
    if not isinstance(value, str) or not LOCATION_ID.match(value):
        raise Invalid(f"{where}: {name} id must be 1-12 capital letters or digits, got {value!r}")
    return value


def _json(value: Any, where: str, name: str, kind: type) -> str:
    if not value and (value is None or type(value) is kind):
        return "{}" if kind is dict else "[]"
    if not isinstance(value, kind):
        raise Invalid(f"{where}: {name} must be a JSON {'object' if kind is dict else 'list'}")
    return _ENCODE(value)


def location(row: Mapping) -> tuple:
    where = _where("store", row, "id")
    kind = row.get("kind", "store")
    if kind not in ("store", "warehouse"):
        raise Invalid(f"{where}: kind must be 'store' or 'warehouse', got {kind!r}")
    return (
        location_id(row.get("id"), where), text(row, "name_ru", where),
        text(row, "name_en", where, required=False) or text(row, "name_ru", where), kind,
        text(row, "city_ru", where, required=False), text(row, "city_en", where, required=False),
        text(row, "address", where, required=False),
        text(row, "timezone", where, required=False, default="Europe/Moscow"),
        flag(row, "pickup", where, kind == "store"),
        integer(row, "delivery_days", where, low=0, high=365, required=False, default=2),
    )


def category(row: Mapping) -> tuple:
    where = _where("category", row, "id")
    return (ident(row, "id", where), ident(row, "parent_id", where, required=False),
            text(row, "name_ru", where), text(row, "name_en", where, required=False) or text(row, "name_ru", where),
            integer(row, "sort", where, required=False, default=0))


def brand(row: Mapping) -> tuple:
    where = _where("brand", row, "id")
    return ident(row, "id", where), text(row, "name", where, max_len=200)


def barcode(code: Any, where: str) -> str:
    if type(code) is str and len(code) in (8, 12, 13, 14) and code.isascii() and code.isdigit():
        # The GS1 mod-10 check, inlined for bulk loads; any doubt goes to the full check below.
        total = 3 * sum(map(int, code[-2::-2])) + sum(map(int, code[-3::-2]))
        if (10 - total % 10) % 10 == int(code[-1]):
            return code
    try:
        return validate_gtin(code)
    except CodeError as exc:
        raise Invalid(f"{where}: {exc}") from None


def product(row: Mapping) -> tuple[tuple, list[str]]:
    """-> (products columns, barcodes)."""
    where = _where("product", row, "sku")
    sku = ident(row, "sku", where)
    unit = row.get("unit", "pcs")
    if unit not in UNITS:
        raise Invalid(f"{where}: unit must be 'pcs' or 'kg', got {unit!r}")
    codes = row.get("barcodes") or []
    if isinstance(codes, str) or not isinstance(codes, list):
        raise Invalid(f"{where}: barcodes must be a list of GTINs")
    barcodes = [barcode(c, where) for c in codes]
    if len(set(barcodes)) != len(barcodes):
        raise Invalid(f"{where}: a barcode is listed twice")
    related = row.get("related") or []
    if not isinstance(related, list) or not all(isinstance(r, (str, int)) and not isinstance(r, bool) for r in related):
        raise Invalid(f"{where}: related must be a list of SKUs")
    columns = (
        sku, text(row, "name_ru", where, max_len=300),
        text(row, "name_en", where, required=False, max_len=300) or text(row, "name_ru", where, max_len=300),
        text(row, "description_ru", where, required=False, max_len=10_000),
        text(row, "description_en", where, required=False, max_len=10_000),
        ident(row, "category_id", where, required=False), ident(row, "brand_id", where, required=False),
        unit, integer(row, "vat_rate_bp", where, low=0, high=10_000),
        integer(row, "plu", where, low=1, high=99_999, required=False),
        text(row, "image", where, required=False, max_len=500),
        _json(row.get("attributes"), where, "attributes", dict),
        _json([str(r) for r in related] if related else None, where, "related", list),
        flag(row, "active", where, True), text(row, "location", where, required=False, max_len=100),
    )
    return columns, barcodes


def _fast_id(value: Any) -> bool:
    return type(value) is str and 0 < len(value) <= 64 and not value[0].isspace() and not value[-1].isspace()


def price(row: Mapping) -> tuple:
    """-> (sku, kind, valid_from, valid_to, price)."""
    sku, kind, vf, vt, amount = (row.get("sku"), row.get("kind", "regular"), row.get("valid_from", 0),
                                 row.get("valid_to"), row.get("price"))
    if (_fast_id(sku) and kind in PRICE_KINDS and type(vf) is int and vf >= 0 and type(amount) is int
            and 0 <= amount <= 10**12 and (vt is None or (type(vt) is int and vt > vf))):
        return sku, kind, vf, vt, amount  # the common, well-formed row; anything else is checked in full
    where = _where("price of", row, "sku")
    kind = row.get("kind", "regular")
    if kind not in PRICE_KINDS:
        raise Invalid(f"{where}: kind must be 'regular' or 'label', got {kind!r}")
    valid_from = integer(row, "valid_from", where, low=0, required=False, default=0)
    valid_to = integer(row, "valid_to", where, low=0, required=False)
    if valid_to is not None and valid_to <= valid_from:
        raise Invalid(f"{where}: valid_to must be after valid_from")
    return (ident(row, "sku", where), kind, valid_from, valid_to, integer(row, "price", where, low=0, high=10**12))


def promotion(row: Mapping) -> tuple:
    """-> promotions columns after id; the params are checked by the pricing engine itself."""
    where = _where("promotion", row, "id")
    promo_id = ident(row, "id", where)
    params = row.get("params") or {}
    try:
        Promotion(
            id=promo_id, kind=row.get("kind"), name=text(row, "name_ru", where), params=params,
            priority=integer(row, "priority", where, required=False, default=100),
            exclusive=bool(flag(row, "exclusive", where, False)), stackable=bool(flag(row, "stackable", where, False)),
            valid_from=row.get("valid_from"), valid_to=row.get("valid_to"), coupon_code=row.get("coupon_code"),
            tier=row.get("tier"), customer_id=row.get("customer_id"),
        )
    except PromotionError as exc:
        raise Invalid(str(exc)) from None
    return (
        promo_id, row["kind"], row["name_ru"], text(row, "name_en", where, required=False) or row["name_ru"],
        _json(dict(params), where, "params", dict), integer(row, "priority", where, required=False, default=100),
        flag(row, "exclusive", where, False), flag(row, "stackable", where, False),
        row.get("valid_from"), row.get("valid_to"), row.get("coupon_code"), row.get("tier"),
        row.get("customer_id"),
    )


def stock(row: Mapping) -> tuple:
    """-> (sku, on_hand_milli, safety_milli)."""
    sku, on_hand, safety = row.get("sku"), row.get("on_hand_milli"), row.get("safety_milli", 0)
    if _fast_id(sku) and type(on_hand) is int and -10**12 <= on_hand <= 10**12 and type(safety) is int \
            and 0 <= safety <= 10**12:
        return sku, on_hand, safety
    where = _where("stock of", row, "sku")
    return (ident(row, "sku", where), integer(row, "on_hand_milli", where, low=-10**12, high=10**12),
            integer(row, "safety_milli", where, low=0, high=10**12, required=False, default=0))


def customer(row: Mapping) -> tuple[tuple, list[tuple[str, int]], int]:
    """-> (customers columns, [(card number, blocked)], opening balance)."""
    where = _where("customer", row, "id")
    cards = []
    for card in row.get("cards") or []:
        if isinstance(card, str):
            card = {"number": card}
        if not isinstance(card, Mapping):
            raise Invalid(f"{where}: cards must be a list of {{number, blocked}}")
        cards.append((ident(card, "number", where), flag(card, "blocked", where, False)))
    # A protocol-shaped row carries only the last four digits; they are all the feed shows.
    phone = text(row, "phone", where, required=False, max_len=32) or text(row, "phone_last4", where, required=False,
                                                                           max_len=4)
    columns = (ident(row, "id", where), text(row, "first_name", where, max_len=100),
               text(row, "last_name", where, required=False, max_len=100),
               text(row, "tier", where, required=False, default="base", max_len=32), phone,
               text(row, "email", where, required=False, max_len=200))
    return columns, cards, integer(row, "balance", where, required=False, default=0)


def staff(row: Mapping) -> tuple:
    """-> (id, name, role, pin_hash, active)."""
    where = _where("staff", row, "id")
    role = row.get("role")
    if role not in ROLES:
        raise Invalid(f"{where}: role must be one of {', '.join(ROLES)}, got {role!r}")
    return (ident(row, "id", where), text(row, "name", where, max_len=200), role,
            text(row, "pin_hash", where, max_len=500), flag(row, "active", where, True))


def setting(row: Mapping) -> tuple[str, str]:
    """-> (key, JSON value)."""
    where = _where("setting", row, "key")
    key = text(row, "key", where, max_len=100)
    if "value" not in row:
        raise Invalid(f"{where}: value is missing")
    return key, _ENCODE(row["value"])


def signing_key(row: Mapping) -> tuple:
    """-> (kid, secret hex, valid_from, retired_at)."""
    where = _where("signing key", row, "kid")
    kid = row.get("kid")
    if not isinstance(kid, str) or not _KID.match(kid):
        raise Invalid(f"{where}: kid must be 1-16 letters, digits, '-' or '_'")
    secret = row.get("secret")
    if not isinstance(secret, str) or not _HEX.match(secret) or len(secret) < 32:
        raise Invalid(f"{where}: secret must be hex, at least 16 bytes")
    return (kid, secret.lower(), integer(row, "valid_from", where, low=0, required=False, default=0),
            integer(row, "retired_at", where, low=0, required=False))
