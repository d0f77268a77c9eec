"""Shared data and index checks for the catalogue tests (imported by name; see conftest)."""
from __future__ import annotations

import sqlite3

from retail import search


def product(sku: str, name_ru: str, name_en: str = "", **extra) -> dict:
    row = {"type": "product", "sku": sku, "name_ru": name_ru, "name_en": name_en, "unit": "pcs",
           "vat_rate_bp": 2000, "barcodes": []}
    row.update(extra)
    return row


SHOP = {
    "categories": [
        {"id": "food", "parent_id": None, "name_ru": "Продукты", "name_en": "Food", "sort": 1},
        {"id": "dairy", "parent_id": "food", "name_ru": "Молочное", "name_en": "Dairy", "sort": 1},
        {"id": "milk", "parent_id": "dairy", "name_ru": "Молоко", "name_en": "Milk", "sort": 1},
        {"id": "cheese", "parent_id": "dairy", "name_ru": "Сыры", "name_en": "Cheese", "sort": 2},
        {"id": "home", "parent_id": None, "name_ru": "Дом", "name_en": "Home", "sort": 2},
    ],
    "brands": [{"id": "pq", "name": "Простоквашино"}, {"id": "vv", "name": "Весёлый молочник"}],
    "products": [
        product("1001", "Молоко 3,2% 1 л", "Milk 3.2% 1 l", category_id="milk", brand_id="pq",
                barcodes=["4601234567893"]),
        product("1002", "Молоко 2,5% 900 мл", "Milk 2.5% 900 ml", category_id="milk", brand_id="vv",
                barcodes=["4600000000017"]),
        product("1003", "Сыр молочный «Российский»", "Russian cheese", category_id="cheese"),
        product("1004", "Коктейль молочный шоколадный", "Chocolate milkshake", category_id="dairy"),
        product("1005", "Ёлка искусственная 1,5 м", "Artificial fir tree 1.5 m", category_id="home"),
        product("1006", "Молоко топлёное (снято с продажи)", "Baked milk", category_id="milk", active=False),
        product("1007", "Кефир 1%", "Kefir 1%", category_id="dairy", brand_id="pq",
                barcodes=["012345678905"]),
        product("1008", "Сыр плавленый", "Processed cheese", category_id="cheese", unit="kg", plu=123),
    ],
}


def indexed(conn: sqlite3.Connection) -> set[tuple[str, int]]:
    """Every (word, product id) pair the search index holds, read from the index itself."""
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab USING fts5vocab(main, product_search, instance)")
    return {(t, d) for t, d in conn.execute("SELECT term, doc FROM temp.search_vocab")}


def expected_index(conn: sqlite3.Connection) -> set[tuple[str, int]]:
    """The (word, rowid) pairs the index must hold, recomputed from the tables."""
    out = set()
    for pid, name_ru, name_en, brand_id, category_id in conn.execute(
        "SELECT id, name_ru, name_en, brand_id, category_id FROM products"
    ):
        row = {"name_ru": name_ru, "name_en": name_en, "brand_id": brand_id, "category_id": category_id}
        for word in search.terms_for(row).split():
            out.add((word, pid))
    for brand_id, name in conn.execute("SELECT id, name FROM brands"):
        for word in search.brand_terms(name).split():
            out.add((word, search.brand_rowid(brand_id)))
    return out
