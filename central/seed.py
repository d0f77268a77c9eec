"""Loading the demo chain (``retail.demo.DemoChain``) into an empty central database.

Rows come from the generator already in protocol shape; they go through the same checks
as any other write (:mod:`central.records`) and are bulk-loaded with ``executemany`` in
large transactions, one per kind of data, with ``synchronous=OFF`` (an interrupted seed
is simply run again on a fresh file). A million SKUs load in about a minute or two.
"""
from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from . import records
from .errors import CentralError, Invalid
from .storage import catalogue, chain, customers, orders, stock, transaction

BATCH = 50_000


@dataclass
class SeedSummary:
    stores: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def counts_text(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in self.counts.items())


def _chunks(rows: Iterable, size: int = BATCH) -> Iterator[list]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _converted(rows: Iterable, convert: Callable, size: int = BATCH) -> Iterator[list]:
    """Chunks of ``convert(row)``. (Converting in a second thread was measured slower:
    ``executemany`` hands the GIL back and forth for every row.)"""
    for chunk in _chunks(rows, size):
        yield [convert(r) for r in chunk]


def seed_demo(conn: sqlite3.Connection, *, seed: int, skus: int, stores: int, customers: int, now: int
              ) -> SeedSummary:
    """Generate the demo chain and load it; returns the store ids (and counts)."""
    try:
        from retail.demo import DemoChain
    except ImportError as exc:
        raise CentralError(f"the demo chain generator is not available ({exc})") from None
    demo = DemoChain(seed=seed, skus=skus, stores=stores, customers=customers, now=now)
    return load(conn, demo, now)


def _split_settings(rows: Iterable[dict]) -> tuple[list, list]:
    settings, keys = [], []
    for row in rows:
        if row.get("type") == "signing_key":
            keys.append(records.signing_key(row))
        else:
            settings.append(records.setting(row))
    return settings, keys


def load(conn: sqlite3.Connection, demo, now: int) -> SeedSummary:
    """Load every kind of row ``demo`` yields; the database must hold no chain yet."""
    if chain.locations(conn):
        raise CentralError("this database already holds a chain; seed a new file")
    summary = SeedSummary()
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB while loading: index pages stay in memory
    try:
        locations = [records.location(r) for r in demo.stores()]
        with transaction(conn):
            chain.upsert_locations(conn, locations)
            catalogue.upsert_categories(conn, [records.category(r) for r in demo.categories()])
            catalogue.upsert_brands(conn, [records.brand(r) for r in demo.brands()])
        summary.add("locations", len(locations))
        summary.stores = [loc[0] for loc in locations if loc[3] == "store"]
        with transaction(conn):
            for chunk in _converted(demo.products(), records.product):
                catalogue.upsert_products(conn, chunk, fresh=True)
                summary.add("products", len(chunk))
        with transaction(conn):
            for chunk in _converted(demo.customers(), records.customer):
                customers.upsert_customers(conn, chunk, at=now, fresh=True)
                summary.add("customers", len(chunk))
        promotions: dict[str, list[dict]] = {}
        for loc in locations:
            location_id, kind = loc[0], loc[3]
            with transaction(conn):
                for chunk in _converted(demo.prices(location_id), records.price):
                    catalogue.upsert_prices(conn, location_id, chunk, fresh=True)
                    summary.add("prices", len(chunk))
                for chunk in _converted(demo.inventory(location_id), records.stock):
                    stock.set_levels(conn, location_id, chunk, fresh=True)
                    summary.add("stock rows", len(chunk))
            if kind != "store":
                continue
            with transaction(conn):
                chain.upsert_staff(conn, location_id, [records.staff(r) for r in demo.staff(location_id)])
                settings, keys = _split_settings(demo.settings(location_id))
                chain.upsert_settings(conn, location_id, settings)
                chain.upsert_signing_keys(conn, location_id, keys)
            promotions[location_id] = list(demo.promotions(location_id))
        with transaction(conn):
            _load_promotions(conn, promotions, summary)
        with transaction(conn):
            loaded: set[str] = set()
            for loc in locations:  # delivery orders shipping from the warehouse are listed only there
                for row in demo.orders(loc[0]):
                    if row.get("id") in loaded:  # listed for its pickup store and for its source
                        continue
                    _load_order(conn, row, now)
                    loaded.add(row.get("id"))
                    summary.add("orders", 1)
    finally:
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -2000")
    conn.execute("PRAGMA optimize")
    return summary


def _load_promotions(conn, per_store: dict[str, list[dict]], summary: SeedSummary) -> None:
    """Sort promotions into chain-wide and store ones, then write them.

    A row saying ``store_id`` is taken at its word (null: chain-wide). Otherwise a
    promotion the generator gives for every store is chain-wide (one row every store
    reads) and one given for a single store is that store's.
    """
    seen: dict[str, tuple[dict, list[str]]] = {}
    for store_id, rows in per_store.items():
        for row in rows:
            promo_id = str(row.get("id"))
            if promo_id in seen:
                seen[promo_id][1].append(store_id)
            else:
                seen[promo_id] = (row, [store_id])
    chain_wide, own = [], {}
    for promo_id, (row, stores) in seen.items():
        if "store_id" in row:
            scope = row["store_id"]
        elif len(stores) == len(per_store) and len(stores) > 1:
            scope = None
        elif len(stores) == 1:
            scope = stores[0]
        else:
            raise Invalid(f"demo promotion {promo_id} is given for stores {', '.join(stores)} but not all: "
                          "it needs a store_id")
        if scope is None:
            chain_wide.append(records.promotion(row))
        else:
            own.setdefault(scope, []).append(records.promotion(row))
    catalogue.upsert_promotions(conn, None, chain_wide)
    for store_id, rows in own.items():
        catalogue.upsert_promotions(conn, store_id, rows)
    summary.add("promotions", len(seen))


def _load_order(conn, row: dict, now: int) -> None:
    """A demo order as the orders feed shows it: written with its status and reservations."""
    lines = row.get("lines") or []
    if not lines:
        raise Invalid(f"demo order {row.get('number')} has no lines")
    header = {"id": row["id"], "number": row["number"], "channel": row["channel"], "fulfilment": row["fulfilment"],
              "pickup_store_id": row.get("pickup_store_id"), "source_id": row.get("source_id") or
              row.get("pickup_store_id"), "customer_id": row.get("customer_id"), "contact": row.get("contact") or {},
              "total": row["total"], "paid": row.get("paid", 0), "pickup_code_hash": row.get("pickup_code_hash", ""),
              "created_at": row.get("created_at", now), "expires_at": row.get("expires_at")}
    orders.insert(conn, header, [{**ln, "name": ln.get("name") or ln["sku"],
                                  "vat_rate_bp": ln.get("vat_rate_bp", 2000)} for ln in lines])
    status = row.get("status", "placed")
    if status in ("placed", "picking", "ready"):
        for ln in lines:
            stock.reserve(conn, row["id"], ln["line_no"], header["source_id"], ln["sku"], ln["qty_milli"],
                          header["created_at"])
    if status != "placed" or row.get("arrived_at"):
        orders.touch(conn, row["id"], row.get("updated_at", now), status=status, ready_at=row.get("ready_at"),
                     expires_at=row.get("expires_at"), arrived_at=row.get("arrived_at"),
                     collected_at=row.get("updated_at") if status == "collected" else None)
    orders.history(conn, row["id"], status, applied=True, at=header["created_at"], staff_id=None, source="seed")
