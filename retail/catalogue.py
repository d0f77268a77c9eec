"""The product catalogue in the local store: feed writes and the lookups the apps make.

Writes (:func:`upsert_products`, :func:`delete_products`, brands, categories) take rows
in the shape of the ``catalogue`` feed (docs/protocol.md), run inside the caller's
transaction (the agent commits a page with its cursor) and work in chunks with
``executemany``, so a first load of a million products takes seconds.

They keep two derived structures in step with ``products``:

- ``barcodes``: one row per code. A GTIN is stored in one canonical form
  (:func:`barcode_key`), so a UPC-A, an EAN-13 and a GTIN-14 of the same item meet;
  a code that moves to another product goes with its newest row (last writer wins).
- ``product_search``, the contentless FTS5 index (see retail.search). It cannot give
  back what it indexed, so a row's old terms are removed by recomputing
  :func:`retail.search.terms_for` from the old row (and :func:`retail.search.brand_terms`
  from a brand's old name). A row whose terms did not change is not touched in the index,
  and an unchanged row is not written at all (feeds resend rows).

Lookups return :class:`Product` (or None when nothing matches): any string is a valid
thing to look up, so SQL or FTS text in a scanned code is simply not found.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from . import search as _search
from .codes.gtin import GTIN_LENGTHS

CHUNK = 2000            # rows per executemany batch
BULK_CACHE_KIB = 64 * 1024  # page cache while writing a feed page (see _bulk_cache)
MAX_CODE_CHARS = 100    # SKUs, barcodes, category and brand ids
MAX_PAGE = 200
PRODUCT_URL_PREFIXES = ("https://vitrina.example/p/",)
UNITS = ("pcs", "kg")


class CatalogueError(ValueError):
    """A catalogue row or lookup that cannot be used; the message says why, for a person."""


@dataclass(frozen=True)
class Product:
    sku: str
    name_ru: str
    name_en: str
    description_ru: str
    description_en: str
    category_id: str | None
    brand_id: str | None
    unit: str
    vat_rate_bp: int
    plu: int | None
    image: str
    attributes: dict
    related: tuple[str, ...]
    active: bool
    location: str
    barcodes: tuple[str, ...] = ()
    brand_name: str = ""

    def name(self, lang: str = "ru") -> str:
        """The name in ``lang`` ('ru' or 'en'), or the other one when that is empty."""
        first, second = (self.name_ru, self.name_en) if lang == "ru" else (self.name_en, self.name_ru)
        return first or second


@dataclass(frozen=True)
class Category:
    id: str
    parent_id: str | None
    name_ru: str
    name_en: str
    sort: int

    def name(self, lang: str = "ru") -> str:
        first, second = (self.name_ru, self.name_en) if lang == "ru" else (self.name_en, self.name_ru)
        return first or second


class ProductRow(NamedTuple):
    """A validated product feed row, columns as stored (attributes and related as JSON)."""

    sku: str
    name_ru: str
    name_en: str
    description_ru: str
    description_en: str
    category_id: str | None
    brand_id: str | None
    unit: str
    vat_rate_bp: int
    plu: int | None
    image: str
    attributes: str
    related: str
    active: int
    location: str
    barcodes: tuple[str, ...]


class Counts(NamedTuple):
    inserted: int
    updated: int
    unchanged: int


_COLUMNS = ProductRow._fields[:-1]
_NCOL = len(_COLUMNS)

# ---------------------------------------------------------------- validation


def _bad_ident(value: Any) -> bool:
    return type(value) is not str or not value or len(value) > MAX_CODE_CHARS or value != value.strip()


def _ident(data: Mapping[str, Any], key: str, what: str, *, optional: bool = False) -> str | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if _bad_ident(value):
        raise CatalogueError(
            f"{what}: {key} must be non-empty text of at most {MAX_CODE_CHARS} characters "
            f"without spaces around it, got {value!r}"
        )
    return value


def _text(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if type(value) is not str:
        raise CatalogueError(f"{what}: {key} must be text, got {type(value).__name__}")
    return value


def _int(data: Mapping[str, Any], key: str, what: str, low: int, high: int, *, optional: bool = False) -> int | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if type(value) is not int or not low <= value <= high:
        raise CatalogueError(f"{what}: {key} must be a whole number from {low} to {high}, got {value!r}")
    return value


def barcode_key(code: str) -> str:
    """The stored form of a barcode: what :func:`by_barcode` looks up.

    A GTIN-length digit string is taken to GTIN-14 and written in its shortest usual
    form: a UPC-A ``012345678905`` and a GTIN-14 ``00012345678905`` become the EAN-13
    ``0012345678905``; any padding of a GTIN-8 becomes its 8 digits; a GTIN-14 with a
    packaging indicator stays 14. GS1 defines these as one key, so this is safe for
    internal codes of those lengths too, and needs no check digit: scanners and
    retail.codes validate those before a lookup. Anything else is kept as given.
    """
    code = code.strip()
    if len(code) not in GTIN_LENGTHS or not (code.isascii() and code.isdigit()):
        return code
    gtin14 = code.zfill(14)
    if gtin14.startswith("000000"):
        return gtin14[6:]
    return gtin14[1:] if gtin14[0] == "0" else gtin14


def validate_product(data: Mapping[str, Any]) -> ProductRow:
    """Check one ``product`` feed row; raise :class:`CatalogueError` naming the SKU and field.

    Written for speed (a first load validates a million rows): exact type checks, and the
    JSON encoder only for attributes and related lists that are not empty.
    """
    if not isinstance(data, Mapping):
        raise CatalogueError(f"a product row must be an object, got {type(data).__name__}")
    sku = data.get("sku")
    if _bad_ident(sku):
        _ident(data, "sku", "product")
    what = f"product {sku}"
    name_ru, name_en = _text(data, "name_ru", what), _text(data, "name_en", what)
    if not name_ru.strip() and not name_en.strip():
        raise CatalogueError(f"{what} has no name in Russian or English")
    unit = data.get("unit")
    if unit not in UNITS:
        raise CatalogueError(f"{what}: unit must be 'pcs' or 'kg', got {unit!r}")
    attributes = data.get("attributes")
    if not attributes:
        attributes_json = "{}"
    elif not isinstance(attributes, Mapping):
        raise CatalogueError(f"{what}: attributes must be an object, got {type(attributes).__name__}")
    else:
        try:
            attributes_json = json.dumps(dict(attributes), ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as e:
            raise CatalogueError(f"{what}: attributes cannot be stored as JSON ({e})") from None
    related = data.get("related")
    if not related:
        related_json = "[]"
    elif type(related) is not list or not all(type(s) is str and s for s in related):
        raise CatalogueError(f"{what}: related must be a list of SKUs, got {related!r}")
    else:
        related_json = json.dumps(related, ensure_ascii=False)
    codes = data.get("barcodes") or ()
    if type(codes) is not list and codes != ():
        raise CatalogueError(f"{what}: barcodes must be a list, got {type(codes).__name__}")
    keys = set()
    for code in codes:
        if type(code) is not str or not code.strip() or len(code) > MAX_CODE_CHARS:
            raise CatalogueError(
                f"{what}: barcode {code!r} must be non-empty text of at most {MAX_CODE_CHARS} characters"
            )
        keys.add(barcode_key(code))
    active = data.get("active", True)
    if active is not True and active is not False:
        raise CatalogueError(f"{what}: active must be true or false, got {active!r}")
    return ProductRow(
        sku, name_ru, name_en,
        _text(data, "description_ru", what), _text(data, "description_en", what),
        _ident(data, "category_id", what, optional=True), _ident(data, "brand_id", what, optional=True),
        unit, _int(data, "vat_rate_bp", what, 0, 10000),
        _int(data, "plu", what, 1, 999_999_999, optional=True),
        _text(data, "image", what), attributes_json, related_json, 1 if active else 0,
        _text(data, "location", what), tuple(sorted(keys)),
    )


def _require_transaction(conn: sqlite3.Connection, what: str) -> None:
    if not conn.in_transaction:
        raise CatalogueError(f"{what} must run inside retail.store.transaction(conn)")


@contextlib.contextmanager
def _bulk_cache(conn: sqlite3.Connection) -> Iterator[None]:
    """Give SQLite a bigger page cache while a feed page is written, then restore it.

    Each product touches random pages of the SKU, category and brand indexes, the
    barcodes and the search index. With SQLite's default 2 MB cache most of those pages
    are evicted and read again for every row: at a million SKUs that doubles the time
    of a first load. The setting is per connection and is put back as it was.
    """
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    wanted = -BULK_CACHE_KIB
    if before < 0 and before <= wanted:
        yield
        return
    conn.execute(f"PRAGMA cache_size = {wanted:d}")  # PRAGMA takes no parameters; an int
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before):d}")


def _keys(items: Iterable[str], what: str) -> list[str]:
    """A list of ids to delete: a bare string would be taken letter by letter, so say so."""
    if isinstance(items, (str, bytes)):
        raise CatalogueError(f"{what} to delete must be a list, got the single value {items!r}")
    items = list(items)
    bad = [i for i in items if type(i) is not str]
    if bad:
        raise CatalogueError(f"{what} to delete must be text, got {bad[0]!r}")
    return items


def _chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _terms(name_ru: str, name_en: str, brand_id: str | None, category_id: str | None) -> str:
    return _search.terms_for({"name_ru": name_ru, "name_en": name_en, "brand_id": brand_id,
                              "category_id": category_id})


_FTS_INSERT = "INSERT INTO product_search(rowid, terms) VALUES (?, ?)"
_FTS_DELETE = "INSERT INTO product_search(product_search, rowid, terms) VALUES ('delete', ?, ?)"

# ---------------------------------------------------------------- product writes


def upsert_products(conn: sqlite3.Connection, rows: Iterable[Mapping[str, Any]]) -> Counts:
    """Insert or update products from ``product`` feed rows; barcodes and search follow.

    Every row is validated before anything is written (:class:`CatalogueError` names the
    first bad one; :func:`validate_product` checks one at a time for quarantining). Within
    the rows, the last one for a SKU wins, and a PLU or barcode given to two products goes
    to the later one. Runs inside the caller's transaction.
    """
    _require_transaction(conn, "upsert_products")
    valid = [validate_product(r) for r in rows]
    total = Counts(0, 0, 0)
    with _bulk_cache(conn):
        for batch in _chunks(valid):
            got = _upsert_chunk(conn, batch)
            total = Counts(*(a + b for a, b in zip(total, got)))
    return total


def _upsert_chunk(conn: sqlite3.Connection, batch: list[ProductRow]) -> Counts:
    by_sku = {r.sku: r for r in batch}
    plu_owner = {r.plu: r.sku for r in by_sku.values() if r.plu is not None}
    rows = [r._replace(plu=None) if r.plu is not None and plu_owner[r.plu] != r.sku else r
            for r in by_sku.values()]
    skus = json.dumps([r.sku for r in rows])
    old: dict[str, tuple] = {}
    for rec in conn.execute(
        "SELECT id, " + ", ".join(_COLUMNS) + " FROM products WHERE sku IN (SELECT value FROM json_each(?))",
        (skus,),
    ):
        old[rec[1]] = tuple(rec)
    old_codes: dict[str, set[str]] = {}
    for code, sku in conn.execute("SELECT code, sku FROM barcodes WHERE sku IN (SELECT value FROM json_each(?))", (skus,)):
        old_codes.setdefault(sku, set()).add(code)

    inserts, updates, fts_delete, fts_insert = [], [], [], []
    code_deletes, code_inserts, plu_takes = [], [], []
    next_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM products").fetchone()[0] + 1
    unchanged = 0
    for row in rows:
        values = tuple(row[:_NCOL])
        prev = old.get(row.sku)
        had = old_codes.get(row.sku, set())
        if prev is None:
            inserts.append((next_id, *values))
            fts_insert.append((next_id, _terms(row.name_ru, row.name_en, row.brand_id, row.category_id)))
            next_id += 1
        elif prev[1:] == values and had == set(row.barcodes):
            unchanged += 1
            continue
        else:
            pid = prev[0]
            if prev[1:] != values:
                updates.append((*values[1:], pid))
            old_terms = _terms(prev[2], prev[3], prev[7], prev[6])
            new_terms = _terms(row.name_ru, row.name_en, row.brand_id, row.category_id)
            if old_terms != new_terms:
                fts_delete.append((pid, old_terms))
                fts_insert.append((pid, new_terms))
        if row.plu is not None and (prev is None or prev[10] != row.plu):
            plu_takes.append((row.plu, row.sku))
        code_deletes.extend((c, row.sku) for c in had - set(row.barcodes))
        code_inserts.extend((c, row.sku) for c in row.barcodes if c not in had)

    conn.executemany("UPDATE products SET plu = NULL WHERE plu = ? AND sku <> ?", plu_takes)
    conn.executemany(_FTS_DELETE, fts_delete)
    conn.executemany(
        "INSERT INTO products(id, " + ", ".join(_COLUMNS) + ") VALUES (" + ", ".join("?" * (_NCOL + 1)) + ")",
        inserts,
    )
    conn.executemany(
        "UPDATE products SET " + ", ".join(f"{c} = ?" for c in _COLUMNS[1:]) + " WHERE id = ?", updates
    )
    conn.executemany(_FTS_INSERT, fts_insert)
    conn.executemany("DELETE FROM barcodes WHERE code = ? AND sku = ?", code_deletes)
    conn.executemany(
        "INSERT INTO barcodes(code, sku) VALUES (?, ?) ON CONFLICT(code) DO UPDATE SET sku = excluded.sku",
        code_inserts,
    )
    return Counts(len(inserts), len(rows) - len(inserts) - unchanged, unchanged)


def delete_products(conn: sqlite3.Connection, skus: Iterable[str]) -> int:
    """Remove products (tombstones), their barcodes and their search terms; returns how many."""
    _require_transaction(conn, "delete_products")
    removed = 0
    for batch in _chunks(_keys(skus, "SKUs")):
        found = conn.execute(
            "SELECT id, name_ru, name_en, brand_id, category_id FROM products "
            "WHERE sku IN (SELECT value FROM json_each(?))",
            (json.dumps(batch),),
        ).fetchall()
        conn.executemany(_FTS_DELETE, [(r[0], _terms(r[1], r[2], r[3], r[4])) for r in found])
        conn.executemany("DELETE FROM products WHERE id = ?", [(r[0],) for r in found])
        removed += len(found)
    return removed


# ---------------------------------------------------------------- brands and categories


def _brand_name(conn: sqlite3.Connection, brand_id: str) -> str | None:
    row = conn.execute("SELECT name FROM brands WHERE id = ?", (brand_id,)).fetchone()
    return None if row is None else row[0]


def upsert_brands(conn: sqlite3.Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update brands (``{"id", "name"}``) and their rows in the search index."""
    _require_transaction(conn, "upsert_brands")
    valid = []
    for data in rows:
        if not isinstance(data, Mapping):
            raise CatalogueError(f"a brand row must be an object, got {type(data).__name__}")
        bid = _ident(data, "id", "brand")
        name = data.get("name")
        if type(name) is not str or not name.strip():
            raise CatalogueError(f"brand {bid}: name must be non-empty text, got {name!r}")
        valid.append((bid, name))
    for bid, name in valid:
        old = _brand_name(conn, bid)
        if old == name:
            continue
        rowid = _search.brand_rowid(bid)
        if old is not None:
            conn.execute(_FTS_DELETE, (rowid, _search.brand_terms(old)))
        conn.execute(
            "INSERT INTO brands(id, name) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name",
            (bid, name),
        )
        conn.execute(_FTS_INSERT, (rowid, _search.brand_terms(name)))
    return len(valid)


