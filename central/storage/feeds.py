"""Feed pages: what changed for a store since a cursor, read in one snapshot.

A feed is served from a few *sources* - tables whose rows carry a ``version``, plus the
tombstones of the feed's scopes - each read by an indexed range scan
``version > cursor ORDER BY version LIMIT n+1``. The sources are merged by version and
cut at ``n`` rows, so a page lists each key once, at its latest value, oldest change
first. ``included`` (each terminal's ``acked_through``) is read in the same snapshot,
so the stock and balances in the page reflect exactly those events.

Cursors are the text of the last version delivered (``""`` = from the start). A cursor
older than the tombstone horizon of the feed - or newer than this database has ever
counted (the database was replaced) - raises :class:`Gone`: the terminal starts that
feed again.
"""
from __future__ import annotations

import heapq
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import Gone, Invalid
from . import customers as customers_store
from . import orders as orders_store
from .catalogue import json_ids
from .db import read_snapshot
from .stock import available
from .terminals import included as included_of
from .versions import CHAIN, current, horizon

DEFAULT_LIMIT = 5000
MAX_LIMIT = 20000

Item = tuple[int, str, str, dict | None]  # (version, key, op, data)
Source = Callable[[sqlite3.Connection, str, int, int], list[Item]]


@dataclass(frozen=True)
class Page:
    feed: str
    store: str
    version: int
    cursor: str
    next_cursor: str
    more: bool
    included: dict[str, int]
    rows: list[dict]

    def as_json(self, server_time: int) -> dict:
        return {"feed": self.feed, "store": self.store, "version": self.version, "cursor": self.cursor,
                "next_cursor": self.next_cursor, "more": self.more, "included": self.included,
                "server_time": server_time, "rows": self.rows}


def _scan(sql: str, scoped: bool) -> Callable[[sqlite3.Connection, str, int, int], list[sqlite3.Row]]:
    def run(conn: sqlite3.Connection, store: str, after: int, n: int) -> list[sqlite3.Row]:
        args = (store, after, n) if scoped else (after, n)
        return conn.execute(sql, args).fetchall()
    return run


def _tombstones(feed: str, scope_of: Callable[[str], str], render: Callable[[str, str], str | None] | None = None
                ) -> Source:
    def source(conn: sqlite3.Connection, store: str, after: int, n: int) -> list[Item]:
        rows = conn.execute(
            "SELECT version, key FROM tombstones WHERE feed = ? AND scope = ? AND version > ? ORDER BY version LIMIT ?",
            (feed, scope_of(store), after, n)).fetchall()
        out = []
        for version, key in rows:
            key = render(store, key) if render else key
            if key is not None:
                out.append((version, key, "delete", None))
        return out
    return source


def _chain(_store: str) -> str:
    return CHAIN


def _own(store: str) -> str:
    return store


# ---------------------------------------------------------------- settings and staff

_settings = _scan("SELECT version, key, value FROM store_settings WHERE store_id = ? AND version > ? "
                  "ORDER BY version LIMIT ?", True)
_keys = _scan("SELECT version, kid, secret, valid_from, retired_at FROM signing_keys WHERE store_id = ? "
              "AND version > ? ORDER BY version LIMIT ?", True)
_staff = _scan("SELECT version, id, name, role, pin_hash, active FROM staff WHERE store_id = ? AND version > ? "
               "ORDER BY version LIMIT ?", True)


def settings_source(conn, store, after, n) -> list[Item]:
    return [(v, f"setting:{k}", "upsert", {"type": "setting", "key": k, "value": json.loads(value)})
            for v, k, value in _settings(conn, store, after, n)]


def keys_source(conn, store, after, n) -> list[Item]:
    return [(v, f"key:{kid}", "upsert", {"type": "signing_key", "kid": kid, "secret": secret,
                                         "valid_from": valid_from, "retired_at": retired})
            for v, kid, secret, valid_from, retired in _keys(conn, store, after, n)]


def staff_source(conn, store, after, n) -> list[Item]:
    return [(v, f"staff:{sid}", "upsert", {"id": sid, "name": name, "role": role, "pin_hash": pin,
                                           "active": bool(active)})
            for v, sid, name, role, pin, active in _staff(conn, store, after, n)]


# ---------------------------------------------------------------- stores and catalogue

_LOCATION_FIELDS = ("id", "name_ru", "name_en", "kind", "city_ru", "city_en", "address", "timezone", "pickup",
                    "delivery_days")
_locations = _scan(f"SELECT version, {', '.join(_LOCATION_FIELDS)} FROM locations WHERE version > ? "
                   "ORDER BY version LIMIT ?", False)


def stores_source(conn, store, after, n) -> list[Item]:
    out = []
    for row in _locations(conn, store, after, n):
        data = dict(zip(_LOCATION_FIELDS, tuple(row)[1:]))
        data["pickup"] = bool(data["pickup"])
        out.append((row[0], f"store:{data['id']}", "upsert", data))
    return out


