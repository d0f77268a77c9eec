"""``channel add|revoke``: tokens for the web shop (and app) that place web orders."""
from __future__ import annotations

from ..storage import terminals, transaction
from .common import add_db, now, open_db


def register(sub) -> None:
    p = sub.add_parser("channel", help="issue or revoke a web shop / app token")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="issue a channel token and print it (shown once)")
    add_db(add)
    add.add_argument("--channel", choices=("web", "app"), default="web")
    add.add_argument("--label", default="shop", help="what the token is for, to revoke it later")
    add.set_defaults(run=run_add)
    revoke = actions.add_parser("revoke", help="revoke the channel's tokens with this label")
    add_db(revoke)
    revoke.add_argument("--channel", choices=("web", "app"), default="web")
    revoke.add_argument("--label", default="shop")
    revoke.set_defaults(run=run_revoke)


def run_add(args) -> int:
    conn = open_db(args)
    with transaction(conn):
        token = terminals.add_channel_token(conn, args.channel, args.label, now())
    conn.close()
    print(token)
    return 0


def run_revoke(args) -> int:
    conn = open_db(args)
    with transaction(conn):
        n = terminals.revoke_channel_tokens(conn, args.channel, args.label, now())
    conn.close()
    print(f"revoked {n} {args.channel} token(s) labelled {args.label!r}")
    return 0 if n else 1
