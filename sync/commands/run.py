"""``run``: the long-running agent (until SIGTERM/SIGINT, or a 401/403 from central)."""
from __future__ import annotations

import signal

from ..agent import INTERVAL_S, open_agent
from ..progress import for_stream
from .common import add_db


def register(sub) -> None:
    p = sub.add_parser("run", help="keep syncing: every --interval seconds and at once on `sync request`")
    add_db(p)
    p.add_argument("--interval", type=float, default=INTERVAL_S, help=f"seconds between cycles (default {INTERVAL_S:g})")
    p.add_argument("--page-limit", type=int, default=None, help="rows per feed page (default 5000 for the catalogue, 10000 for the rest)")
    p.add_argument("--push-batch", type=int, default=None, help="events per request (default 200)")
    p.add_argument("--no-snapshot", action="store_true",
                   help="on a first load, pull every feed page by page even if central offers the store's snapshot")
    p.set_defaults(run=run)


def run(args) -> int:
    if args.interval <= 0:
        raise ValueError("--interval must be more than 0 seconds")
    bar = for_stream()
    extra = {k: v for k, v in (("page_limit", args.page_limit), ("push_batch", args.push_batch)) if v is not None}
    if not all(1 <= v <= 20000 for v in extra.values()):
        raise ValueError("--page-limit and --push-batch must be from 1 to 20000")
    agent = open_agent(args.db, interval=args.interval, progress=bar, use_snapshot=not args.no_snapshot, **extra)

    def stop(signum, frame) -> None:
        agent.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return agent.run()
    finally:
        if bar is not None:
            bar.close()
        agent.close()
