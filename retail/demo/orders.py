"""Demo orders: click-and-collect in every status and home deliveries, per store.

Each store that takes pickups gets orders placed on the web, in the app and at a kiosk
(one endless-aisle order shipped from the warehouse), in every status: placed, picking,
ready (one with the shopper already checked in), collected (one with a returned line),
expired and cancelled. Every store also ships a few home deliveries. Lines are real
SKUs of the catalogue at the price the store's price book gave when the order was made.

Numbers read ``<store>-WEB-000001``, ``<store>-APP-...`` and, for kiosk orders,
``<store>-K2-...`` (a second kiosk not used in the demo, so a terminal's own numbering
never collides with them); central's web shop numbers its orders ``WEB-SHOP-...``.
The pickup code is a 6-digit secret; the feed carries only its SHA-256
(:func:`pickup_secrets` tells the README which secret opens which order).
"""
from __future__ import annotations

import hashlib
import random
import uuid
from functools import cached_property
from typing import NamedTuple

from retail.money import line_amount

from .names import CITIES
from .people import Customers, customer_id
from .products import HERO, Catalogue, Core, is_active
from .stock import PriceBook, price_at

HOUR = 3600
DAY = 86_400
HOLD_DAYS = 3  # the settings' pickup_hold_days
OPEN = ("placed", "picking", "ready")

# (status, channel, shipped from the warehouse, prepaid)
_PICKUP_PLAN = (
    ("placed", "web", False, True), ("placed", "app", False, False), ("picking", "kiosk", True, True),
    ("ready", "web", False, True), ("ready", "app", False, False), ("collected", "web", False, True),
    ("collected", "kiosk", False, True), ("expired", "web", False, False), ("cancelled", "app", False, True),
)
_DELIVERY_PLAN = (("placed", "web"), ("picking", "app"), ("delivered", "web"), ("placed", "kiosk"))
_NUMBER_TERMINAL = {"web": "WEB", "app": "APP", "kiosk": "K2"}


class DemoOrder(NamedTuple):
    row: dict
    secret: str  # "" for deliveries


def pickup_hash(secret: str) -> str:
    """SHA-256 hex of the shopper's code, as ``retail.orders.hash_secret`` stores it."""
    return hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()


def _uuid7(rng: random.Random, at: int) -> str:
    """A UUIDv7 for a time in the past, from the seeded generator (reproducible)."""
    ms = at * 1000 + rng.randrange(1000)
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    return str(uuid.UUID(int=value))


