"""Scale check: the catalogue at a million SKUs (not a test: run it by hand).

    .venv/bin/python tests/catalogue/scale_check.py [--count 1000000] [--keep PATH]

Builds a synthetic catalogue (tests/catalogue/synthetic.py) in a temporary store file
through the real feed writes, then prints load time and lookup/search latencies next to
baselines measured in the same run on the same file: a single indexed SELECT for the
barcode lookup, an unranked ``MATCH ... LIMIT 20`` for search. Figures are printed, never
asserted: timing depends on the machine.
"""
from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalogue_synthetic as synthetic  # noqa: E402

from retail import catalogue, prices, search  # noqa: E402
from retail.store import connect, transaction  # noqa: E402

QUERIES = {
    "ru 1 letter": ["м", "к", "с", "п", "я", "б"],
    "ru 2 letters": ["мо", "ке", "сы", "ша", "ел", "пе"],
    "ru 3 letters": ["мол", "кеф", "шок", "ёлк", "печ", "сли"],
    "ru whole word": ["молоко", "кефир", "шоколад", "елка", "сметана", "пельмени"],
    "en 1 letter": ["m", "c", "s", "b", "p", "t"],
    "en 2 letters": ["mi", "ch", "sa", "br", "fr", "to"],
    "en 3 letters": ["mil", "che", "sal", "bre", "fre", "tom"],
    "en whole word": ["milk", "cheese", "salmon", "bread", "fresh", "tomatoes"],
    "two words": ["молоко 3,2", "сыр слив", "milk fresh", "шок горь", "вода мин", "ice cream"],
    "invented 4+": ["кало", "мина", "ралоко", "kalo", "dumi", "bako"],
    "no match": ["жжжж", "qqqq", "молокоо", "zzz", "ыыы", "xyz"],
}


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


CPU: list[float] = []  # CPU milliseconds of the last timed() calls, in step with their wall times


def timed(fn, *args, **kwargs) -> float:
    """Wall milliseconds of one call; its CPU milliseconds (this process) go to CPU."""
    t, c = time.perf_counter(), time.process_time()
    fn(*args, **kwargs)
    CPU.append((time.process_time() - c) * 1000)
    return (time.perf_counter() - t) * 1000


def build(path: Path, count: int, page: int) -> None:
    """Load the catalogue page by page, as the sync agent applies a feed: one transaction
    per page, each page's rows made just before it and dropped after (generation time is
    measured apart and left out of the load figure)."""
    conn = connect(path)
    with transaction(conn):
        catalogue.upsert_categories(conn, synthetic.categories())
        catalogue.upsert_brands(conn, synthetic.brands())
    source = synthetic.products(count)
    gen = load = cpu = 0.0
    while True:
        t0 = time.perf_counter()
        rows = list(itertools.islice(source, page))
        gen += time.perf_counter() - t0
        if not rows:
            break
        t0, c0 = time.perf_counter(), time.process_time()
        with transaction(conn):
            catalogue.upsert_products(conn, rows)
        load += time.perf_counter() - t0
        cpu += time.process_time() - c0
    print(f"generate {count} rows: {gen:.1f} s (not part of the load)")
    print(f"upsert_products {count} in pages of {page} (one transaction each): {load:.1f} s wall, "
          f"{cpu:.1f} s CPU of this process ({count / load:,.0f} rows/s wall)")
    print(f"  machine load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(wall time includes waiting for the CPU)")
    t0 = time.perf_counter()
    for start in range(0, count, page):
        batch = [{"sku": synthetic.sku_of(i), "kind": "regular", "valid_from": 0, "valid_to": None,
                  "price": 1000 + i % 50000} for i in range(start, min(count, start + page))]
        with transaction(conn):
            prices.upsert_prices(conn, batch)
    print(f"upsert_prices {count} regular prices (incl. making the rows): {time.perf_counter() - t0:.1f} s")
    conn.execute("PRAGMA optimize")
    conn.close()
    print(f"file size: {os.path.getsize(path) / 1e6:.0f} MB")


