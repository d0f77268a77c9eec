"""Checking feed rows one at a time, before anything is written.

Each feed row (docs/protocol.md) is ``{"op": "upsert"|"delete", "key": "<kind>:<id>",
"data": {...}}``. :func:`parse_row` turns it into an :class:`Item` - the kind, the
identity parsed from the key, and the data in the shape the writer takes - or raises
:class:`RowError` with a reason a person can act on. The page applier quarantines a row
that fails and applies the rest.

What is checked: the key belongs to the feed and agrees with the data; types are exact
(``True`` is not a number, ``1.0`` is not a kopeck); money is int kopecks and never
negative; ranges (VAT 0..10000 bp, positive quantities on order lines); enumerations
(roles, channels, statuses); promotions must build as :class:`retail.pricing.Promotion`;
barcodes must be valid GTINs; PIN hashes must parse; signing keys must be hex. Checks
that need the database (does the product a price is for exist?) are done for a whole
page at once by :mod:`retail.feeds.apply`, which marks such rows for a retry rather than for a
person: the product usually arrives with the next catalogue page.

Where a domain writer validates its rows itself (``retail.catalogue.upsert_products``,
``retail.prices.upsert_prices``), its check is not repeated here - at a million products
checking twice costs more than writing - and :mod:`retail.feeds.apply` isolates the rows a
writer refuses and quarantines them with the writer's reason. Here go the checks no
writer makes (the key agrees with the data, barcodes are GTINs, PIN hashes parse,
promotions build) and those of the kinds written by plain SQL.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from retail import prices
from retail.codes.gtin import is_valid_gtin
from retail.pricing import PromotionError
from retail.promotions import promotion_from_row
from retail.staff import ROLES, StaffError, parse_pin_hash

MAX_ID = 100
MAX_TEXT = 10_000
MAX_MONEY = 10**13          # kopecks: a hundred billion rubles
MAX_MILLI = 10**12
MAX_TIME = 2**53
MAX_PRIORITY = 10**9        # promotion priorities are small ranks; anything bigger is garbage
ORDER_CHANNELS = ("web", "app", "kiosk", "pos")
ORDER_FULFILMENTS = ("delivery", "pickup")
ORDER_STATUSES = ("placed", "picking", "ready", "collected", "cancelled", "expired", "delivered")
LOCATION_KINDS = ("store", "warehouse")
# Settings that make this terminal what it is: written by `sync register`, never by a feed.
RESERVED_SETTINGS = frozenset({"store_id", "terminal_id", "terminal_kind", "central_url"})

# Which key prefixes each feed may carry.
FEED_KINDS: dict[str, frozenset[str]] = {
    "settings": frozenset({"setting", "key"}),
    "staff": frozenset({"staff"}),
    "stores": frozenset({"store"}),
    "catalogue": frozenset({"category", "brand", "product"}),
    "prices": frozenset({"price"}),
    "promotions": frozenset({"promo"}),
    "inventory": frozenset({"stock", "net"}),
    "customers": frozenset({"customer"}),
    "orders": frozenset({"order"}),
}
FEEDS = tuple(FEED_KINDS)


class RowError(ValueError):
    """A feed row that cannot be applied; ``retry`` when only a reference is missing yet."""

    def __init__(self, reason: str, *, retry: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


@dataclass(frozen=True, slots=True)
class Item:
    """A checked row. ``ident``: what the key names (a SKU, an id, a (sku, kind, from) tuple).

    ``value``: for an upsert, the data in the form the writer takes; None for a delete.
    """

    key: str
    op: str
    kind: str
    ident: Any
    value: Any


# ---------------------------------------------------------------- small checks


def _is_int(v: Any) -> bool:
    return type(v) is int


def ident(value: Any, what: str) -> str:
    if type(value) is not str or not value or len(value) > MAX_ID or value != value.strip():
        raise RowError(f"{what} must be non-empty text of at most {MAX_ID} characters, got {value!r:.80}")
    return value


def opt_ident(value: Any, what: str) -> str | None:
    return None if value is None else ident(value, what)


def text(value: Any, what: str, *, required: bool = False, default: str = "") -> str:
    if value is None and not required:
        return default
    if type(value) is not str or len(value) > MAX_TEXT:
        raise RowError(f"{what} must be text of at most {MAX_TEXT} characters, got {type(value).__name__}")
    if required and not value.strip():
        raise RowError(f"{what} must not be empty")
    return value


def integer(value: Any, what: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise RowError(f"{what} must be a whole number from {low} to {high}, got {value!r:.40}")
    return value


def opt_integer(value: Any, what: str, low: int, high: int) -> int | None:
    return None if value is None else integer(value, what, low, high)


def money(value: Any, what: str) -> int:
    """Int kopecks, never negative; a float (even 100.0) or a bool is refused."""
    if type(value) is not int:
        raise RowError(f"{what} must be whole kopecks (an integer), got {value!r:.40}")
    if not 0 <= value < MAX_MONEY:
        raise RowError(f"{what} must be kopecks from 0 to {MAX_MONEY}, got {value}")
    return value


def flag(value: Any, what: str, default: bool | None = None) -> bool:
    if value is None and default is not None:
        return default
    if value is not True and value is not False:
        raise RowError(f"{what} must be true or false, got {value!r:.40}")
    return value


def when(value: Any, what: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    return integer(value, what, 0, MAX_TIME)


def choice(value: Any, what: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed or type(value) is not str:
        raise RowError(f"{what} must be one of {', '.join(allowed)}, got {value!r:.40}")
    return value


def mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RowError(f"{what} must be an object, got {type(value).__name__}")
    return value


def _same(key_id: str, data_id: Any, what: str) -> None:
    if data_id != key_id:
        raise RowError(f"{what}: the key names {key_id!r} but the data says {data_id!r:.80}")


# ---------------------------------------------------------------- keys


def split_key(key: Any) -> tuple[str, str]:
    if type(key) is not str or ":" not in key or len(key) > 400:
        raise RowError(f"row key must look like '<kind>:<id>', got {key!r:.80}")
    kind, _, rest = key.partition(":")
    if not rest:
        raise RowError(f"row key {key!r} names no record")
    return kind, rest


def key_ident(kind: str, rest: str, key: str) -> Any:
    """What a key names: ``net:<sku>:<loc>`` -> (sku, loc); ``price:...`` -> (sku, kind, from)."""
    if kind == "price":
        try:
            return prices.parse_key(key)
        except prices.PriceError as exc:
            raise RowError(str(exc)) from None
    if kind == "net":
        sku, sep, location = rest.rpartition(":")
        if not sep or not sku or not location:
            raise RowError(f"network stock key must look like net:<sku>:<location>, got {key!r:.80}")
        return sku, location
    return rest


# ---------------------------------------------------------------- one validator per kind


def _setting(key_id: str, d: Mapping) -> tuple[str, Any]:
    name = ident(d.get("key"), "setting key")
    _same(key_id, name, "setting")
    if name in RESERVED_SETTINGS:
        raise RowError(f"setting {name} is part of this terminal's registration and cannot come from a feed")
    if "value" not in d:
        raise RowError(f"setting {name} has no value")
    return name, d["value"]


def _signing_key(key_id: str, d: Mapping) -> tuple[str, bytes, int, int | None]:
    kid = ident(d.get("kid"), "signing key id")
    _same(key_id, kid, "signing key")
    secret = d.get("secret")
    try:
        raw = bytes.fromhex(secret) if type(secret) is str else None
    except ValueError:
        raw = None
    if raw is None or len(raw) < 16:
        raise RowError(f"signing key {kid}: secret must be at least 16 bytes written in hex")
    start = when(d.get("valid_from", 0) or 0, f"signing key {kid}: valid_from")
    retired = when(d.get("retired_at"), f"signing key {kid}: retired_at", optional=True)
    return kid, raw, start, retired


def _staff(key_id: str, d: Mapping) -> tuple:
    sid = ident(d.get("id"), "staff id")
    _same(key_id, sid, "staff")
    what = f"staff {sid}"
    name = text(d.get("name"), f"{what}: name", required=True)
    role = choice(d.get("role"), f"{what}: role", ROLES)
    pin_hash = d.get("pin_hash")
    try:
        parse_pin_hash(pin_hash)
    except StaffError as exc:
        raise RowError(f"{what}: {exc}") from None
    return sid, name, role, pin_hash, int(flag(d.get("active"), f"{what}: active", True))


def _store(key_id: str, d: Mapping) -> tuple:
    lid = ident(d.get("id"), "store id")
    _same(key_id, lid, "store")
    what = f"store {lid}"
    name_ru, name_en = text(d.get("name_ru"), f"{what}: name_ru"), text(d.get("name_en"), f"{what}: name_en")
    if not name_ru.strip() and not name_en.strip():
        raise RowError(f"{what} has no name in Russian or English")
    tz = text(d.get("timezone"), f"{what}: timezone", default="Europe/Moscow") or "Europe/Moscow"
    return (lid, name_ru, name_en, choice(d.get("kind"), f"{what}: kind", LOCATION_KINDS),
            text(d.get("city_ru"), f"{what}: city_ru"), text(d.get("city_en"), f"{what}: city_en"),
            text(d.get("address"), f"{what}: address"), tz,
            int(flag(d.get("pickup"), f"{what}: pickup", True)),
            integer(d.get("delivery_days", 2), f"{what}: delivery_days", 0, 365))


def _category(key_id: str, d: Mapping) -> Mapping:
    cid = ident(d.get("id"), "category id")
    _same(key_id, cid, "category")
    what = f"category {cid}"
    if opt_ident(d.get("parent_id"), f"{what}: parent_id") == cid:
        raise RowError(f"{what} cannot be its own parent")
    name_ru, name_en = text(d.get("name_ru"), f"{what}: name_ru"), text(d.get("name_en"), f"{what}: name_en")
    if not name_ru.strip() and not name_en.strip():
        raise RowError(f"{what} has no name in Russian or English")
    opt_integer(d.get("sort"), f"{what}: sort", -(2**31), 2**31 - 1)
    return d


def _brand(key_id: str, d: Mapping) -> Mapping:
    bid = ident(d.get("id"), "brand id")
    _same(key_id, bid, "brand")
    text(d.get("name"), f"brand {bid}: name", required=True)
    return d


def _product(key_id: str, d: Mapping) -> Mapping:
    # The full check (names, unit, VAT, PLU, attributes...) is retail.catalogue's, run once
    # by upsert_products as it writes; a row it refuses is isolated and quarantined there.
    sku = d.get("sku")
    if sku != key_id:
        _same(key_id, ident(sku, "product sku"), "product")
    codes = d.get("barcodes")
    if codes:
        if type(codes) is not list:
            raise RowError(f"product {sku}: barcodes must be a list, got {type(codes).__name__}")
        for code in codes:
            if not is_valid_gtin(code):
                raise RowError(f"product {sku}: barcode {code!r:.40} is not a valid GTIN "
                               "(8, 12, 13 or 14 digits with a correct check digit)")
    return d


def _price(key_id: Any, d: Mapping) -> Mapping:
    # Types and ranges are retail.prices.validate_price's, run by upsert_prices as it writes.
    if (d.get("sku"), d.get("kind"), d.get("valid_from")) != key_id:
        raise RowError(f"price: the key names {key_id} but the data is for "
                       f"{(d.get('sku'), d.get('kind'), d.get('valid_from'))!r:.120}")
    return d


def _promotion(key_id: str, d: Mapping) -> tuple:
    pid = ident(d.get("id"), "promotion id")
    _same(key_id, pid, "promotion")
    what = f"promotion {pid}"
    name_ru, name_en = text(d.get("name_ru"), f"{what}: name_ru"), text(d.get("name_en"), f"{what}: name_en")
    params = mapping(d.get("params"), f"{what}: params")
    fields = {"id": pid, "kind": d.get("kind"), "name_ru": name_ru, "name_en": name_en, "params": params,
              "priority": d.get("priority", 100), "exclusive": d.get("exclusive", False),
              "stackable": d.get("stackable", False), "valid_from": d.get("valid_from"),
              "valid_to": d.get("valid_to"), "coupon_code": d.get("coupon_code"), "tier": d.get("tier"),
              "customer_id": d.get("customer_id")}
    try:
        promo = promotion_from_row(fields)
    except (PromotionError, ValueError, TypeError) as exc:
        raise RowError(f"{what}: {exc}") from None
    integer(promo.priority, f"{what}: priority", -MAX_PRIORITY, MAX_PRIORITY)   # beyond SQLite's INTEGER crashed
    when(promo.valid_from, f"{what}: valid_from", optional=True)
    when(promo.valid_to, f"{what}: valid_to", optional=True)
    try:
        params_json = json.dumps(dict(params), ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise RowError(f"{what}: params cannot be stored as JSON ({exc})") from None
    # The raw coupon code is stored; Promotion normalises it again on every load.
    return (pid, promo.kind, name_ru, name_en, params_json, promo.priority, int(promo.exclusive),
            int(promo.stackable), promo.valid_from, promo.valid_to, fields["coupon_code"], promo.tier,
            promo.customer_id)


def _stock(key_id: str, d: Mapping) -> Mapping:
    sku = d.get("sku")
    if sku != key_id:
        ident(sku, "stock row: sku")
        _same(key_id, sku, "stock")
    integer(d.get("on_hand_milli"), f"stock of {sku}: on_hand_milli", -MAX_MILLI, MAX_MILLI)
    safety = d.get("safety_milli", 0)
    if type(safety) is not int or not 0 <= safety <= MAX_MILLI:
        integer(safety, f"stock of {sku}: safety_milli", 0, MAX_MILLI)
    reserved = d.get("reserved_milli", 0)
    if type(reserved) is not int or not 0 <= reserved <= MAX_MILLI:
        integer(reserved, f"stock of {sku}: reserved_milli", 0, MAX_MILLI)
    return d


def _network(key_id: tuple[str, str], d: Mapping) -> Mapping:
    if (d.get("sku"), d.get("location_id")) != key_id:
        ident(d.get("sku"), "network stock row: sku")
        ident(d.get("location_id"), "network stock row: location_id")
        raise RowError(f"network stock: the key names {key_id} but the data is for "
                       f"{(d.get('sku'), d.get('location_id'))}")
    integer(d.get("available_milli"), f"network stock of {key_id[0]}: available_milli", -MAX_MILLI, MAX_MILLI)
    return d


def _customer(key_id: str, d: Mapping) -> tuple:
    cid = ident(d.get("id"), "customer id")
    _same(key_id, cid, "customer")
    what = f"customer {cid}"
    first = text(d.get("first_name"), f"{what}: first_name", required=True)
    last = text(d.get("last_name"), f"{what}: last_name")
    tier = ident(d.get("tier") if d.get("tier") is not None else "base", f"{what}: tier")
    balance = integer(d.get("balance", 0), f"{what}: balance (points)", -(10**12), 10**12)
    last4 = text(d.get("phone_last4"), f"{what}: phone_last4")
    if len(last4) > 4 or not (last4.isascii() and (last4.isdigit() or not last4)):
        raise RowError(f"{what}: phone_last4 must be up to 4 digits, got {last4!r}")
    cards_in = d.get("cards") or []
    if type(cards_in) is not list:
        raise RowError(f"{what}: cards must be a list")
    cards = []
    for card in cards_in:
        card = mapping(card, f"{what}: a card")
        number = ident(card.get("number"), f"{what}: card number")
        cards.append((number, cid, int(flag(card.get("blocked"), f"{what}: card blocked", False))))
    if len({c[0] for c in cards}) != len(cards):
        raise RowError(f"{what}: a card number is listed twice")
    return (cid, first, last, tier, balance, last4), cards


_ORDER_TIMES = ("ready_at", "expires_at", "arrived_at")
_HEX = frozenset("0123456789abcdef")


def _code_hash(value: Any, what: str) -> str:
    """The SHA-256 hex of the shopper's pickup code, or "" for an order without one."""
    value = "" if value is None else value
    if type(value) is not str or (value and (len(value) != 64 or not set(value) <= _HEX)):
        raise RowError(f"{what}: pickup_code_hash must be 64 lower-case hex digits (SHA-256) or empty")
    return value


