"""``python -m retail.demo --db PATH``: build a terminal's local store from the demo chain.

Writes one store of the chain (default MSK1, terminal P1) as a terminal would hold it
after its first sync, then prints what it holds: locations, catalogue, prices,
promotions by kind, customers and cards, orders by status, staff with their demo PINs,
the demo customers' cards and the pickup codes of the store's orders.
"""
from __future__ import annotations

import argparse
import sys
import time

from retail.store import connect, integrity_ok

from .chain import DemoChain, DemoError
from .load import load_store
from .report import describe


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m retail.demo", description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="the local store file to write (e.g. var/demo/MSK1-P1.db)")
    p.add_argument("--store", default="MSK1", help="which store of the chain (default MSK1)")
    p.add_argument("--terminal", default="P1", help="terminal id (default P1)")
    p.add_argument("--kind", default="pos", choices=("pos", "kiosk"), help="terminal kind (default pos)")
    p.add_argument("--skus", type=int, default=20_000, help="products in the catalogue (default 20000)")
    p.add_argument("--stores", type=int, default=4, help="stores in the chain besides the warehouse (default 4)")
    p.add_argument("--customers", type=int, default=2_000, help="loyalty customers (default 2000)")
    p.add_argument("--seed", type=int, default=42, help="the same seed gives the same chain (default 42)")
    p.add_argument("--now", type=int, help="unix time the demo is built around (default: this hour)")
    p.add_argument("--force", action="store_true",
                   help="replace the file even if it holds a terminal's own sales or events")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    started = time.monotonic()
    try:
        chain = DemoChain(seed=args.seed, skus=args.skus, stores=args.stores, customers=args.customers,
                          now=args.now)
        load_store(args.db, chain, args.store.upper(), terminal_id=args.terminal.upper(), terminal_kind=args.kind,
                   force=args.force)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    took = time.monotonic() - started
    conn = connect(args.db)
    try:
        if not integrity_ok(conn):
            print(f"demo: {args.db} failed its integrity check; delete it and run again", file=sys.stderr)
            return 1
        lines = describe(conn, chain, args.store.upper(), args.terminal.upper())
    finally:
        conn.close()
    print(f"Wrote {args.db} in {took:.1f} s")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