def measure(path: Path, count: int, n: int) -> None:
    conn = connect(path)
    rng = random.Random(3)
    ids = [rng.randrange(count) for _ in range(n)]
    codes = [synthetic.barcode_of(i) for i in ids]
    gtin14 = ["0" + c for c in codes]
    for fn, args in ((catalogue.by_barcode, codes), (catalogue.by_sku, [synthetic.sku_of(i) for i in ids])):
        for a in args[:200]:
            fn(conn, a)  # warm the page cache like a terminal that has been running
    base = [timed(lambda c: conn.execute("SELECT sku FROM barcodes WHERE code = ?", (c,)).fetchone(), c) for c in codes]
    look = [timed(catalogue.by_barcode, conn, c) for c in codes]
    look_cpu = CPU[-len(codes):]
    look14 = [timed(catalogue.by_barcode, conn, c) for c in gtin14]
    miss = [timed(catalogue.by_barcode, conn, "'; DROP TABLE products; --" + str(i)) for i in range(n)]
    print(f"\nbarcode lookup over {n} random codes (ms)        p50     p99")
    print(f"  baseline: SELECT sku FROM barcodes          {pct(base, 50):6.3f}  {pct(base, 99):6.3f}")
    print(f"  by_barcode (EAN-13 -> Product)              {pct(look, 50):6.3f}  {pct(look, 99):6.3f}"
          f"   (CPU p99 {pct(look_cpu, 99):.3f})")
    print(f"  by_barcode (GTIN-14 scanned)                {pct(look14, 50):6.3f}  {pct(look14, 99):6.3f}")
    print(f"  by_barcode (unknown / SQL text)             {pct(miss, 50):6.3f}  {pct(miss, 99):6.3f}")

    print("\nsearch, ms per query (each query run 5 times; p95 over all runs of the class)")
    print("wall time includes waiting for a CPU on a busy machine; CPU time is this process's own")
    print(f"  {'class':<16} {'baseline p95':>12} {'search p50':>11} {'search p95':>11} {'cpu p95':>8} {'max':>7}  hits")
    worst = worst_cpu = 0.0
    for cls, queries in QUERIES.items():
        base, mine, cpu, hits = [], [], [], []
        for q in queries:
            expr = search.match_expression(search.query_words(q))
            for _ in range(5):
                base.append(timed(lambda e: conn.execute(
                    "SELECT rowid FROM product_search WHERE product_search MATCH ? LIMIT 20", (e,)).fetchall(), expr))
                mine.append(timed(search.search, conn, q))
                cpu.append(CPU[-1])
            hits.append(len(search.search(conn, q)))
        worst, worst_cpu = max(worst, pct(mine, 95)), max(worst_cpu, pct(cpu, 95))
        print(f"  {cls:<16} {pct(base, 95):12.2f} {pct(mine, 50):11.2f} {pct(mine, 95):11.2f} {pct(cpu, 95):8.2f}"
              f" {max(mine):7.2f}  {hits}")
    cat, cat_cpu = [], []
    for q in ("м", "мол", "молоко", "milk", "s"):
        cat.append(timed(search.search, conn, q, category_id="d3s4"))
        cat_cpu.append(CPU[-1])
    print(f"  in a category (d3s4, ~0.5 % of SKUs): max {max(cat):.2f} ms wall, {max(cat_cpu):.2f} ms CPU")
    print(f"  worst class p95: {worst:.2f} ms wall, {worst_cpu:.2f} ms CPU (budget 30)")
    print(f"  machine load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    t = [timed(catalogue.browse, conn, "d5", off, 20) for off in (0, 20, 1000, 40000)]
    print(f"\nbrowse department d5 (~5 % of SKUs), offsets 0/20/1000/40000: {', '.join(f'{x:.2f}' for x in t)} ms")
    skus = [synthetic.sku_of(i) for i in ids[:50]]
    t = [timed(prices.prices_at, conn, skus, 100) for _ in range(20)]
    print(f"prices_at for a 50-line basket: p50 {pct(t, 50):.2f} ms")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--page", type=int, default=20_000, help="rows per transaction, like a feed page")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build here (or reuse if it exists) instead of a temp file")
    args = parser.parse_args()
    if args.keep:
        if not args.keep.exists():
            build(args.keep, args.count, args.page)
        measure(args.keep, args.count, args.samples)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scale.db"
        build(path, args.count, args.page)
        measure(path, args.count, args.samples)


if __name__ == "__main__":
    main()
