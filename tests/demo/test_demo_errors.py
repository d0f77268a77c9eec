"""Bad arguments get a DemoError saying what to change, never a crash or a wrong chain."""
from __future__ import annotations

import pytest
from demo_support import NOW

from retail.demo import DemoChain, DemoError, demo_pin_hash


@pytest.mark.parametrize("kwargs, message", [
    ({"skus": 0}, "number of SKUs must be between 1 and 9 000 000, got 0"),
    ({"skus": 10_000_000}, "number of SKUs must be between"),
    ({"skus": 2.5}, "number of SKUs must be a whole number, got 2.5"),
    ({"skus": True}, "number of SKUs must be a whole number, got True"),
    ({"skus": "100"}, "number of SKUs must be a whole number"),
    ({"stores": 0}, "number of stores must be between 1 and 99"),
    ({"stores": 100}, "number of stores must be between 1 and 99"),
    ({"customers": -1}, "number of customers must be between 0"),
    ({"seed": None}, "seed must be a whole number"),
    ({"now": -5}, "now must be between 0"),
    ({"now": 1.5e9}, "now must be a whole number"),
])
def test_bad_arguments_are_refused_with_the_reason(kwargs, message):
    with pytest.raises(DemoError, match=message):
        DemoChain(**{"skus": 10, "customers": 5, "now": NOW, **kwargs})


def test_unknown_locations_are_named_with_the_ones_that_exist():
    chain = DemoChain(skus=10, customers=5, now=NOW)
    for call in (chain.prices, chain.promotions, chain.inventory, chain.network, chain.orders, chain.staff,
                 chain.settings, chain.pickup_secrets):
        with pytest.raises(DemoError, match=r"unknown location 'XYZ1'; the demo chain has MSK1, MSK2, SPB1, KZN1, WH1"):
            list(call("XYZ1"))


def test_the_warehouse_has_prices_stock_and_orders_but_no_staff_or_settings():
    chain = DemoChain(skus=30, customers=5, now=NOW)
    assert list(chain.prices("WH1")) and list(chain.inventory("WH1")) and list(chain.orders("WH1"))
    for call in (chain.staff, chain.settings, chain.pickup_secrets):
        with pytest.raises(DemoError, match="WH1 is the warehouse: it has no terminals, staff or settings"):
            list(call("WH1"))


def test_a_pin_hash_needs_a_real_pin_and_salt():
    with pytest.raises(ValueError):
        demo_pin_hash("12a4", b"0123456789abcdef")
    with pytest.raises(ValueError, match="at least 8 bytes"):
        demo_pin_hash("1234", b"salt")
