"""Helpers for the demo chain tests (imported by name: tests/demo is on sys.path)."""
from __future__ import annotations

import json

from retail.demo import DemoChain

NOW = 1_795_000_000
SKUS = 2_500  # three blocks of products
CUSTOMERS = 1_200  # two blocks of customers

FEEDS = ("stores", "categories", "brands", "products", "customers")
STORE_FEEDS = ("prices", "promotions", "inventory", "network", "inventory_feed", "orders", "settings", "staff")


def small(seed: int = 7, now: int = NOW, skus: int = 1_200) -> DemoChain:
    return DemoChain(seed=seed, skus=skus, stores=3, customers=300, now=now)


def dump(chain: DemoChain) -> str:
    """Every feed of two stores and the warehouse's own ones, as one JSON text."""
    parts = {feed: list(getattr(chain, feed)()) for feed in FEEDS}
    for store in ("MSK1", "SPB1"):
        for feed in STORE_FEEDS:
            parts[f"{feed}:{store}"] = list(getattr(chain, feed)(store))
    parts["prices:WH1"] = list(chain.prices("WH1"))
    parts["inventory:WH1"] = list(chain.inventory("WH1"))
    return json.dumps(parts, ensure_ascii=False, sort_keys=True)


def walk(value, path: str = ""):
    """Every (path, leaf value) in nested dicts and lists."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}[{i}]")
    else:
        yield path, value
