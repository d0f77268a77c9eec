"""Product search over the local store: instant at a million SKUs, safe for any input.

Text on both sides goes through :func:`normalize` (case folded, ё -> е, anything that is
not a letter or a digit becomes a space), so ``Молоко 3,2%``, ``молоко 3.2`` and
``МОЛОКО 3 2`` meet. The index (``product_search``, contentless FTS5) holds two kinds of
rows, both kept in step by retail.catalogue:

- a product (rowid = products.id > 0): :func:`terms_for`, its names' words and opaque
  tokens for its brand and its category (:func:`brand_token`, :func:`category_token`:
  a private-use character and a hash, which no typed word can contain);
- a brand (rowid = :func:`brand_rowid` < 0): :func:`brand_terms`, the words of its name,
  each behind a private-use mark, so looking a word up among brand names reads only the
  brands' vocabulary, never the products' (and product queries never match a brand row).

With no ``contentless_delete`` in SQLite 3.40, old terms are removed by recomputing them
from the old row, so both functions are pure functions of one row. Keeping brand names
out of product rows means renaming a brand rewrites one index row, not thousands, and
spares a million-row load an index on ``products.brand_id``.

A query matches products that have every query word as a word prefix (``"мол"* AND
"3"*``); a word of three letters or more that starts a word of a brand's name also
matches that brand's products (``("прост"* OR "<token>")``). Words are quoted and passed
as one bound parameter, so FTS operators (AND, OR, NEAR, ``*``, ``^``, quotes) and SQL
text in a query are just words to look for.

A search within a category ANDs the query with its subtree's category tokens, so FTS5
skips straight to matches in those categories instead of scanning every match of a short
prefix for the few that are in a small category (150 ms -> a few ms at 1M SKUs).

Ranking is done in Python over a capped candidate set: at most :data:`CANDIDATES` rows
come from the index in rowid order (cheap even when a one-letter prefix matches 100 000
products; ``ORDER BY rank`` would score every match), plus up to :data:`EXACT_CANDIDATES`
whole-word matches so that typing a full word finds it even when its prefix is common. Candidates
are ordered: all words whole in the name, then first word of the name starting with the
first query word, then prefixes anywhere in the name, then matches only through the other
language or the brand; shorter names first within a tier. A query that is exactly a SKU
or a barcode puts that product first.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
import sqlite3
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import catalogue as _catalogue

CANDIDATES = 400        # rows taken from the index before ranking
EXACT_CANDIDATES = 100  # more rows where every word is whole, rescued from behind the prefix cap
MAX_QUERY_CHARS = 256   # longer input is not something a person typed to find a product
MAX_WORDS = 8           # distinct words after dropping those that prefix another word
MAX_LIMIT = 200
LANGS = ("ru", "en")
BRAND_MIN_CHARS = 3     # shorter words match too many brands to be worth expanding
MAX_BRANDS = 20         # brands one query word may expand to
BRAND_MARK = "\ue000"   # private use: a token character to unicode61, never a word to normalize()
CATEGORY_MARK = "\ue001"
BRAND_WORD_MARK = "\ue002"
MAX_CATEGORY_TOKENS = 64  # a bigger subtree is filtered by a join instead (it is not selective)


class SearchError(ValueError):
    """A search that cannot be run; the message says why, for a person."""


@dataclass(frozen=True)
class ProductHit:
    """One search result: enough to show a row and open the product."""

    sku: str
    name: str           # in the language asked for (the other one if that is empty)
    name_ru: str
    name_en: str
    brand: str
    unit: str
    image: str
    category_id: str | None
    location: str
    matched: str        # 'sku', 'barcode' or 'text'


# Word characters: what str.isalnum() accepts (Unicode letters and digits), the same
# classes FTS5's unicode61 tokenizer keeps (L*, N*), so the words Python ranks on are the
# tokens the index holds. Underscore is \w to Python but a separator to unicode61.
_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    if not isinstance(text, str):
        raise SearchError(f"search text must be a string, got {type(text).__name__}")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    # casefold() turns Ё into ё, so one replace covers both cases.
    return _WORD.findall(text.casefold().replace("ё", "е"))


def normalize(text: str) -> str:
    """Case-fold, ё -> е, every non-letter/non-digit to a space, spaces collapsed.

    ``normalize('Ёлка «Зимняя», 1,5 м')`` -> ``'елка зимняя 1 5 м'``. NFC first, so a
    ``й`` typed as ``и`` + combining breve is the same letter as a precomposed one.
    """
    return " ".join(_words(text))


def terms_for(product: Mapping[str, Any]) -> str:
    """The text indexed for a product: its names' words, each once, and its brand's token.

    ``product`` needs ``name_ru`` and ``name_en``; ``brand_id`` may be missing or None.
    SKUs and barcodes are not indexed: the exact-code shortcut in :func:`search` finds
    them, and digit prefixes of a million codes would make every query with a number
    (``молоко 3,2``) match most of the catalogue. Each word is given once: positions are
    never queried, and a word both names share ("3,2%" and "3.2%") would only make the
    index bigger and slower to build.
    """
    words = dict.fromkeys(_words(product["name_ru"] + " " + product["name_en"]))
    brand, category = product.get("brand_id"), product.get("category_id")
    if brand:
        words[brand_token(brand)] = None
    if category:
        words[category_token(category)] = None
    return " ".join(words)


@functools.lru_cache(maxsize=65536)
def _hash63(text: str) -> int:
    # blake2b, not hash(): the value must be the same in every process, forever. Cached:
    # a million products share a few thousand brand and category ids.
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def _brand_hash(brand_id: str) -> int:
    return _hash63(brand_id)


def category_token(category_id: str) -> str:
    """The token a product in this category carries (its own category, not the ancestors)."""
    return f"{CATEGORY_MARK}{_hash63(category_id):x}"


def brand_rowid(brand_id: str) -> int:
    """The brand's row in ``product_search``: negative, below every product's id."""
    return -1 - _brand_hash(brand_id)


def brand_token(brand_id: str) -> str:
    """The token a brand's products carry; :func:`brand_rowid` gives it back (see _token_of)."""
    return _token_of(brand_rowid(brand_id))


