"""Shared demo chains: small enough for seconds, big enough to span several blocks."""
from __future__ import annotations

import pytest
from demo_support import CUSTOMERS, NOW, SKUS

from retail.demo import DemoChain


@pytest.fixture(scope="session")
def chain() -> DemoChain:
    return DemoChain(seed=42, skus=SKUS, stores=4, customers=CUSTOMERS, now=NOW)


@pytest.fixture(scope="session")
def products(chain) -> list[dict]:
    return list(chain.products())
