"""``register``: make this local store a terminal of a store, with its token."""
from __future__ import annotations

import sys
import time

from .. import identity
from .common import add_db, open_store


def register(sub) -> None:
    p = sub.add_parser("register", help="set this terminal's identity and token (token goes to <db>.token, 0600)")
    add_db(p)
    p.add_argument("--central", required=True, help="central's URL, e.g. http://hq.example:8700")
    p.add_argument("--store", required=True, help="store id, e.g. MSK1")
    p.add_argument("--terminal", required=True, help="terminal id, e.g. P1")
    p.add_argument("--token", required=True,
                   help="the token `python -m central terminal add` printed; '-' reads it from stdin")
    p.add_argument("--kind", choices=identity.KINDS, default="pos")
    p.set_defaults(run=run)


def run(args) -> int:
    token = sys.stdin.readline().strip() if args.token == "-" else args.token
    conn = open_store(args.db, must_exist=False)
    try:
        ident = identity.register(conn, args.db, central=args.central, store=args.store, terminal=args.terminal,
                                  token=token, kind=args.kind, now=int(time.time()))
    except identity.RegistrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        conn.close()
    print(f"registered {ident.kind} terminal {ident.terminal_id} of store {ident.store_id} with {ident.central_url}; "
          f"token in {identity.token_path(args.db)}")
    return 0
