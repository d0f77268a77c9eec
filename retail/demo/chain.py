"""``DemoChain``: the whole demo chain, one generator method per feed.

Everything derives from ``seed`` through ``random.Random`` instances seeded with strings
(``"<seed>:<what>:<where>:<block>"``), never the global generator, so the same arguments
give byte-identical rows in any process. Times are relative to the injected ``now``.
Feeds of a million rows are generators that hold one block (1000 products) at a time.
"""
from __future__ import annotations

import time
from collections import Counter
from typing import Iterator

from .categories import LEAVES, TOPS
from .brands import BRANDS
from .orders import Orders
from .people import MAX_CUSTOMERS, STAFF_PLAN, Customers, staff_rows
from .products import HEROES, MAX_SKUS, PLU_BASE, PLU_MAX, WEIGHED_EVERY, WEIGHED_SLOT, Catalogue, brands, categories
from .promotions import chain_promotions, store_promotions
from .stock import PriceBook, Stock, day_start
from .stores import MAX_STORES, settings_rows, store_rows


class DemoError(ValueError):
    """The demo chain cannot be made as asked; the message says what to change."""


def _count(n: int, modulus: int, remainder: int) -> int:
    """How many i in range(n) have i % modulus == remainder."""
    return (n - remainder + modulus - 1) // modulus if n > remainder else 0


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _whole(value: object, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DemoError(f"{what} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise DemoError(f"{what} must be between {_n(low)} and {_n(high)}, got {_n(value)}")
    return value


class DemoChain:
    """A reproducible store chain: stores and a warehouse, catalogue, prices, promotions,
    stock, customers, staff, settings and orders, as protocol-shaped ``data`` dicts.

    ``now`` defaults to the start of the current hour (so two runs within the hour agree).
    """

    def __init__(self, seed: int = 42, skus: int = 20_000, stores: int = 4, customers: int = 2_000,
                 now: int | None = None) -> None:
        self.seed = _whole(seed, "seed", -(2**63), 2**63 - 1)
        self.skus = _whole(skus, "the number of SKUs", 1, MAX_SKUS)
        self.store_count = _whole(stores, "the number of stores", 1, MAX_STORES)
        self.customer_count = _whole(customers, "the number of customers", 0, MAX_CUSTOMERS)
        self.now = int(time.time()) // 3600 * 3600 if now is None else _whole(now, "now", 0, 2**40)
        self._locations = store_rows(self.seed, self.store_count)
        self.store_ids = [row["id"] for row in self._locations if row["kind"] == "store"]
        self.warehouse_id = next(row["id"] for row in self._locations if row["kind"] == "warehouse")
        self.location_ids = [row["id"] for row in self._locations]
        self.catalogue = Catalogue(self.seed, self.skus)
        self.price_book = PriceBook(self.catalogue, self.now)
        self._customers = Customers(self.seed, self.customer_count)
        self._stock = Stock(self.catalogue, self.store_ids[0], self.warehouse_id)
        stores_only = [row for row in self._locations if row["kind"] == "store"]
        self._orders = Orders(self.catalogue, self.price_book, self._customers, stores_only, self.warehouse_id,
                              self.now)
        self._chain_promotions: list[dict] | None = None
        self._staff: dict[str, list[dict]] = {}

    # ------------------------------------------------------------ checks

    def _location(self, location_id: object) -> str:
        if location_id not in self.location_ids:
            raise DemoError(f"unknown location {location_id!r}; the demo chain has {', '.join(self.location_ids)}")
        return location_id  # type: ignore[return-value]

    def _store(self, store_id: object) -> dict:
        self._location(store_id)
        if store_id == self.warehouse_id:
            raise DemoError(f"{store_id} is the warehouse: it has no terminals, staff or settings; "
                            f"use a store ({', '.join(self.store_ids)})")
        return next(row for row in self._locations if row["id"] == store_id)

    # ------------------------------------------------------------ feeds

    def stores(self) -> Iterator[dict]:
        """Every location: the stores, then the warehouse."""
        for row in self._locations:
            yield dict(row)

    def categories(self) -> Iterator[dict]:
        return categories()

    def brands(self) -> Iterator[dict]:
        return brands()

    def products(self) -> Iterator[dict]:
        return self.catalogue.products()

    def prices(self, location_id: str) -> Iterator[dict]:
        """The price book of a store (or of the warehouse, used for home deliveries)."""
        return self.price_book.rows(self._location(location_id))

    def promotions(self, location_id: str) -> Iterator[dict]:
        """The chain's promotions and, for a store, its own two."""
        location_id = self._location(location_id)
        if self._chain_promotions is None:
            self._chain_promotions = chain_promotions(self.catalogue, self.customer_count, day_start(self.now))
        yield from ({**row, "params": _copy(row["params"])} for row in self._chain_promotions)
        if location_id in self.store_ids:
            yield from store_promotions(location_id, self.store_ids.index(location_id), day_start(self.now))

    def inventory(self, location_id: str) -> Iterator[dict]:
        """``stock`` rows of one location: its own on-hand, safety buffer and reservations.

        This is what central keeps per location. The inventory *feed* a store's terminal
        reads adds ``network`` rows for the other locations: :meth:`inventory_feed`.
        """
        location_id = self._location(location_id)
        reserved = self._orders.reserved(location_id)
        for block in self.catalogue.blocks:
            cores = self.catalogue.core_block(block)
            for core, own in zip(cores, self._stock.block(location_id, block)):
                if own is not None:
                    yield _stock_row(core.sku, own, reserved)

    def network(self, location_id: str) -> Iterator[dict]:
        """``network`` rows: what every other location could promise, for the endless aisle."""
        return self._inventory_feed(self._location(location_id), own=False)

    def inventory_feed(self, location_id: str) -> Iterator[dict]:
        """The inventory feed as a store's terminal gets it: ``stock`` and ``network`` rows."""
        return self._inventory_feed(self._location(location_id), own=True)

    def _inventory_feed(self, location_id: str, own: bool) -> Iterator[dict]:
        others = [loc for loc in self.location_ids if loc != location_id]
        reserved = {loc: self._orders.reserved(loc) for loc in self.location_ids}
        mine = reserved[location_id]
        for block in self.catalogue.blocks:
            cores = self.catalogue.core_block(block)
            here = self._stock.block(location_id, block) if own else None
            there = [(loc, reserved[loc], self._stock.block(loc, block)) for loc in others]
            for k, core in enumerate(cores):
                sku = core.sku
                if here is not None and here[k] is not None:
                    yield _stock_row(sku, here[k], mine)
                for loc, held, figures in there:
                    theirs = figures[k]
                    if theirs is not None:
                        on_hand, safety = theirs
                        yield {"type": "network", "sku": sku, "location_id": loc,
                               "available_milli": max(0, on_hand - held.get(sku, 0) - safety)}

    def customers(self) -> Iterator[dict]:
        return self._customers.rows()

    def staff(self, store_id: str) -> Iterator[dict]:
        """A cashier (PIN 1111), a manager (2222), a technician (9999) and an inactive
        former cashier (3333)."""
        self._store(store_id)
        if store_id not in self._staff:
            self._staff[store_id] = staff_rows(self.seed, store_id)  # scrypt is slow on purpose: hash once
        return iter([dict(row) for row in self._staff[store_id]])

    def settings(self, store_id: str) -> Iterator[dict]:
        return iter(settings_rows(self.seed, self._store(store_id), day_start(self.now)))

    def orders(self, location_id: str) -> Iterator[dict]:
        """Orders to be picked up at, or shipped from, this location."""
        return iter(_copy(self._orders.for_location(self._location(location_id))))

    # ------------------------------------------------------------ for the README and the CLI

    def pickup_secrets(self, store_id: str) -> list[tuple[str, str, str]]:
        """(order number, status, 6-digit pickup code) of the pickup orders at ``store_id``."""
        self._store(store_id)
        return self._orders.pickup_secrets(store_id)

    def staff_pins(self, store_id: str) -> list[tuple[dict, str]]:
        """The store's staff rows with their demo PINs (the feed carries only hashes)."""
        return [(row, pin) for row, (_, pin, _) in zip(self.staff(store_id), STAFF_PLAN)]

    def demo_customers(self) -> list[dict]:
        """The named demo customers (gold Анна Смирнова, silver Иван Петров, Ольга
        Кузнецова with a blocked old card) as feed rows, card numbers included."""
        return [self._customers.person(i).row for i in range(min(3, self.customer_count))]

    def summary(self) -> dict:
        """Counts that need no full pass over the catalogue."""
        weighed = min(_count(self.skus, WEIGHED_EVERY, WEIGHED_SLOT), PLU_MAX - PLU_BASE + 1)
        barcodes = self.skus + _count(self.skus, 5, 1) + _count(self.skus, 11, 4)
        orders = Counter(o.row["status"] for o in self._orders.all)
        kinds = Counter(row["kind"] for row in self.promotions(self.store_ids[0]))
        return {
            "seed": self.seed,
            "now": self.now,
            "stores": len(self.store_ids),
            "warehouses": 1,
            "categories": len(TOPS) + len(LEAVES),
            "brands": len(BRANDS),
            "products": self.skus,
            "weighed": weighed,
            "barcodes": barcodes,
            "customers": self.customer_count,
            "cards": self.customer_count + _count(self.customer_count, 5, 2),
            "blocked_cards": _count(self.customer_count, 15, 2),
            "staff_per_store": 4,
            "promotions_by_kind": dict(sorted(kinds.items())),
            "orders_by_status": dict(sorted(orders.items())),
            "hero_products": min(self.skus, len(HEROES)),
        }


def _stock_row(sku: str, figures: tuple[int, int], reserved: dict[str, int]) -> dict:
    return {"type": "stock", "sku": sku, "on_hand_milli": figures[0], "safety_milli": figures[1],
            "reserved_milli": reserved.get(sku, 0)}


def _copy(value):
    """A deep copy of plain JSON data, so a caller editing a row cannot change the next one."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
