"""Order routing: a pure choice, tested by table and by property."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from central.routing import Site, choose_source, covers, needs

SITES = [Site("MSK1", "store", "Москва", "Moscow", True, 1), Site("MSK2", "store", "Москва", "Moscow", True, 1),
         Site("SPB1", "store", "Санкт-Петербург", "Saint Petersburg", True, 2),
         Site("KZN1", "store", "Казань", "Kazan", True, 3), Site("WH1", "warehouse", "Подольск", "Podolsk", False, 1)]


@pytest.mark.parametrize("fulfilment, pickup, stock, address, expected", [
    ("pickup", "MSK1", {"MSK1": 5, "WH1": 5}, "", "MSK1"),          # the pickup store has it
    ("pickup", "MSK1", {"MSK1": 1, "WH1": 5}, "", "WH1"),           # else the warehouse
    ("pickup", "SPB1", {"MSK2": 5, "KZN1": 5}, "", "MSK2"),         # else another store (lead time, id)
    ("pickup", "MSK1", {"MSK2": 5, "SPB1": 5}, "", "MSK2"),         # same city first
    ("pickup", "MSK1", {}, "", "WH1"),                              # nobody: the warehouse restocks
    ("delivery", None, {"MSK1": 5, "WH1": 5}, "Москва", "WH1"),     # delivery: warehouse first
    ("delivery", None, {"MSK1": 5, "KZN1": 5}, "Казань, ул. Баумана 1", "KZN1"),  # a store in the address' city
    ("delivery", None, {"MSK2": 5, "KZN1": 5}, "somewhere", "MSK2"),  # else the shortest lead time
    ("delivery", None, {}, "Казань", "WH1"),
])
def test_routing_table(fulfilment, pickup, stock, address, expected):
    availability = {loc: {"A": qty} for loc, qty in stock.items()}
    assert choose_source(fulfilment, pickup, [("A", 2)], SITES, availability, address) == expected


def test_lines_of_one_sku_add_up():
    assert needs([("A", 2), ("B", 1), ("A", 3)]) == {"A": 5, "B": 1}
    assert not covers({"A": 4, "B": 1}, {"A": 5, "B": 1})
    assert choose_source("pickup", "MSK1", [("A", 2), ("A", 2)], SITES, {"MSK1": {"A": 3}, "WH1": {"A": 4}}) == "WH1"


def test_unknown_pickup_store_is_an_error():
    with pytest.raises(ValueError, match="unknown pickup store"):
        choose_source("pickup", "NOPE", [("A", 1)], SITES, {})


locations = st.sampled_from([s.id for s in SITES])
availability = st.dictionaries(locations, st.dictionaries(st.sampled_from("ABC"), st.integers(0, 10)), max_size=5)
lines = st.lists(st.tuples(st.sampled_from("ABC"), st.integers(1, 6)), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(availability, lines, st.sampled_from(["MSK1", "MSK2", "SPB1", "KZN1"]), st.booleans())
def test_the_source_covers_the_order_whenever_some_location_can(avail, order, pickup, delivery):
    fulfilment = "delivery" if delivery else "pickup"
    chosen = choose_source(fulfilment, None if delivery else pickup, order, SITES, avail, "")
    need = needs(order)
    anyone = [s.id for s in SITES if covers(avail.get(s.id, {}), need)]
    if anyone:
        assert chosen in anyone
    else:
        assert chosen == "WH1"
    if not delivery and pickup in anyone:
        assert chosen == pickup