def _order(key_id: str, d: Mapping) -> tuple:
    oid = ident(d.get("id"), "order id")
    _same(key_id, oid, "order")
    what = f"order {oid}"
    number = ident(d.get("number"), f"{what}: number")
    total, paid = money(d.get("total"), f"{what}: total"), money(d.get("paid", 0), f"{what}: paid")
    contact = mapping(d.get("contact") if d.get("contact") is not None else {}, f"{what}: contact")
    try:
        contact_json = json.dumps(dict(contact), ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise RowError(f"{what}: contact cannot be stored as JSON ({exc})") from None
    header = (
        oid, number, choice(d.get("channel"), f"{what}: channel", ORDER_CHANNELS),
        choice(d.get("fulfilment"), f"{what}: fulfilment", ORDER_FULFILMENTS),
        choice(d.get("status"), f"{what}: status", ORDER_STATUSES),
        opt_ident(d.get("pickup_store_id"), f"{what}: pickup_store_id"),
        text(d.get("source_id"), f"{what}: source_id"),
        opt_ident(d.get("customer_id"), f"{what}: customer_id"),
        contact_json, total, paid, _code_hash(d.get("pickup_code_hash"), what),
        when(d.get("created_at"), f"{what}: created_at"), when(d.get("updated_at"), f"{what}: updated_at"),
        *(when(d.get(t), f"{what}: {t}", optional=True) for t in _ORDER_TIMES),
    )
    if header[3] == "pickup" and header[5] is None:
        raise RowError(f"{what}: a pickup order needs pickup_store_id")
    lines_in = d.get("lines")
    if type(lines_in) is not list or not lines_in:
        raise RowError(f"{what}: lines must be a non-empty list")
    lines, seen = [], set()
    for ln in lines_in:
        ln = mapping(ln, f"{what}: a line")
        no = integer(ln.get("line_no"), f"{what}: line_no", 1, 10_000)
        if no in seen:
            raise RowError(f"{what}: line {no} is listed twice")
        seen.add(no)
        where = f"{what} line {no}"
        qty = integer(ln.get("qty_milli"), f"{where}: qty_milli", 1, MAX_MILLI)
        lines.append((oid, no, ident(ln.get("sku"), f"{where}: sku"), text(ln.get("name"), f"{where}: name"),
                      qty, money(ln.get("unit_price"), f"{where}: unit_price"),
                      money(ln.get("amount"), f"{where}: amount"),
                      integer(ln.get("vat_rate_bp", 2000), f"{where}: vat_rate_bp", 0, 10_000),
                      integer(ln.get("returned_milli", 0) or 0, f"{where}: returned_milli", 0, qty)))
    return header, lines


VALIDATORS = {
    "setting": _setting, "key": _signing_key, "staff": _staff, "store": _store, "category": _category,
    "brand": _brand, "product": _product, "price": _price, "promo": _promotion, "stock": _stock,
    "net": _network, "customer": _customer, "order": _order,
}


def parse_row(feed: str, row: Any) -> Item:
    """Check one feed row of ``feed``; raises :class:`RowError` saying what is wrong."""
    if not isinstance(row, Mapping):
        raise RowError(f"a feed row must be an object, got {type(row).__name__}")
    key = row.get("key")
    kind, rest = split_key(key)
    if kind not in FEED_KINDS[feed]:
        raise RowError(f"a {kind!r} row does not belong in the {feed} feed")
    key_id = key_ident(kind, rest, key)
    op = row.get("op")
    if op == "delete":
        return Item(key, op, kind, key_id, None)
    if op != "upsert":
        raise RowError(f"row {key}: op must be 'upsert' or 'delete', got {op!r:.40}")
    data = row.get("data")
    if not isinstance(data, Mapping):
        raise RowError(f"row {key}: data must be an object")
    return Item(key, op, kind, key_id, VALIDATORS[kind](key_id, data))
