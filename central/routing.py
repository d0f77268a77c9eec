"""Where an order ships from: a pure choice over the chain's locations and availability.

Rules (docs/protocol.md, "Routing"):

- **Pickup at store P**: P itself if it can cover every line; else a warehouse that can;
  else another store that can, nearest first (same city as P, then the shorter typical
  lead time, then the id); if nobody covers the whole order, the first warehouse (it
  will be restocked), or P when the chain has no warehouse.
- **Home delivery**: a warehouse that can cover every line; else the nearest store that
  can (a store whose city is named in the delivery address first, then the shorter lead
  time, then the id); else the first warehouse (or the first store).

"Can cover" means available to promise (on hand - reserved - safety) >= the quantity
of each line, summed per SKU. One source per order: no split shipments.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    id: str
    kind: str  # store | warehouse
    city_ru: str = ""
    city_en: str = ""
    pickup: bool = True
    delivery_days: int = 2


def needs(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for sku, qty in lines:
        out[sku] = out.get(sku, 0) + qty
    return out


def covers(available: Mapping[str, int], need: Mapping[str, int]) -> bool:
    return all(available.get(sku, 0) >= qty for sku, qty in need.items())


def _in_text(site: Site, text: str) -> bool:
    low = text.casefold()
    return any(city and city.casefold() in low for city in (site.city_ru, site.city_en))


def choose_source(fulfilment: str, pickup_store_id: str | None, lines: Iterable[tuple[str, int]],
                  sites: Iterable[Site], availability: Mapping[str, Mapping[str, int]], address: str = "") -> str:
    """The id of the location that fulfils the order (see the module docstring)."""
    sites = sorted(sites, key=lambda s: s.id)
    if not sites:
        raise ValueError("the chain has no locations")
    need = needs(lines)
    by_id = {s.id: s for s in sites}
    warehouses = [s for s in sites if s.kind == "warehouse"]
    stores = [s for s in sites if s.kind == "store"]

    def ok(site: Site) -> bool:
        return covers(availability.get(site.id, {}), need)

    if fulfilment == "pickup":
        home = by_id.get(pickup_store_id or "")
        if home is None:
            raise ValueError(f"unknown pickup store {pickup_store_id!r}")
        if ok(home):
            return home.id
        for site in warehouses:
            if ok(site):
                return site.id
        near = sorted((s for s in stores if s.id != home.id),
                      key=lambda s: (not (s.city_ru == home.city_ru and s.city_en == home.city_en),
                                     s.delivery_days, s.id))
        for site in near:
            if ok(site):
                return site.id
        return warehouses[0].id if warehouses else home.id
    for site in warehouses:
        if ok(site):
            return site.id
    for site in sorted(stores, key=lambda s: (not _in_text(s, address), s.delivery_days, s.id)):
        if ok(site):
            return site.id
    return (warehouses or stores or sites)[0].id