_categories = _scan("SELECT version, id, parent_id, name_ru, name_en, sort FROM categories WHERE version > ? "
                    "ORDER BY version LIMIT ?", False)
_brands = _scan("SELECT version, id, name FROM brands WHERE version > ? ORDER BY version LIMIT ?", False)
_PRODUCT_FIELDS = ("sku", "name_ru", "name_en", "description_ru", "description_en", "category_id", "brand_id", "unit",
                   "vat_rate_bp", "plu", "image", "attributes", "related", "active", "location")
_products = _scan(f"SELECT version, {', '.join(_PRODUCT_FIELDS)} FROM products WHERE version > ? "
                  "ORDER BY version LIMIT ?", False)


def categories_source(conn, store, after, n) -> list[Item]:
    return [(v, f"category:{cid}", "upsert", {"type": "category", "id": cid, "parent_id": parent, "name_ru": ru,
                                              "name_en": en, "sort": sort})
            for v, cid, parent, ru, en, sort in _categories(conn, store, after, n)]


def brands_source(conn, store, after, n) -> list[Item]:
    return [(v, f"brand:{bid}", "upsert", {"type": "brand", "id": bid, "name": name})
            for v, bid, name in _brands(conn, store, after, n)]


def products_source(conn, store, after, n) -> list[Item]:
    rows = _products(conn, store, after, n)
    codes: dict[str, list[str]] = {}
    for sku, code in conn.execute("SELECT sku, code FROM barcodes WHERE sku IN (SELECT value FROM json_each(?)) "
                                  "ORDER BY sku, code", (json_ids(r[1] for r in rows),)):
        codes.setdefault(sku, []).append(code)
    out = []
    for row in rows:
        data = {"type": "product", **dict(zip(_PRODUCT_FIELDS, tuple(row)[1:]))}
        data["attributes"] = json.loads(data["attributes"])
        data["related"] = json.loads(data["related"])
        data["active"] = bool(data["active"])
        data["barcodes"] = codes.get(data["sku"], [])
        out.append((row[0], f"product:{data['sku']}", "upsert", data))
    return out


# ---------------------------------------------------------------- prices and promotions

_prices = _scan("SELECT version, sku, kind, valid_from, valid_to, price FROM prices WHERE store_id = ? "
                "AND version > ? ORDER BY version LIMIT ?", True)
_PROMO_FIELDS = ("id", "kind", "name_ru", "name_en", "params", "priority", "exclusive", "stackable", "valid_from",
                 "valid_to", "coupon_code", "tier", "customer_id")
_promos_chain = _scan(f"SELECT version, {', '.join(_PROMO_FIELDS)} FROM promotions WHERE store_id IS NULL "
                      "AND version > ? ORDER BY version LIMIT ?", False)
_promos_store = _scan(f"SELECT version, {', '.join(_PROMO_FIELDS)} FROM promotions WHERE store_id = ? "
                      "AND version > ? ORDER BY version LIMIT ?", True)


def prices_source(conn, store, after, n) -> list[Item]:
    return [(v, f"price:{sku}:{kind}:{vf}", "upsert", {"sku": sku, "kind": kind, "valid_from": vf, "valid_to": vt,
                                                       "price": price})
            for v, sku, kind, vf, vt, price in _prices(conn, store, after, n)]


def _promo_items(rows) -> list[Item]:
    out = []
    for row in rows:
        data = dict(zip(_PROMO_FIELDS, tuple(row)[1:]))
        data["params"] = json.loads(data["params"])
        data["exclusive"] = bool(data["exclusive"])
        data["stackable"] = bool(data["stackable"])
        out.append((row[0], f"promo:{data['id']}", "upsert", data))
    return out


def chain_promotions_source(conn, store, after, n) -> list[Item]:
    return _promo_items(_promos_chain(conn, store, after, n))


def store_promotions_source(conn, store, after, n) -> list[Item]:
    return _promo_items(_promos_store(conn, store, after, n))


# ---------------------------------------------------------------- inventory

_stock = _scan("SELECT version, location_id, sku, on_hand_milli, safety_milli, reserved_milli FROM stock "
               "WHERE version > ? ORDER BY version LIMIT ?", False)


def stock_source(conn, store, after, n) -> list[Item]:
    """One chain-wide scan: the store's own rows as ``stock:``, the others as ``net:``."""
    out = []
    for v, location_id, sku, on_hand, safety, reserved in _stock(conn, store, after, n):
        if location_id == store:
            out.append((v, f"stock:{sku}", "upsert", {"type": "stock", "sku": sku, "on_hand_milli": on_hand,
                                                      "safety_milli": safety, "reserved_milli": reserved}))
        else:
            out.append((v, f"net:{sku}:{location_id}", "upsert", {
                "type": "network", "sku": sku, "location_id": location_id,
                "available_milli": available(on_hand, reserved, safety)}))
    return out


def _inventory_key(store: str, key: str) -> str:
    location_id, sku = key.split(":", 1)
    return f"stock:{sku}" if location_id == store else f"net:{sku}:{location_id}"


# ---------------------------------------------------------------- customers and orders

_customers = _scan("SELECT version, id, first_name, last_name, tier, phone FROM customers WHERE version > ? "
                   "ORDER BY version LIMIT ?", False)


def customers_source(conn, store, after, n) -> list[Item]:
    rows = _customers(conn, store, after, n)
    ids = [r[1] for r in rows]
    balances = customers_store.balances(conn, ids)
    cards: dict[str, list[dict]] = {}
    for number, customer_id, blocked in conn.execute(
            "SELECT number, customer_id, blocked FROM cards WHERE customer_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY customer_id, number", (json_ids(ids),)):
        cards.setdefault(customer_id, []).append({"number": number, "blocked": bool(blocked)})
    return [(v, f"customer:{cid}", "upsert", {
        "id": cid, "first_name": first, "last_name": last, "tier": tier, "balance": balances.get(cid, 0),
        "phone_last4": "".join(ch for ch in phone if ch.isdigit())[-4:], "cards": cards.get(cid, [])})
        for v, cid, first, last, tier, phone in rows]


def _orders_by(column: str) -> Source:
    sql = {"pickup_store_id": "SELECT version, id FROM orders WHERE pickup_store_id = ? AND version > ? "
                              "ORDER BY version LIMIT ?",
           "source_id": "SELECT version, id FROM orders WHERE source_id = ? AND version > ? "
                        "ORDER BY version LIMIT ?"}[column]

    def source(conn, store, after, n) -> list[Item]:
        rows = conn.execute(sql, (store, after, n)).fetchall()
        rendered = orders_store.render(conn, [r[1] for r in rows])
        return [(v, f"order:{oid}", "upsert", rendered[oid]) for v, oid in rows]
    return source


FEEDS: dict[str, tuple[tuple[Source, ...], tuple[str, ...]]] = {
    # feed: (sources, tombstone scopes as "chain"/"store")
    "settings": ((settings_source, keys_source, _tombstones("settings", _own)), ("store",)),
    "staff": ((staff_source, _tombstones("staff", _own)), ("store",)),
    "stores": ((stores_source, _tombstones("stores", _chain)), ("chain",)),
    "catalogue": ((categories_source, brands_source, products_source, _tombstones("catalogue", _chain)), ("chain",)),
    "prices": ((prices_source, _tombstones("prices", _own)), ("store",)),
    "promotions": ((chain_promotions_source, store_promotions_source, _tombstones("promotions", _chain),
                    _tombstones("promotions", _own)), ("chain", "store")),
    "inventory": ((stock_source, _tombstones("inventory", _chain, _inventory_key)), ("chain",)),
    "customers": ((customers_source, _tombstones("customers", _chain)), ("chain",)),
    "orders": ((_orders_by("pickup_store_id"), _orders_by("source_id"), _tombstones("orders", _own)), ("store",)),
}


def parse_cursor(cursor: str | None) -> int:
    if cursor is None or cursor == "":
        return 0
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 18:
        raise Invalid(f"bad cursor {cursor!r}: send the next_cursor of the previous page, or an empty cursor")
    return int(cursor)


def read_page(conn: sqlite3.Connection, feed: str, store: str, cursor: str | None, limit: int = DEFAULT_LIMIT) -> Page:
    """One page of ``feed`` for ``store`` after ``cursor``; raises Gone or Invalid."""
    if feed not in FEEDS:
        raise KeyError(feed)
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be 1..{MAX_LIMIT}, got {limit}")
    after = parse_cursor(cursor)
    sources, scopes = FEEDS[feed]
    with read_snapshot(conn):
        now_version = current(conn)
        if after > now_version:
            raise Gone(f"cursor {after} is ahead of this central database (version {now_version}): it was "
                       "restored or replaced; start the feed again from an empty cursor")
        floor = horizon(conn, feed, tuple(CHAIN if s == "chain" else store for s in scopes))
        if after and after < floor:
            raise Gone(f"cursor {after} is older than the deletes central still remembers (from {floor}); "
                       "start the feed again from an empty cursor")
        fetched = [source(conn, store, after, limit + 1) for source in sources]
        merged: dict[str, Item] = {}
        for item in heapq.merge(*fetched, key=lambda it: it[0]):
            old = merged.pop(item[1], None)  # a key seen twice (an order picked and shipped here)
            merged[item[1]] = item if old is None or item[0] >= old[0] else old
        ordered = sorted(merged.values(), key=lambda it: it[0])
        page, more = ordered[:limit], len(ordered) > limit
        version = page[-1][0] if more else now_version
        included = included_of(conn, store)
    rows = [{"op": op, "key": key, "data": data} if op == "upsert" else {"op": op, "key": key}
            for _, key, op, data in page]
    return Page(feed, store, version, cursor or "", str(version), more, included, rows)
