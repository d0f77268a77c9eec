"""``request``: what the manager's "Sync now" does - a request row the running agent picks up."""
from __future__ import annotations

from .. import state
from .common import add_db, open_store


def register(sub) -> None:
    p = sub.add_parser("request", help="ask the running agent to sync now")
    add_db(p)
    p.add_argument("--by", default="cli", help="who asks (staff id), shown on the console")
    p.set_defaults(run=run)


def run(args) -> int:
    conn = open_store(args.db)
    try:
        request_id = state.request_sync(conn, args.by)
    finally:
        conn.close()
    print(f"sync requested (#{request_id})")
    return 0
