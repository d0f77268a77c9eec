"""Catalogue and price book: categories, brands, products with barcodes, prices, promotions.

Products, categories, brands and chain-wide promotions are chain-wide rows (one row,
read by every store); prices and store promotions belong to one store. Barcodes travel
inside their product's feed row, so a barcode change stamps its product with a new
version.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from .chain import _upsert_sql, stamped
from .versions import CHAIN, next_versions, revive_many, tombstone

PRODUCT_COLUMNS = ("sku", "name_ru", "name_en", "description_ru", "description_en", "category_id", "brand_id",
                   "unit", "vat_rate_bp", "plu", "image", "attributes", "related", "active", "location")
PROMOTION_COLUMNS = ("id", "kind", "name_ru", "name_en", "params", "priority", "exclusive", "stackable",
                     "valid_from", "valid_to", "coupon_code", "tier", "customer_id")

_CATEGORY_UPSERT = _upsert_sql("categories", ("id", "parent_id", "name_ru", "name_en", "sort"), ("id",))
_BRAND_UPSERT = _upsert_sql("brands", ("id", "name"), ("id",))
_PRODUCT_UPSERT = _upsert_sql("products", PRODUCT_COLUMNS, ("sku",))
_PRICE_UPSERT = _upsert_sql("prices", ("store_id", "sku", "kind", "valid_from", "valid_to", "price"),
                            ("store_id", "sku", "kind", "valid_from"))
_PRICE_INSERT = ("INSERT INTO prices(store_id, sku, kind, valid_from, valid_to, price, version) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)")
_PROMOTION_UPSERT = _upsert_sql("promotions", ("store_id",) + PROMOTION_COLUMNS, ("id",))


def json_ids(values: Iterable[str]) -> str:
    """A JSON array parameter for ``IN (SELECT value FROM json_each(?))``: one bound value
    for any number of keys, so no SQL text is ever built from data."""
    return json.dumps(list(values), ensure_ascii=False)


def upsert_categories(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    conn.executemany(_CATEGORY_UPSERT, stamped(conn, rows))
    revive_many(conn, "catalogue", [(CHAIN, f"category:{r[0]}") for r in rows])


def upsert_brands(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    conn.executemany(_BRAND_UPSERT, stamped(conn, rows))
    revive_many(conn, "catalogue", [(CHAIN, f"brand:{r[0]}") for r in rows])


def upsert_products(conn: sqlite3.Connection, items: list[tuple[tuple, list[str]]], *, fresh: bool = False) -> None:
    """Write products with their barcodes (the list replaces the product's barcodes).

    A barcode taken over from another product stamps that product too, so terminals
    drop the code there. ``fresh`` skips those checks when loading an empty catalogue.
    """
    if not items:
        return
    conn.executemany(_PRODUCT_UPSERT, stamped(conn, [cols for cols, _ in items]))
    pairs = [(code, cols[0]) for cols, codes in items for code in codes]
    if fresh:
        conn.executemany("INSERT INTO barcodes(code, sku) VALUES (?, ?)", pairs)
        return
    skus = [cols[0] for cols, _ in items]
    losers = {r[0] for r in conn.execute(
        "SELECT DISTINCT b.sku FROM barcodes b JOIN json_each(?) j ON b.code = j.value",
        (json_ids(code for code, _ in pairs),),
    )} - set(skus)
    conn.executemany("DELETE FROM barcodes WHERE sku = ?", [(s,) for s in skus])
    conn.executemany("INSERT INTO barcodes(code, sku) VALUES (?, ?) ON CONFLICT(code) DO UPDATE SET sku = excluded.sku",
                     pairs)
    if losers:
        first = next_versions(conn, len(losers))
        conn.executemany("UPDATE products SET version = ? WHERE sku = ?",
                         [(first + i, s) for i, s in enumerate(sorted(losers))])
    revive_many(conn, "catalogue", [(CHAIN, f"product:{s}") for s in skus])


def delete_product(conn: sqlite3.Connection, sku: str, at: int) -> bool:
    """Remove a product with its barcodes, prices and stock rows (each leaves a tombstone)."""
    if conn.execute("SELECT 1 FROM products WHERE sku = ?", (sku,)).fetchone() is None:
        return False
    for store_id, kind, valid_from in conn.execute(
            "SELECT store_id, kind, valid_from FROM prices WHERE sku = ?", (sku,)).fetchall():
        delete_price(conn, store_id, sku, kind, valid_from, at)
    for (location_id,) in conn.execute("SELECT location_id FROM stock WHERE sku = ?", (sku,)).fetchall():
        conn.execute("DELETE FROM stock WHERE location_id = ? AND sku = ?", (location_id, sku))
        tombstone(conn, "inventory", CHAIN, f"{location_id}:{sku}", at)
    conn.execute("DELETE FROM barcodes WHERE sku = ?", (sku,))
    conn.execute("DELETE FROM products WHERE sku = ?", (sku,))
    tombstone(conn, "catalogue", CHAIN, f"product:{sku}", at)
    return True


def known_skus(conn: sqlite3.Connection, skus: Iterable[str]) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT sku FROM products WHERE sku IN (SELECT value FROM json_each(?))", (json_ids(skus),))}


def known_ids(conn: sqlite3.Connection, table: str, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` exist in ``table`` (categories or brands)."""
    sql = {"categories": "SELECT id FROM categories WHERE id IN (SELECT value FROM json_each(?))",
           "brands": "SELECT id FROM brands WHERE id IN (SELECT value FROM json_each(?))"}[table]
    return {r[0] for r in conn.execute(sql, (json_ids(ids),))}


def products(conn: sqlite3.Connection, skus: Iterable[str]) -> dict[str, sqlite3.Row]:
    return {r["sku"]: r for r in conn.execute(
        f"SELECT {', '.join(PRODUCT_COLUMNS)} FROM products WHERE sku IN (SELECT value FROM json_each(?))",
        (json_ids(skus),))}


def sku_for_barcode(conn: sqlite3.Connection, code: str) -> str | None:
    row = conn.execute("SELECT sku FROM barcodes WHERE code = ?", (code,)).fetchone()
    return row[0] if row else None


def upsert_prices(conn: sqlite3.Connection, store_id: str, rows: list[tuple], *, fresh: bool = False) -> None:
    """Write price rows of one store; ``fresh``: into an empty price book (plain inserts)."""
    if not rows:
        return
    first = next_versions(conn, len(rows))
    conn.executemany(_PRICE_INSERT if fresh else _PRICE_UPSERT,
                     [(store_id, sku, kind, vf, vt, price, first + i)
                      for i, (sku, kind, vf, vt, price) in enumerate(rows)])
    if not fresh:
        revive_many(conn, "prices", [(store_id, f"price:{r[0]}:{r[1]}:{r[2]}") for r in rows])


def delete_price(conn: sqlite3.Connection, store_id: str, sku: str, kind: str, valid_from: int, at: int) -> bool:
    gone = conn.execute("DELETE FROM prices WHERE store_id = ? AND sku = ? AND kind = ? AND valid_from = ?",
                        (store_id, sku, kind, valid_from)).rowcount
    if gone:
        tombstone(conn, "prices", store_id, f"price:{sku}:{kind}:{valid_from}", at)
    return bool(gone)


def price_book(conn: sqlite3.Connection, store_id: str, skus: Iterable[str], at: int) -> dict[str, dict[str, int]]:
    """``{sku: {"regular": kopecks, "label": kopecks}}`` in force at ``at`` for the store:
    per kind the row with the greatest ``valid_from <= at`` that has not ended."""
    out: dict[str, dict[str, int]] = {}
    for sku, kind, price in conn.execute(
        "SELECT p.sku, p.kind, p.price FROM prices p WHERE p.store_id = ? "
        "AND p.sku IN (SELECT value FROM json_each(?)) AND p.valid_from <= ? "
        "AND (p.valid_to IS NULL OR p.valid_to > ?) ORDER BY p.sku, p.kind, p.valid_from",
        (store_id, json_ids(skus), at, at),
    ):
        out.setdefault(sku, {})[kind] = price  # ascending valid_from: the last one wins
    return out


def upsert_promotions(conn: sqlite3.Connection, store_id: str | None, rows: list[tuple], *, at: int = 0) -> None:
    """Write promotions of one store (``store_id``) or chain-wide (None).

    A promotion moving between scopes (chain-wide -> one store) leaves a tombstone in its
    old scope first, so the stores that no longer get it drop it.
    """
    for promo_id, old in conn.execute(
        "SELECT id, store_id FROM promotions WHERE id IN (SELECT value FROM json_each(?))",
        (json_ids(r[0] for r in rows),),
    ).fetchall():
        if old != store_id:
            tombstone(conn, "promotions", old or CHAIN, f"promo:{promo_id}", at)
    conn.executemany(_PROMOTION_UPSERT, stamped(conn, [(store_id, *r) for r in rows]))
    scope = store_id or CHAIN
    revive_many(conn, "promotions", [(scope, f"promo:{r[0]}") for r in rows])


def delete_promotion(conn: sqlite3.Connection, promotion_id: str, at: int) -> bool:
    row = conn.execute("DELETE FROM promotions WHERE id = ? RETURNING store_id", (promotion_id,)).fetchone()
    if row is None:
        return False
    tombstone(conn, "promotions", row[0] or CHAIN, f"promo:{promotion_id}", at)
    return True


def promotions_for(conn: sqlite3.Connection, store_id: str) -> list[sqlite3.Row]:
    """Chain-wide promotions and the store's own, as rows of :data:`PROMOTION_COLUMNS`."""
    return conn.execute(
        f"SELECT {', '.join(PROMOTION_COLUMNS)} FROM promotions WHERE store_id IS NULL OR store_id = ? ORDER BY id",
        (store_id,),
    ).fetchall()