def _token_of(rowid: int) -> str:
    return f"{BRAND_MARK}{-rowid:x}"


def brand_terms(name: str) -> str:
    """The text indexed for a brand's own row: the words of its name, each once, marked."""
    return " ".join(BRAND_WORD_MARK + w for w in dict.fromkeys(_words(name)))


def query_words(query: str) -> list[str]:
    """The words of a query to match as prefixes, in order, without redundant ones.

    A word that is a prefix of another query word adds nothing to an AND of prefixes
    (``мол молоко`` matches what ``молоко`` matches), so it is dropped along with repeats.
    """
    words = normalize(query).split()
    kept: list[str] = []
    for i, word in enumerate(words):
        others = words[:i] + words[i + 1:]
        if word in kept or any(o != word and o.startswith(word) for o in others):
            continue
        kept.append(word)
    return kept


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def match_expression(words: list[str], *, prefix: bool = True,
                     brands: Mapping[str, list[str]] | None = None,
                     categories: list[str] | None = None) -> str:
    """An FTS5 MATCH string: every word quoted (so it is never an operator), ANDed.

    ``brands`` maps a word to the brand tokens it may also stand for; ``categories``
    (ids) restricts matches to products directly in one of them.
    """
    star = "*" if prefix else ""
    groups = []
    for word in words:
        alternatives = [_quote(word) + star] + [_quote(t) for t in (brands or {}).get(word, ())]
        groups.append(alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")")
    if categories:
        groups.append("(" + " OR ".join(_quote(category_token(c)) for c in categories) + ")")
    return " AND ".join(groups)


def _brand_tokens(conn: sqlite3.Connection, words: list[str]) -> dict[str, list[str]]:
    """For each long enough word, the tokens of the brands with a name word it starts."""
    out = {}
    for word in words:
        if len(word) < BRAND_MIN_CHARS:
            continue
        rows = conn.execute(
            "SELECT rowid FROM product_search WHERE product_search MATCH ? AND rowid < 0 LIMIT ?",
            (_quote(BRAND_WORD_MARK + word) + "*", MAX_BRANDS),
        ).fetchall()
        if rows:
            out[word] = [_token_of(r[0]) for r in rows]
    return out


_CANDIDATES_SQL = """
SELECT p.id, p.sku, p.name_ru, p.name_en, b.name AS brand, p.unit, p.image,
       p.category_id, p.location
FROM product_search
CROSS JOIN products AS p ON p.id = product_search.rowid
LEFT JOIN brands AS b ON b.id = p.brand_id
WHERE product_search MATCH ? AND product_search.rowid > 0 AND p.active = 1 {category}
LIMIT ?
"""
_IN_CATEGORY = "AND p.category_id IN (SELECT value FROM json_each(?))"


