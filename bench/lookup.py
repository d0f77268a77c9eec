"""Lookup figures on the synced store: a barcode scan and search as you type.

Barcode: ``retail.catalogue.by_barcode`` (scan -> product) on random codes of the
catalogue, each timed next to the least it could cost - one indexed ``SELECT`` of the
barcode table. Search: ``retail.search.search`` on what a shopper types - 1, 2 and 3
letter prefixes and whole words, in Russian and in English, taken from real product
names of the store - next to an unranked FTS ``MATCH ... LIMIT 20`` of the same words.
Both are measured after a warm-up, like a terminal that has been running.
"""
from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator

from retail import catalogue, search

from .context import Context
from .harness import BenchError, paired, summarise
from .registry import Group
from .report import Budget, Figure
from .till import sample_products

CLASSES = ("ru 1", "ru 2", "ru 3", "ru word", "en 1", "en 2", "en 3", "en word")
QUERIES_PER_CLASS = 60


def barcodes(conn: sqlite3.Connection, count: int, rng: random.Random) -> list[str]:
    products = sample_products(conn, min(count, 2000), rng)
    codes = []
    for p in products:
        codes += [r[0] for r in conn.execute("SELECT code FROM barcodes WHERE sku = ?", (p["sku"],))]
    if not codes:
        raise BenchError("the synced products have no barcodes; check the catalogue feed")
    return [rng.choice(codes) for _ in range(count)]


def _word(text: str, rng: random.Random, alphabet: str) -> str | None:
    words = [w for w in search.normalize(text).split() if len(w) >= 4 and w[0] in alphabet and w.isalpha()]
    return rng.choice(words) if words else None


def queries(conn: sqlite3.Connection, rng: random.Random) -> dict[str, list[str]]:
    """Queries per class from words of random product names (so they find something)."""
    cyrillic, latin = "абвгдежзийклмнопрстуфхцчшщэюя", "abcdefghijklmnopqrstuvwxyz"
    out: dict[str, list[str]] = {c: [] for c in CLASSES}
    for p in sample_products(conn, QUERIES_PER_CLASS * 3, rng):
        for lang, text, alphabet in (("ru", p["name_ru"], cyrillic), ("en", p["name_en"], latin)):
            word = _word(text, rng, alphabet)
            if word is None:
                continue
            for n in (1, 2, 3):
                out[f"{lang} {n}"].append(word[:n])
            out[f"{lang} word"].append(word)
    for cls, qs in out.items():
        if not qs:
            raise BenchError(f"no product name gave a query of class {cls!r}")
        out[cls] = qs[:QUERIES_PER_CLASS]
    return out


def run(ctx: Context) -> Iterator[Figure]:
    rng = random.Random(11)
    conn = ctx.open_store()
    try:
        codes = barcodes(conn, ctx.options.samples, rng)
        mine, base, cpu = paired(lambda c: catalogue.by_barcode(conn, c),
                            lambda c: conn.execute("SELECT sku FROM barcodes WHERE code = ?", (c,)).fetchone(),
                            codes, warmup=min(len(codes), 500))
        yield Figure.latency("lookup.barcode", "ms", summarise(mine), baseline="a single indexed SELECT",
                             baseline_summary=summarise(base), budget=Budget("p99", 1.0), cpu=summarise(cpu),
                             note=f"{len(codes)} scans of random catalogue barcodes, by_barcode -> Product")

        by_class = queries(conn, rng)
        every = [(cls, q) for cls, qs in by_class.items() for q in qs]
        expressions = {q: search.match_expression(search.query_words(q)) for _, q in every}
        fts = "SELECT rowid FROM product_search WHERE product_search MATCH ? LIMIT 20"
        # Warm-up: every query once (page cache and prefix index pages, like a running kiosk).
        mine, base, cpu = paired(lambda item: search.search(conn, item[1]),
                            lambda item: conn.execute(fts, (expressions[item[1]],)).fetchall(),
                            every * 3, warmup=len(every))
        worst = {}
        for i, (cls, _) in enumerate(every):
            worst.setdefault(cls, []).extend(mine[i::len(every)])
        p95s = {cls: summarise(samples).p95 for cls, samples in worst.items()}
        slowest = max(p95s, key=p95s.get)
        yield Figure.latency("search.as_you_type", "ms", summarise(mine),
                             baseline="unranked FTS MATCH ... LIMIT 20", baseline_summary=summarise(base),
                             budget=Budget("p95", 30.0), cpu=summarise(cpu),
                             note=f"{len(mine)} searches over {len(every)} queries (1-3 letter prefixes and words, "
                                  f"ru and en); slowest class {slowest!r}: p95 {p95s[slowest]:.2f} ms")
    finally:
        conn.close()


GROUP = Group("lookup", "barcode scan and search as you type on the synced store", run)
