"""``seed``: fill an empty database with the demo chain (``retail.demo``)."""
from __future__ import annotations

import sys
import time

from ..seed import seed_demo
from .common import add_db, now, open_db


def register(sub) -> None:
    p = sub.add_parser("seed", help="fill an empty database with a generated demo chain; prints the store ids")
    add_db(p, must_exist=False)
    # The defaults are retail.demo's, so `python -m retail.demo` builds a terminal of this same chain.
    p.add_argument("--skus", type=int, default=20_000, help="products in the catalogue (default 20000)")
    p.add_argument("--stores", type=int, default=4, help="stores besides the warehouse (default 4)")
    p.add_argument("--customers", type=int, default=2_000, help="loyalty customers (default 2000)")
    p.add_argument("--seed", type=int, default=42, help="random seed: the same seed gives the same chain (default 42)")
    p.add_argument("--now", type=int, help="unix time the demo is built around (default: this hour)")
    p.set_defaults(run=run)


def run(args) -> int:
    if args.skus < 1 or args.stores < 1 or args.customers < 0:
        print("error: --skus and --stores must be at least 1, --customers not negative", file=sys.stderr)
        return 2
    conn = open_db(args)
    started = time.monotonic()
    summary = seed_demo(conn, seed=args.seed, skus=args.skus, stores=args.stores, customers=args.customers,
                        now=args.now if args.now is not None else now() // 3600 * 3600)
    conn.close()
    for store_id in summary.stores:
        print(store_id)
    print(f"seeded {summary.counts_text()} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0
