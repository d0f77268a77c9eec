"""``terminal add|revoke|list``: register store terminals and issue their tokens."""
from __future__ import annotations

from ..errors import Invalid
from ..records import location_id
from ..storage import chain, terminals, transaction
from .common import add_db, now, open_db


def register(sub) -> None:
    p = sub.add_parser("terminal", help="register or revoke a store terminal")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="register a terminal and print its token (shown once)")
    add_db(add)
    add.add_argument("--store", required=True)
    add.add_argument("--terminal", required=True, help="terminal id, e.g. P1 or K1")
    add.add_argument("--kind", required=True, choices=("pos", "kiosk"))
    add.set_defaults(run=run_add)
    revoke = actions.add_parser("revoke", help="revoke a terminal's token (its calls get 401)")
    add_db(revoke)
    revoke.add_argument("--store", required=True)
    revoke.add_argument("--terminal", required=True)
    revoke.set_defaults(run=run_revoke)
    listing = actions.add_parser("list", help="list terminals")
    add_db(listing)
    listing.add_argument("--store")
    listing.set_defaults(run=run_list)


def run_add(args) -> int:
    store = location_id(args.store.upper(), "terminal add")
    terminal_id = location_id(args.terminal.upper(), "terminal add", "terminal")
    conn = open_db(args)
    with transaction(conn):
        if chain.get_location(conn, store)["kind"] != "store":
            raise Invalid(f"{store} is a warehouse; terminals belong to stores")
        token = terminals.add_terminal(conn, store, terminal_id, args.kind, now())
    conn.close()
    print(token)
    return 0


def run_revoke(args) -> int:
    conn = open_db(args)
    with transaction(conn):
        terminals.revoke_terminal(conn, args.store.upper(), args.terminal.upper(), now())
    conn.close()
    print(f"revoked {args.store.upper()}/{args.terminal.upper()}")
    return 0


def run_list(args) -> int:
    conn = open_db(args)
    for t in terminals.terminals(conn, args.store.upper() if args.store else None):
        state = "revoked" if t["revoked_at"] else "active"
        print(f"{t['store_id']}\t{t['terminal_id']}\t{t['kind']}\t{state}\tacked_through={t['acked_through']}")
    conn.close()
    return 0