def delete_brands(conn: sqlite3.Connection, ids: Iterable[str]) -> int:
    """Remove brands and their search rows; their products stay, no longer found by brand."""
    _require_transaction(conn, "delete_brands")
    removed = 0
    for bid in _keys(ids, "brand ids"):
        old = _brand_name(conn, bid)
        if old is None:
            continue
        conn.execute(_FTS_DELETE, (_search.brand_rowid(bid), _search.brand_terms(old)))
        conn.execute("DELETE FROM brands WHERE id = ?", (bid,))
        removed += 1
    return removed


def _validate_category(data: Mapping[str, Any]) -> tuple[str, str | None, str, str, int]:
    if not isinstance(data, Mapping):
        raise CatalogueError(f"a category row must be an object, got {type(data).__name__}")
    cid = _ident(data, "id", "category")
    what = f"category {cid}"
    parent = _ident(data, "parent_id", what, optional=True)
    if parent == cid:
        raise CatalogueError(f"{what} cannot be its own parent")
    name_ru, name_en = _text(data, "name_ru", what), _text(data, "name_en", what)
    if not name_ru.strip() and not name_en.strip():
        raise CatalogueError(f"{what} has no name in Russian or English")
    sort = _int(data, "sort", what, -(2**31), 2**31 - 1, optional=True) or 0
    return cid, parent, name_ru, name_en, sort


