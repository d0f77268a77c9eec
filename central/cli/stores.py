"""``stores``: list the chain's stores and warehouses with their terminals."""
from __future__ import annotations

from ..storage import chain, terminals
from .common import add_db, open_db


def register(sub) -> None:
    p = sub.add_parser("stores", help="list stores, warehouses and terminals")
    add_db(p)
    p.set_defaults(run=run)


def run(args) -> int:
    conn = open_db(args)
    registered: dict[str, list[str]] = {}
    for t in terminals.terminals(conn):
        state = "revoked" if t["revoked_at"] else f"acked {t['acked_through']}"
        registered.setdefault(t["store_id"], []).append(f"{t['terminal_id']} ({t['kind']}, {state})")
    for row in chain.locations(conn):
        line = f"{row['id']}\t{row['kind']}\t{row['name_ru']}\t{row['city_ru']}"
        if registered.get(row["id"]):
            line += "\t" + ", ".join(registered[row["id"]])
        print(line)
    conn.close()
    return 0