class Orders:
    def __init__(self, catalogue: Catalogue, prices: PriceBook, customers: Customers, stores: list[dict],
                 warehouse_id: str, now: int) -> None:
        self.catalogue = catalogue
        self.prices = prices
        self.customers = customers
        self.stores = stores
        self.warehouse_id = warehouse_id
        self.now = now
        self._books: dict[str, dict[str, list[dict]]] = {}

    @cached_property
    def all(self) -> list[DemoOrder]:
        out: list[DemoOrder] = []
        if not self.catalogue.skus:
            return out
        for position, store in enumerate(self.stores):
            out.extend(self._for_store(position, store))
        return out

    def for_location(self, location_id: str) -> list[dict]:
        return [o.row for o in self.all
                if o.row["pickup_store_id"] == location_id or o.row["source_id"] == location_id]

    def pickup_secrets(self, store_id: str) -> list[tuple[str, str, str]]:
        """(number, status, secret) of the pickup orders at ``store_id``."""
        return [(o.row["number"], o.row["status"], o.secret) for o in self.all
                if o.row["pickup_store_id"] == store_id]

    def reserved(self, location_id: str) -> dict[str, int]:
        """Quantities held for open orders shipped from ``location_id``, by SKU."""
        out: dict[str, int] = {}
        for o in self.all:
            if o.row["source_id"] == location_id and o.row["status"] in OPEN:
                for line in o.row["lines"]:
                    out[line["sku"]] = out.get(line["sku"], 0) + line["qty_milli"]
        return out

    # ------------------------------------------------------------ building

    def _book(self, location_id: str) -> dict[str, list[dict]]:
        book = self._books.get(location_id)
        if book is None:
            book = {}
            for row in self.prices.block(location_id, 0):
                book.setdefault(row["sku"], []).append(row)
            self._books[location_id] = book
        return book

    def _for_store(self, position: int, store: dict) -> list[DemoOrder]:
        store_id = store["id"]
        rng = random.Random(f"{self.catalogue.seed}:orders:{store_id}")
        pool = [c for c in self.catalogue.core_block(0) if is_active(c.index) and not c.family.exact]
        counters: dict[str, int] = {}
        out = []
        if store["pickup"]:
            first_ready = True
            for status, channel, from_warehouse, prepaid in _PICKUP_PLAN:
                source = self.warehouse_id if from_warehouse else store_id
                must = None
                if from_warehouse and position == 0:
                    must = self._hero("tv")  # the endless-aisle example: not on this store's shelves
                named = 0 if (status == "ready" and first_ready and position == 0) else None
                arrived = status == "ready" and first_ready
                first_ready = first_ready and status != "ready"
                out.append(self._order(rng, store, pool, counters, status=status, channel=channel,
                                       fulfilment="pickup", source=source, prepaid=prepaid, must=must,
                                       customer=named, arrived=arrived))
        for status, channel in _DELIVERY_PLAN:
            out.append(self._order(rng, store, pool, counters, status=status, channel=channel,
                                   fulfilment="delivery", source=store_id, prepaid=True))
        return out

    def _hero(self, name: str) -> Core | None:
        index = HERO[name]
        return self.catalogue.core(index) if index < self.catalogue.skus else None

    def _order(self, rng: random.Random, store: dict, pool: list[Core], counters: dict[str, int], *, status: str,
               channel: str, fulfilment: str, source: str, prepaid: bool, must: Core | None = None,
               customer: int | None = None, arrived: bool = False) -> DemoOrder:
        store_id = store["id"]
        now = self.now
        created, ready_at, expires_at, updated = self._times(rng, status)
        book = self._book(store_id if fulfilment == "pickup" else source)
        picks = ([must] if must is not None else []) + [rng.choice(pool) for _ in range(rng.randint(1, 4))]
        lines, seen = [], set()
        for core in picks:
            prices = book.get(core.sku)
            unit_price = price_at(prices, created) if prices else None
            if core.sku in seen or unit_price is None:
                continue
            seen.add(core.sku)
            qty = rng.randint(300, 2500) if core.loose else rng.randint(1, 3) * 1000
            lines.append({"line_no": len(lines) + 1, "sku": core.sku, "name": self.catalogue.name_ru(core),
                          "qty_milli": qty, "unit_price": unit_price, "amount": line_amount(unit_price, qty),
                          "vat_rate_bp": core.leaf.vat_bp, "returned_milli": 0})
        if status == "collected" and channel == "kiosk" and lines[0]["qty_milli"] % 1000 == 0:
            lines[0]["returned_milli"] = 1000  # one piece came back to the store
        total = sum(line["amount"] for line in lines)
        if customer is None and self.customers.count and rng.random() < 0.7:
            customer = rng.randrange(min(self.customers.count, 1000))
        if customer is not None and customer < self.customers.count:
            person = self.customers.person(customer)
            name = f"{person.row['first_name']} {person.row['last_name']}"
            phone, cust_id = person.phone, customer_id(customer)
        else:
            digits = rng.randrange(10**9)
            name, cust_id = "Гость", None
            phone = f"+7 9{digits // 10**7:02d} {digits // 10**4 % 1000:03d}-{digits // 100 % 100:02d}-{digits % 100:02d}"
        contact = {"name": name, "phone": phone, "email": ""}
        if fulfilment == "delivery":
            streets = CITIES[store_id.rstrip("0123456789")][3] if store_id.rstrip("0123456789") in CITIES else ()
            street = rng.choice(streets)[0] if streets else "ул. Ленина"
            contact["address"] = f"{store['city_ru']}, {street}, д. {rng.randint(1, 150)}, кв. {rng.randint(1, 300)}"
        counters[channel] = counters.get(channel, 0) + 1
        number = f"{store_id}-{_NUMBER_TERMINAL[channel]}-{counters[channel]:06d}"
        secret = f"{rng.randrange(10**6):06d}" if fulfilment == "pickup" else ""
        row = {
            "id": _uuid7(rng, created),
            "number": number,
            "channel": channel,
            "fulfilment": fulfilment,
            "status": status,
            "pickup_store_id": store_id if fulfilment == "pickup" else None,
            "source_id": source,
            "customer_id": cust_id,
            "contact": contact,
            "total": total,
            "paid": total if prepaid else 0,
            "pickup_code_hash": pickup_hash(secret) if secret else "",
            "created_at": created,
            "updated_at": updated,
            "ready_at": ready_at,
            "expires_at": expires_at,
            "arrived_at": now - 15 * 60 if arrived else None,
            "lines": lines,
        }
        return DemoOrder(row, secret)

    def _times(self, rng: random.Random, status: str) -> tuple[int, int | None, int | None, int]:
        """(created_at, ready_at, expires_at, updated_at) for an order now in ``status``."""
        now = self.now
        hold = HOLD_DAYS * DAY
        if status == "placed":
            created = now - rng.randint(1, 5) * HOUR
            return created, None, None, created
        if status == "picking":
            created = now - rng.randint(5, 20) * HOUR
            return created, None, None, created + HOUR
        if status == "ready":
            created = now - rng.randint(24, 44) * HOUR
            ready = created + 4 * HOUR
            return created, ready, ready + hold, ready
        if status == "collected":
            created = now - rng.randint(4, 9) * DAY
            ready = created + 5 * HOUR
            return created, ready, ready + hold, ready + DAY
        if status == "expired":
            created = now - 10 * DAY
            ready = created + 6 * HOUR
            return created, ready, ready + hold, ready + hold
        if status == "cancelled":
            created = now - 3 * DAY
            return created, None, None, created + 2 * HOUR
        created = now - 6 * DAY  # delivered
        return created, None, None, now - 4 * DAY