def _candidates(conn: sqlite3.Connection, expression: str, cats: list[str] | None, limit: int) -> list[sqlite3.Row]:
    if cats is None:
        sql, params = _CANDIDATES_SQL.format(category=""), (expression, limit)
    else:
        sql = _CANDIDATES_SQL.format(category=_IN_CATEGORY)
        params = (expression, json.dumps(cats), limit)
    return conn.execute(sql, params).fetchall()


def _display(row: Mapping[str, Any], lang: str) -> str:
    first, second = (row["name_ru"], row["name_en"]) if lang == "ru" else (row["name_en"], row["name_ru"])
    return first or second


def _rank_key(row: Mapping[str, Any], words: list[str], lang: str) -> tuple:
    name = _display(row, lang)
    name_words = normalize(name).split()
    whole = set(name_words)
    if all(w in whole for w in words):
        tier = 0
    elif name_words and name_words[0].startswith(words[0]) and all(
        any(nw.startswith(w) for nw in name_words) for w in words
    ):
        tier = 1
    elif all(any(nw.startswith(w) for nw in name_words) for w in words):
        tier = 2
    else:
        tier = 3
    return (tier, len(name), name.casefold(), row["sku"])


def _hit(row: Mapping[str, Any], lang: str, matched: str) -> ProductHit:
    return ProductHit(
        sku=row["sku"], name=_display(row, lang), name_ru=row["name_ru"], name_en=row["name_en"],
        brand=row["brand"] or "", unit=row["unit"], image=row["image"],
        category_id=row["category_id"], location=row["location"], matched=matched,
    )


def _exact_code(conn: sqlite3.Connection, text: str, lang: str, cats: list[str] | None) -> ProductHit | None:
    """The product whose SKU or barcode is exactly ``text``, if it is active (and in scope)."""
    found = _catalogue.by_sku(conn, text)
    matched = "sku"
    if found is None:
        found, matched = _catalogue.by_barcode(conn, text), "barcode"
    if found is None or not found.active or (cats is not None and found.category_id not in cats):
        return None
    return ProductHit(
        sku=found.sku, name=found.name(lang), name_ru=found.name_ru, name_en=found.name_en,
        brand=found.brand_name, unit=found.unit, image=found.image,
        category_id=found.category_id, location=found.location, matched=matched,
    )


def _check(query: object, limit: object, lang: object) -> None:
    if not isinstance(query, str):
        raise SearchError(f"search text must be a string, got {type(query).__name__}")
    if len(query) > MAX_QUERY_CHARS:
        raise SearchError(
            f"search text is {len(query)} characters long; type at most {MAX_QUERY_CHARS}"
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise SearchError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {limit!r}")
    if lang not in LANGS:
        raise SearchError(f"language must be one of {', '.join(LANGS)}, got {lang!r}")


def search(
    conn: sqlite3.Connection,
    query: str,
    *,
    limit: int = 20,
    lang: str = "ru",
    category_id: str | None = None,
) -> list[ProductHit]:
    """Active products matching every word of ``query`` as a prefix, best first.

    Empty or punctuation-only queries give ``[]``. ``category_id`` limits the search to
    that category and its subcategories. Raises :class:`SearchError` for a query longer
    than :data:`MAX_QUERY_CHARS`, more than :data:`MAX_WORDS` distinct words, a bad
    ``limit`` or an unknown ``lang``.
    """
    _check(query, limit, lang)
    text = query.strip()
    if not text:
        return []
    cats = _catalogue.subtree(conn, category_id) if category_id is not None else None
    hits: list[ProductHit] = []
    shortcut = _exact_code(conn, text, lang, cats)
    if shortcut is not None:
        hits.append(shortcut)
    words = query_words(text)
    if not words:
        return hits
    if len(words) > MAX_WORDS:
        raise SearchError(f"search for at most {MAX_WORDS} words at a time, not {len(words)}")
    brands = _brand_tokens(conn, words)
    in_index = cats if cats is not None and len(cats) <= MAX_CATEGORY_TOKENS else None
    rows: dict[int, sqlite3.Row] = {}
    for expression, cap in (
        (match_expression(words, prefix=False, brands=brands, categories=in_index), EXACT_CANDIDATES),
        (match_expression(words, brands=brands, categories=in_index), CANDIDATES),
    ):
        for row in _candidates(conn, expression, cats, cap):
            rows.setdefault(row["id"], row)
    ranked = sorted(rows.values(), key=lambda r: _rank_key(r, words, lang))
    seen = {h.sku for h in hits}
    for row in ranked:
        if len(hits) >= limit:
            break
        if row["sku"] not in seen:
            hits.append(_hit(row, lang, "text"))
    return hits[:limit]
