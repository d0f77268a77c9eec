"""``once``: one full cycle (push, pull every feed, push); non-zero exit on failure."""
from __future__ import annotations

import sys
import time

from .. import state
from ..agent import EXIT_FAILED, EXIT_OK, EXIT_STOPPED, open_agent
from ..errors import AuthError, SyncError
from ..progress import for_stream
from .common import add_db


def register(sub) -> None:
    p = sub.add_parser("once", help="sync once now and exit (status 0 when everything went through)")
    add_db(p)
    p.add_argument("--page-limit", type=int, default=None, help="rows per feed page (default 5000 for the catalogue, 10000 for the rest)")
    p.add_argument("--push-batch", type=int, default=None, help="events per request (default 200)")
    p.add_argument("--no-snapshot", action="store_true",
                   help="on a first load, pull every feed page by page even if central offers the store's snapshot")
    p.set_defaults(run=run)


def run(args) -> int:
    bar = for_stream()
    extra = {k: v for k, v in (("page_limit", args.page_limit), ("push_batch", args.push_batch)) if v is not None}
    if not all(1 <= v <= 20000 for v in extra.values()):
        raise ValueError("--page-limit and --push-batch must be from 1 to 20000")
    agent = open_agent(args.db, progress=bar, use_snapshot=not args.no_snapshot, **extra)
    try:
        return _cycle(agent, bar)
    finally:
        agent.close()


def _cycle(agent, bar) -> int:
    ids = state.take_requests(agent.conn)
    try:
        report = agent.cycle()
    except AuthError as exc:
        state.stopped(agent.conn, exc.reason, str(exc))
        state.finish_requests(agent.conn, ids, f"stopped: {exc.reason}")
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_STOPPED
    except SyncError as exc:
        state.cycle_done(agent.conn, ok=False, error=str(exc), next_run_at=None)
        state.finish_requests(agent.conn, ids, f"failed: {exc}")
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if bar is not None:
            bar.close()
    state.cycle_done(agent.conn, ok=report.ok, error="; ".join(report.feed_errors) or None, next_run_at=None,
                     now=time.time())
    state.finish_requests(agent.conn, ids, report.summary())
    print(report.summary(), f"({report.seconds:.1f} s)", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED
