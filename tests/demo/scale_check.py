"""Scale check: the demo chain at a million SKUs (not a test: run it by hand).

    .venv/bin/python tests/demo/scale_check.py [--skus 1000000] [--store MSK1] [--load PATH]

Generates the catalogue, one store's price book and that store's inventory feed (stock
and network rows) and prints rows, time and peak RSS per feed, next to a baseline loop
that only builds an equally sized dict per row, measured in the same run. With
``--load PATH`` it also writes a terminal's local store at PATH and times that. Figures
are printed, never asserted: timing depends on the machine.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from retail.demo import DemoChain  # noqa: E402


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, rows) -> tuple[int, float]:
    started = time.perf_counter()
    n = 0
    for _ in rows:
        n += 1
    took = time.perf_counter() - started
    print(f"{label:<28} {n:>10,} rows  {took:7.1f} s  {n / took / 1000 if took else 0:8.1f} k rows/s  "
          f"peak RSS {peak_rss_mib():7.1f} MiB", flush=True)
    return n, took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skus", type=int, default=1_000_000)
    ap.add_argument("--store", default="MSK1")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--load", metavar="PATH", help="also write a terminal's local store here (must not exist)")
    args = ap.parse_args()
    chain = DemoChain(seed=args.seed, skus=args.skus, now=1_795_000_000)
    print(f"demo chain: {args.skus:,} SKUs, store {args.store}, {len(chain.location_ids)} locations")
    timed("baseline (dict per row)", ({"sku": str(i), "n": i, "k": "regular"} for i in range(args.skus)))
    total = 0.0
    for label, rows in (("products", chain.products()), (f"prices {args.store}", chain.prices(args.store)),
                        (f"inventory feed {args.store}", chain.inventory_feed(args.store))):
        total += timed(label, rows)[1]
    print(f"{'generation total':<28} {'':>10}       {total:7.1f} s  peak RSS {peak_rss_mib():7.1f} MiB")
    if args.load:
        from retail.demo.load import load_store

        started = time.perf_counter()
        counts = load_store(args.load, chain, args.store)
        print(f"loaded {args.load} in {time.perf_counter() - started:.1f} s: {counts}; "
              f"peak RSS {peak_rss_mib():.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
