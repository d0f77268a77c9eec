"""Writing one store of the demo chain into a terminal's local store.

The result is what a terminal holds after its first full sync: every feed's rows, written
through the same domain writers the sync agent uses where they exist
(:func:`retail.catalogue.upsert_products` keeps the barcodes and the search index,
:mod:`retail.prices`, :mod:`retail.inventory`, :mod:`retail.store.settings`) and with plain parameterised ``executemany`` for the rest.
Feed cursors are left empty: the demo rows did not come from a central, so a sync agent
pointed at one starts every feed from the beginning and simply rewrites the same rows.

Big feeds are written in chunks, each in its own transaction, so memory stays bounded at
a million SKUs. A file that already holds sales, shifts or unsent events of a real
terminal is never replaced unless asked (``force``); a file with only demo data is.
"""
from __future__ import annotations

import itertools
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from retail import catalogue, inventory, prices
from retail.store import connect, transaction
from retail.store import settings as store_settings

from .chain import DemoChain, DemoError

CHUNK = 5000
TERMINAL_KINDS = ("pos", "kiosk")
_TERMINAL = re.compile(r"[A-Z0-9]{1,12}")
# What a real terminal makes: a demo load never silently destroys these.
_ACTIVITY = {"sales": "SELECT COUNT(*) FROM sales", "shifts": "SELECT COUNT(*) FROM shifts",
             "outbox": "SELECT COUNT(*) FROM outbox"}


def _chunks(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _terminal_activity(path: Path) -> dict[str, int]:
    """Sales, shifts and outbox events already in the file (nothing for a fresh one)."""
    try:
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DemoError(f"cannot open {path}: {exc}") from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {table: conn.execute(sql).fetchone()[0] for table, sql in _ACTIVITY.items() if table in tables}
    except sqlite3.DatabaseError as exc:
        raise DemoError(f"{path} is not a Vitrina local store ({exc}); choose another --db") from None
    finally:
        conn.close()


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def prepare_file(path: str | Path, *, force: bool = False) -> Path:
    """Make room for a fresh demo store at ``path``, refusing to destroy a terminal's work."""
    path = Path(path)
    if path.is_dir():
        raise DemoError(f"{path} is a directory; --db needs a file name such as var/demo/MSK1-P1.db")
    if path.exists():
        activity = {k: v for k, v in _terminal_activity(path).items() if v}
        if activity and not force:
            held = ", ".join(f"{n} {what}" for what, n in activity.items())
            raise DemoError(f"{path} already holds a terminal's own records ({held}); loading the demo would "
                            "replace them. Choose another --db, or pass --force to replace it anyway")
        _remove(path)
    return path


def load_store(path: str | Path, chain: DemoChain, store_id: str, *, terminal_id: str = "P1",
               terminal_kind: str = "pos", force: bool = False) -> dict[str, int]:
    """Write ``store_id`` of ``chain`` as terminal ``terminal_id``'s local store at ``path``.

    Returns the row counts of the written tables. Raises :class:`DemoError` for an unknown
    store, a bad terminal id, or a file that holds a real terminal's work.
    """
    if store_id not in chain.store_ids:
        raise DemoError(f"unknown store {store_id!r}; the demo chain's stores are {', '.join(chain.store_ids)}")
    if not isinstance(terminal_id, str) or not _TERMINAL.fullmatch(terminal_id):
        raise DemoError(f"terminal id must be 1-12 capital letters or digits (like P1), got {terminal_id!r}")
    if terminal_kind not in TERMINAL_KINDS:
        raise DemoError(f"terminal kind must be one of {', '.join(TERMINAL_KINDS)}, got {terminal_kind!r}")
    path = prepare_file(path, force=force)
    conn = connect(path)
    try:
        _write(conn, chain, store_id, terminal_id, terminal_kind)
        return counts(conn)
    finally:
        conn.close()


def _write(conn: sqlite3.Connection, chain: DemoChain, store_id: str, terminal_id: str, terminal_kind: str) -> None:
    with transaction(conn):
        store_settings.put(conn, "store_id", store_id)
        store_settings.put(conn, "terminal_id", terminal_id)
        store_settings.put(conn, "terminal_kind", terminal_kind)
        settings_feed = list(chain.settings(store_id))
        for row in settings_feed:
            if row["type"] == "setting":
                store_settings.put(conn, row["key"], row["value"])
        conn.executemany(
            "INSERT INTO signing_keys(kid, secret, valid_from, retired_at) VALUES (?, ?, ?, ?)",
            [(r["kid"], bytes.fromhex(r["secret"]), r["valid_from"], r["retired_at"])
             for r in settings_feed if r["type"] == "signing_key"])
        conn.executemany(
            "INSERT INTO stores(id, name_ru, name_en, kind, city_ru, city_en, address, timezone, pickup, "
            "delivery_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(r["id"], r["name_ru"], r["name_en"], r["kind"], r["city_ru"], r["city_en"], r["address"],
              r["timezone"], int(r["pickup"]), r["delivery_days"]) for r in chain.stores()])
        conn.executemany(
            "INSERT INTO staff(id, name, role, pin_hash, active) VALUES (?, ?, ?, ?, ?)",
            [(r["id"], r["name"], r["role"], r["pin_hash"], int(r["active"])) for r in chain.staff(store_id)])
        catalogue.upsert_categories(conn, chain.categories())
        catalogue.upsert_brands(conn, chain.brands())
        conn.executemany(
            "INSERT INTO promotions(id, kind, name_ru, name_en, params, priority, exclusive, stackable, valid_from, "
            "valid_to, coupon_code, tier, customer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(r["id"], r["kind"], r["name_ru"], r["name_en"], _json(r["params"]), r["priority"], int(r["exclusive"]),
              int(r["stackable"]), r["valid_from"], r["valid_to"], r["coupon_code"], r["tier"], r["customer_id"])
             for r in chain.promotions(store_id)])
    for chunk in _chunks(chain.products()):
        with transaction(conn):
            catalogue.upsert_products(conn, chunk)
    for chunk in _chunks(chain.prices(store_id), 4 * CHUNK):
        with transaction(conn):
            prices.upsert_prices(conn, chunk)
    for chunk in _chunks(chain.inventory_feed(store_id), 4 * CHUNK):
        with transaction(conn):
            inventory.upsert_stock(conn, [r for r in chunk if r["type"] == "stock"], 0)
            inventory.upsert_network_stock(conn, [r for r in chunk if r["type"] == "network"])
    for chunk in _chunks(chain.customers(), 4 * CHUNK):
        with transaction(conn):
            conn.executemany(
                "INSERT INTO customers(id, first_name, last_name, tier, balance, phone_last4) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(r["id"], r["first_name"], r["last_name"], r["tier"], r["balance"], r["phone_last4"])
                 for r in chunk])
            conn.executemany(
                "INSERT INTO loyalty_cards(number, customer_id, blocked) VALUES (?, ?, ?)",
                [(card["number"], r["id"], int(card["blocked"])) for r in chunk for card in r["cards"]])
    orders = list(chain.orders(store_id))
    with transaction(conn):
        conn.executemany(
            "INSERT INTO orders(id, number, channel, fulfilment, status, pickup_store_id, source_id, customer_id, "
            "contact, total, paid, pickup_code_hash, created_at, updated_at, ready_at, expires_at, arrived_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(o["id"], o["number"], o["channel"], o["fulfilment"], o["status"], o["pickup_store_id"], o["source_id"],
              o["customer_id"], _json(o["contact"]), o["total"], o["paid"], o["pickup_code_hash"], o["created_at"],
              o["updated_at"], o["ready_at"], o["expires_at"], o["arrived_at"]) for o in orders])
        conn.executemany(
            "INSERT INTO order_lines(order_id, line_no, sku, name, qty_milli, unit_price, amount, vat_rate_bp, "
            "returned_milli) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(o["id"], ln["line_no"], ln["sku"], ln["name"], ln["qty_milli"], ln["unit_price"], ln["amount"],
              ln["vat_rate_bp"], ln["returned_milli"]) for o in orders for ln in o["lines"]])
    conn.execute("PRAGMA optimize")


# Table -> its count query, written out: table names cannot be query parameters.
COUNTED = {
    "stores": "SELECT COUNT(*) FROM stores",
    "categories": "SELECT COUNT(*) FROM categories",
    "brands": "SELECT COUNT(*) FROM brands",
    "products": "SELECT COUNT(*) FROM products",
    "barcodes": "SELECT COUNT(*) FROM barcodes",
    "prices": "SELECT COUNT(*) FROM prices",
    "promotions": "SELECT COUNT(*) FROM promotions",
    "stock": "SELECT COUNT(*) FROM stock",
    "network_stock": "SELECT COUNT(*) FROM network_stock",
    "customers": "SELECT COUNT(*) FROM customers",
    "loyalty_cards": "SELECT COUNT(*) FROM loyalty_cards",
    "staff": "SELECT COUNT(*) FROM staff",
    "orders": "SELECT COUNT(*) FROM orders",
    "order_lines": "SELECT COUNT(*) FROM order_lines",
    "settings": "SELECT COUNT(*) FROM settings",
    "signing_keys": "SELECT COUNT(*) FROM signing_keys",
}


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table of the reference data."""
    return {table: conn.execute(sql).fetchone()[0] for table, sql in COUNTED.items()}