def upsert_categories(conn: sqlite3.Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update categories; a child may come before its parent.

    A feed can deliver a child before its parent (the parent changed later, or is on the
    next page). Rows are written without their parent first and linked after, and a
    parent that is nowhere yet is created as a nameless placeholder, hidden from
    :func:`categories` until its own row fills it in, so no child row is lost.
    """
    _require_transaction(conn, "upsert_categories")
    valid = list({c[0]: c for c in (_validate_category(r) for r in rows)}.values())
    conn.executemany(
        "INSERT INTO categories(id, parent_id, name_ru, name_en, sort) VALUES (?, NULL, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET name_ru = excluded.name_ru, name_en = excluded.name_en, "
        "sort = excluded.sort",
        [(cid, ru, en, sort) for cid, _, ru, en, sort in valid],
    )
    conn.executemany(
        "INSERT INTO categories(id, parent_id, name_ru, name_en, sort) VALUES (?, NULL, '', '', 0) "
        "ON CONFLICT(id) DO NOTHING",
        [(parent,) for _, parent, *_ in valid if parent is not None],
    )
    conn.executemany("UPDATE categories SET parent_id = ? WHERE id = ?", [(parent, cid) for cid, parent, *_ in valid])
    return len(valid)


def delete_categories(conn: sqlite3.Connection, ids: Iterable[str]) -> int:
    """Remove categories; their subcategories move to the top level (ON DELETE SET NULL)."""
    _require_transaction(conn, "delete_categories")
    ids = _keys(ids, "category ids")
    return conn.executemany("DELETE FROM categories WHERE id = ?", [(i,) for i in ids]).rowcount


# ---------------------------------------------------------------- lookups

_PRODUCT_SQL = (
    "SELECT p.*, b.name AS brand_name, "
    "(SELECT json_group_array(code) FROM barcodes AS c WHERE c.sku = p.sku) AS codes "
    "FROM products AS p LEFT JOIN brands AS b ON b.id = p.brand_id "
)


def _product(row: sqlite3.Row) -> Product:
    return Product(
        sku=row["sku"], name_ru=row["name_ru"], name_en=row["name_en"],
        description_ru=row["description_ru"], description_en=row["description_en"],
        category_id=row["category_id"], brand_id=row["brand_id"], unit=row["unit"],
        vat_rate_bp=row["vat_rate_bp"], plu=row["plu"], image=row["image"],
        attributes=json.loads(row["attributes"]), related=tuple(json.loads(row["related"])),
        active=bool(row["active"]), location=row["location"],
        barcodes=tuple(sorted(json.loads(row["codes"]))), brand_name=row["brand_name"] or "",
    )


def _one(conn: sqlite3.Connection, where: str, params: tuple) -> Product | None:
    row = conn.execute(_PRODUCT_SQL + where, params).fetchone()
    return None if row is None else _product(row)


def _lookup_text(value: object, what: str) -> str | None:
    if not isinstance(value, str):
        raise CatalogueError(f"{what} must be text, got {type(value).__name__}")
    value = value.strip()
    return value if value and len(value) <= MAX_CODE_CHARS else None


def by_sku(conn: sqlite3.Connection, sku: str) -> Product | None:
    """The product with this SKU (active or not), or None."""
    key = _lookup_text(sku, "a SKU")
    return None if key is None else _one(conn, "WHERE p.sku = ?", (key,))


def by_skus(conn: sqlite3.Connection, skus: Iterable[str]) -> dict[str, Product]:
    """The products with these SKUs (active or not) that exist, by SKU; one query per chunk."""
    out: dict[str, Product] = {}
    for batch in _chunks(skus):
        rows = conn.execute(_PRODUCT_SQL + f"WHERE p.sku IN ({','.join('?' * len(batch))})", batch)
        out.update((row["sku"], _product(row)) for row in rows)
    return out


def by_barcode(conn: sqlite3.Connection, code: str) -> Product | None:
    """The product a scanned barcode belongs to, in any GTIN form (see :func:`barcode_key`)."""
    key = _lookup_text(code, "a barcode")
    if key is None:
        return None
    return _one(conn, "WHERE p.sku = (SELECT sku FROM barcodes WHERE code = ?)", (barcode_key(key),))


def by_plu(conn: sqlite3.Connection, plu: int) -> Product | None:
    """The weighed or priced item a store label's item code (PLU) names, or None."""
    if isinstance(plu, bool) or not isinstance(plu, int):
        raise CatalogueError(f"an item code (PLU) must be a whole number, got {plu!r}")
    return _one(conn, "WHERE p.plu = ?", (plu,))


def by_product_url(conn: sqlite3.Connection, url: str, *, prefixes: tuple[str, ...] = PRODUCT_URL_PREFIXES) -> Product | None:
    """The product a shelf-label or web-shop QR link (``https://vitrina.example/p/<sku>``) names.

    None when the link is fine but the SKU is unknown here; :class:`CatalogueError` with
    the scanner module's reason when it is not a product link at all.
    """
    from .codes.scan import ProductUrlScan, classify

    if not isinstance(url, str):
        raise CatalogueError(f"a product link must be text, got {type(url).__name__}")
    found = classify(url, product_url_prefixes=prefixes)
    if not isinstance(found, ProductUrlScan):
        raise CatalogueError(getattr(found, "reason", "not a product link"))
    return by_sku(conn, found.sku)


def related(conn: sqlite3.Connection, sku: str) -> list[Product]:
    """The active products listed as related to ``sku``, in the order the feed gave."""
    product = by_sku(conn, sku)
    if product is None or not product.related:
        return []
    rows = conn.execute(
        _PRODUCT_SQL + "WHERE p.sku IN (SELECT value FROM json_each(?)) AND p.active = 1",
        (json.dumps(list(product.related)),),
    ).fetchall()
    found = {r["sku"]: _product(r) for r in rows}
    return [found[s] for s in dict.fromkeys(product.related) if s in found and s != sku]


# ---------------------------------------------------------------- browse


def categories(conn: sqlite3.Connection, parent_id: str | None = None) -> list[Category]:
    """The categories under ``parent_id`` (top level for None), in display order."""
    rows = conn.execute(
        "SELECT id, parent_id, name_ru, name_en, sort FROM categories "
        "WHERE parent_id IS ? AND (name_ru <> '' OR name_en <> '') ORDER BY sort, name_ru, id",
        (parent_id,),
    )
    return [Category(*r) for r in rows]


def subtree(conn: sqlite3.Connection, category_id: str) -> list[str]:
    """``category_id`` and every category below it, depth first in display order."""
    if not isinstance(category_id, str):
        raise CatalogueError(f"a category id must be text, got {type(category_id).__name__}")
    rows = conn.execute(
        "WITH RECURSIVE sub(id, parent_id, sort, name_ru) AS ("
        " SELECT id, parent_id, sort, name_ru FROM categories WHERE parent_id = ?"
        " UNION"
        " SELECT c.id, c.parent_id, c.sort, c.name_ru FROM categories AS c JOIN sub ON c.parent_id = sub.id"
        ") SELECT id, parent_id FROM sub ORDER BY sort, name_ru, id",
        (category_id,),
    ).fetchall()
    children: dict[str, list[str]] = {}
    for cid, parent in rows:
        children.setdefault(parent, []).append(cid)
    out: list[str] = []
    stack, seen = [category_id], set()
    while stack:
        cid = stack.pop()
        if cid in seen:
            continue
        seen.add(cid)
        out.append(cid)
        stack.extend(reversed(children.get(cid, [])))
    return out


def browse(conn: sqlite3.Connection, category_id: str, offset: int = 0, limit: int = 20) -> list[Product]:
    """One page of the active products in a category and its subcategories.

    Products come category by category (the category itself, then its subcategories
    depth first in display order), by name within each. That order is what the index
    holds, so a page costs the same at a million SKUs as at a hundred; a single A-Z
    across a whole department would sort every product in it for each page.
    """
    for name, value, low, high in (("offset", offset, 0, 10**9), ("limit", limit, 1, MAX_PAGE)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise CatalogueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    page: list[Product] = []
    skip = offset
    for cid in subtree(conn, category_id):
        need = limit - len(page)
        if need <= 0:
            break
        if skip:
            count = conn.execute(
                "SELECT COUNT(*) FROM products WHERE category_id = ? AND active = 1", (cid,)
            ).fetchone()[0]
            if skip >= count:
                skip -= count
                continue
        # The page's ids first (index only, plus the names of one prefix group to sort),
        # then the full rows of just those.
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM products WHERE category_id = ? AND active = 1 "
            "ORDER BY substr(name_ru, 1, 4), name_ru, id LIMIT ? OFFSET ?",
            (cid, need, skip),
        )]
        skip = 0
        found = {r["id"]: _product(r) for r in conn.execute(
            _PRODUCT_SQL + "WHERE p.id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
        )}
        page.extend(found[i] for i in ids if i in found)
    return page
