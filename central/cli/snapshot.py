"""``snapshot``: build the stores' snapshots, what a new terminal loads in one download."""
from __future__ import annotations

from ..storage import chain
from .common import add_db, now, open_db


def register(sub) -> None:
    p = sub.add_parser("snapshot", help="build store snapshots for new terminals (nightly, and after big imports)")
    add_db(p)
    p.add_argument("--store", action="append", metavar="ID",
                   help="build this store's (repeat for several; default: every store)")
    p.add_argument("--full", action="store_true",
                   help="read every page (default: the current snapshot plus the pages since; every page "
                        "once its last full build is a week old, or when the current one cannot be used)")
    p.set_defaults(run=run)


def run(args) -> int:
    from .. import snapshots

    conn = open_db(args)
    try:
        stores = args.store or [r["id"] for r in chain.locations(conn) if r["kind"] == "store"]
    finally:
        conn.close()
    for store in stores:
        m = snapshots.build(args.db, store, now=now(), full=args.full)
        rows = ", ".join(f"{feed} {n}" for feed, n in m.rows.items())
        how = f"on {m.based_on} and the pages since" if m.based_on else "from every page"
        print(f"{store}\t{m.file}\t{m.size / 2**20:.1f} MB ({m.compressed_size / 2**20:.1f} MB compressed)\t"
              f"{rows}\tquarantined {m.quarantined}\t{m.seconds:.1f} s, {how}")
    return 0
