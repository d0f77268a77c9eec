"""``import FEED FILE``: products, prices or stock from an ERP export (CSV or NDJSON)."""
from __future__ import annotations

import sys

from ..erp_import import FEEDS, import_file
from .common import add_db, now, open_db


def register(sub) -> None:
    p = sub.add_parser("import", help="import products, prices or stock from an ERP file; bad rows are "
                                      "reported by line number and the good ones applied")
    add_db(p)
    p.add_argument("feed", choices=FEEDS)
    p.add_argument("file")
    p.add_argument("--format", choices=("csv", "ndjson"), help="default: from the file extension")
    p.add_argument("--store", help="store for prices/stock rows without a store column")
    p.set_defaults(run=run)


def run(args) -> int:
    conn = open_db(args)
    report = import_file(conn, args.feed, args.file, fmt=args.format, store=args.store, now=now())
    conn.close()
    print(report.summary())
    for reject in report.rejects:
        print(str(reject), file=sys.stderr)
    return 1 if report.rejects else 0
