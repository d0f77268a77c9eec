"""Per-store price books and stock, block by block alongside the catalogue.

Each (feed, location, block) has its own ``random.Random``, so the price of a SKU in
SPB1 or its stock in WH1 is the same whether it is generated for SPB1's own feed or as
network availability in MSK1's inventory feed, and no feed needs another in memory.
"""
from __future__ import annotations

import random
from typing import Iterator

from .products import HERO, HEROES, Catalogue, Core, shelf_price

DAY = 86_400
_HEROES = len(HEROES)  # the fixed demo products: on every shelf unless said otherwise below
BIG_ITEMS = frozenset({"electronics", "clothing", "home"})  # often not on every store's shelves


def day_start(t: int) -> int:
    return t - t % DAY


class PriceBook:
    """Regular prices with per-store variation, label (shelf promotion) prices, and
    scheduled changes, relative to ``now``.

    Rows per SKU: one ``regular`` row from ``since`` (60 days ago); for about 3 % a change
    at midnight 1-14 days ahead (the old row gets ``valid_to`` then, the new one starts);
    for about 6 % a ``label`` price 10-30 % lower, running now, plus a few that ended last
    week or start in a few days, so the terminal's "price at t" logic meets all three.
    """

    def __init__(self, catalogue: Catalogue, now: int) -> None:
        self.catalogue = catalogue
        self.today = day_start(now)
        self.since = self.today - 60 * DAY

    def rows(self, store_id: str) -> Iterator[dict]:
        for block in self.catalogue.blocks:
            yield from self.block(store_id, block)

    def block(self, store_id: str, block: int) -> list[dict]:
        rng = random.Random(f"{self.catalogue.seed}:prices:{store_id}:{block}")
        out: list[dict] = []
        for core in self.catalogue.core_block(block):
            out.extend(self._rows(rng, store_id, core))
        return out

    def _rows(self, rng: random.Random, store_id: str, core: Core) -> list[dict]:
        bits = rng.getrandbits(64)
        sku, regular = core.sku, core.price
        exact = core.family.exact
        if not exact and bits % 100 < 15:  # this store prices it 3-8 % off the chain's base
            pct = 92 + (bits >> 8) % 17  # 92..108
            regular = shelf_price(regular * pct // 100)
        bits >>= 16
        roll = bits % 1000
        bits >>= 10
        rows = []
        if not exact and roll < 30:
            change = self.today + (1 + bits % 14) * DAY
            new = shelf_price(regular * (103 + (bits >> 4) % 13) // 100)
            rows.append({"sku": sku, "kind": "regular", "valid_from": self.since, "valid_to": change,
                         "price": regular})
            rows.append({"sku": sku, "kind": "regular", "valid_from": change, "valid_to": None, "price": new})
        else:
            rows.append({"sku": sku, "kind": "regular", "valid_from": self.since, "valid_to": None,
                         "price": regular})
        bits >>= 8
        label_roll = bits % 1000
        bits >>= 10
        hero_label = core.index == HERO["chocolate"]
        if not exact and (hero_label or 100 <= label_roll < 180):
            if hero_label or label_roll < 160:  # running now
                start = self.today - (bits % 7) * DAY
                end = self.today + (7 + (bits >> 3) % 14) * DAY
            elif label_roll < 170:  # ended last week
                end = self.today - (1 + bits % 6) * DAY
                start = end - 14 * DAY
            else:  # starts in a few days
                start = self.today + (1 + bits % 5) * DAY
                end = start + 14 * DAY
            label = shelf_price(regular * (70 + (bits >> 8) % 21) // 100)
            if label < regular:
                rows.append({"sku": sku, "kind": "label", "valid_from": start, "valid_to": end, "price": label})
        return rows


def price_at(rows: list[dict], t: int) -> int | None:
    """The shelf price at ``t`` from one SKU's rows: the regular price in force, or the
    label price in force if lower (the terminal's rule, for orders made by the demo)."""
    best: dict[str, tuple[int, int]] = {}
    for row in rows:
        if row["valid_from"] <= t and (row["valid_to"] is None or t < row["valid_to"]):
            kind = row["kind"]
            if kind not in best or row["valid_from"] > best[kind][0]:
                best[kind] = (row["valid_from"], row["price"])
    if "regular" not in best:
        return None
    regular = best["regular"][1]
    if "label" in best:
        return min(regular, best["label"][1])
    return regular


class Stock:
    """On-hand per location. ``None`` = the location does not carry the SKU at all."""

    def __init__(self, catalogue: Catalogue, first_store: str, warehouse: str) -> None:
        self.catalogue = catalogue
        self.first_store = first_store
        self.warehouse = warehouse

    def block(self, location: str, block: int) -> list[tuple[int, int] | None]:
        """(on_hand_milli, safety_milli) or None for every product of the block."""
        rng = random.Random(f"{self.catalogue.seed}:stock:{location}:{block}")
        wh = location == self.warehouse
        out: list[tuple[int, int] | None] = []
        for core in self.catalogue.core_block(block):
            bits = rng.getrandbits(64)
            out.append(self._one(core, bits, wh, location == self.first_store))
        return out

    @staticmethod
    def _one(core: Core, bits: int, warehouse: bool, first_store: bool) -> tuple[int, int] | None:
        top = core.leaf.top.id
        roll = bits % 1000
        bits >>= 10
        if first_store and core.index == HERO["tv"]:
            return None  # the endless-aisle example: not carried here, in the warehouse
        if first_store and core.index == HERO["headphones"]:
            return 0, 0  # carried but sold out
        if warehouse:
            if core.family.exact:
                return None  # gift cards are printed in the stores
            if core.index >= _HEROES:
                if roll < 30:
                    return None
                if roll < 100:
                    return 0, 0
            if core.loose:
                return (50 + bits % 1500) * 1000 + (bits >> 12) % 1000, 0
            return (1 + bits % 400) * 1000, 0
        if roll < (150 if top in BIG_ITEMS else 20) and core.index >= _HEROES:
            return None
        if roll >= 950 and core.index >= _HEROES:
            return 0, 1000
        if core.loose:
            on_hand = 500 + bits % 40_000  # grams: 0.5-40.5 kg
            safety = 500 + (bits >> 16) % 4 * 500
            return on_hand, safety
        if top == "electronics":
            return (1 + bits % 8) * 1000, 0
        if top in BIG_ITEMS:
            return (1 + bits % 15) * 1000, 1000 * ((bits >> 8) % 2)
        return (1 + bits % 60) * 1000, 1000 * (1 + (bits >> 8) % 3)
