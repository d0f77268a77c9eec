"""Availability = central on-hand as of its included seq + what central has not seen yet."""
from __future__ import annotations

import pytest

from retail import inventory
from retail.inventory import Availability, InventoryError, NetworkAvailability
from retail.store import transaction

NOW = 1_800_000_000


def feed(conn, on_hand, included, sku="A", safety=0, reserved=0):
    with transaction(conn):
        inventory.upsert_stock(conn, [{"type": "stock", "sku": sku, "on_hand_milli": on_hand, "safety_milli": safety,
                                       "reserved_milli": reserved}], included)


def sell(conn, qty, seq, sku="A"):
    with transaction(conn):
        return inventory.record_movement(conn, sku, -qty, "sale", f"sale-{seq}", seq, NOW)


def test_a_sale_is_subtracted_once_until_and_after_central_reflects_it(store):
    # step: what happened,                          central on-hand, included, available
    feed(store, 10_000, 4)
    assert inventory.available(store, "A").available == 10_000
    sell(store, 1_000, 5)                               # sold here, not yet sent
    assert inventory.available(store, "A") == Availability(10_000, -1_000, 0, 0, 0, 9_000, 9_000, 4)
    feed(store, 10_000, 4)                              # a feed from before central got it
    assert inventory.available(store, "A").available == 9_000
    feed(store, 9_000, 5)                               # central applied event 5
    assert inventory.available(store, "A") == Availability(9_000, 0, 0, 0, 0, 9_000, 9_000, 5)
    feed(store, 9_000, 12)                              # later events (other SKUs) change nothing
    assert inventory.available(store, "A").available == 9_000
    sell(store, 500, 13)
    sell(store, 250, 14)
    feed(store, 8_500, 13)                              # central has 13 but not yet 14
    assert inventory.available(store, "A") == Availability(8_500, -250, 0, 0, 0, 8_250, 8_250, 13)


@pytest.mark.parametrize("included, expected", [
    # local sales at seq 3 (-1000) and 6 (-2000); central's figure is 10 000 minus what it had
    (0, 7_000), (2, 7_000), (3, 7_000), (5, 7_000), (6, 7_000), (9, 7_000),
])
def test_no_double_count_and_no_never_count(store, included, expected):
    sell(store, 1_000, 3)
    sell(store, 2_000, 6)
    central = 10_000 - (1_000 if included >= 3 else 0) - (2_000 if included >= 6 else 0)
    feed(store, central, included)
    assert inventory.available(store, "A").available == expected


def test_holds_count_until_central_reflects_the_order_or_it_ends(store):
    feed(store, 5_000, 10)
    with transaction(store):
        inventory.place_hold(store, "A", 2_000, "order-1", 11, NOW)
        inventory.place_hold(store, "B", 1_000, "order-1", 11, NOW)
        inventory.place_hold(store, "A", 1_000, "order-2", 12, NOW)
    assert inventory.available(store, "A") == Availability(5_000, 0, 3_000, 0, 0, 2_000, 2_000, 10)
    feed(store, 5_000, 11, reserved=2_000)               # central reserved order 1's stock
    assert inventory.available(store, "A") == Availability(5_000, 0, 1_000, 2_000, 0, 2_000, 2_000, 11)
    with transaction(store):
        assert inventory.release_holds(store, "order-2", NOW + 60) == 1
        assert inventory.release_holds(store, "order-2", NOW + 61) == 0
    assert inventory.available(store, "A").available == 3_000
    feed(store, 5_000, 12, reserved=0)                   # order 1 cancelled at central
    assert inventory.available(store, "A").available == 5_000


def test_safety_buffer_and_the_floor_at_zero(store):
    feed(store, 2_000, 0, safety=1_500)
    assert inventory.available(store, "A").available == 500
    sell(store, 1_000, 1)
    got = inventory.available(store, "A")
    assert got.available == 0 and got.raw == -500 and got.safety == 1_500


def test_a_sku_central_has_not_sent_counts_from_zero(store):
    with transaction(store):
        store.execute("INSERT INTO feed_state(feed, included_seq) VALUES ('inventory', 7)")
    sell(store, 1_000, 5, sku="NEW")                     # central already has it: not counted
    with transaction(store):
        inventory.record_movement(store, "NEW", 3_000, "return", "ret-1", 8, NOW)
    assert inventory.available(store, "NEW") == Availability(0, 3_000, 0, 0, 0, 3_000, 3_000, 7)
    assert inventory.available(store, "NEW", terminal_seq_included=0).unreflected_movements == 2_000
    assert inventory.available(store, "NOTHING") == Availability(0, 0, 0, 0, 0, 0, 0, 7)


def test_network_availability_joins_locations(store):
    with transaction(store):
        store.executemany(
            "INSERT INTO stores(id, name_ru, name_en, kind, delivery_days) VALUES (?, ?, ?, ?, ?)",
            [("SPB1", "Невский", "Nevsky", "store", 2), ("WH", "Склад", "Warehouse", "warehouse", 1),
             ("KZN1", "Баумана", "Baumana", "store", 3)],
        )
        inventory.upsert_network_stock(store, [
            {"type": "network", "sku": "A", "location_id": "SPB1", "available_milli": 4_000},
            {"type": "network", "sku": "A", "location_id": "WH", "available_milli": 100_000},
            {"type": "network", "sku": "A", "location_id": "KZN1", "available_milli": 0},
            {"type": "network", "sku": "A", "location_id": "NEW9", "available_milli": 1_000},
            {"type": "network", "sku": "B", "location_id": "SPB1", "available_milli": 7},
        ])
    assert inventory.network_availability(store, "A") == [
        NetworkAvailability("WH", "Склад", "warehouse", 100_000, 1),
        NetworkAvailability("SPB1", "Невский", "store", 4_000, 2),
        NetworkAvailability("NEW9", "NEW9", "", 1_000, None),
        NetworkAvailability("KZN1", "Баумана", "store", 0, 3),
    ]
    assert inventory.network_availability(store, "A", lang="en")[0].name == "Warehouse"
    with transaction(store):
        inventory.upsert_network_stock(store, [{"sku": "A", "location_id": "WH", "available_milli": 0}])
        assert inventory.delete_network_stock(store, [("A", "NEW9"), ("A", "nowhere")]) == 1
    assert [n.location_id for n in inventory.network_availability(store, "A")] == ["SPB1", "WH", "KZN1"]
    assert inventory.network_availability(store, "none") == []


def test_delete_stock(store):
    feed(store, 1_000, 3)
    with transaction(store):
        assert inventory.delete_stock(store, ["A", "Z"]) == 1
    assert inventory.available(store, "A").on_hand == 0


@pytest.mark.parametrize("call, message", [
    (lambda c: inventory.record_movement(c, "A", 0, "sale", "s", 1, NOW), "must change"),
    (lambda c: inventory.record_movement(c, "A", 1.5, "sale", "s", 1, NOW), "delta_milli"),
    (lambda c: inventory.record_movement(c, "A", -1, "", "s", 1, NOW), "reason"),
    (lambda c: inventory.record_movement(c, "A", -1, "sale", "s", 0, NOW), "outbox_seq"),
    (lambda c: inventory.record_movement(c, "", -1, "sale", "s", 1, NOW), "SKU"),
    (lambda c: inventory.place_hold(c, "A", 0, "o", 1, NOW), "qty_milli"),
    (lambda c: inventory.place_hold(c, "A", 10, "o", True, NOW), "outbox_seq"),
    (lambda c: inventory.release_holds(c, None, NOW), "order id"),
    (lambda c: inventory.upsert_stock(c, [{"sku": "A", "on_hand_milli": "5"}], 1), "on_hand_milli"),
    (lambda c: inventory.upsert_stock(c, [{"sku": "A", "on_hand_milli": 5, "safety_milli": -1}], 1), "safety"),
    (lambda c: inventory.upsert_stock(c, [{"sku": "A", "on_hand_milli": 5, "reserved_milli": -1}], 1), "reserved"),
    (lambda c: inventory.upsert_stock(c, [{"sku": "A", "on_hand_milli": 5}], -1), "included_seq"),
    (lambda c: inventory.upsert_stock(c, ["A"], 1), "object"),
    (lambda c: inventory.upsert_network_stock(c, [{"sku": "A", "location_id": "", "available_milli": 1}]), "location"),
    (lambda c: inventory.delete_network_stock(c, ["A:SPB1"]), "key"),
    (lambda c: inventory.delete_stock(c, "AB"), "single value"),
])
def test_bad_input_is_refused_with_the_reason(store, call, message):
    with transaction(store):
        with pytest.raises(InventoryError, match=message):
            call(store)


def test_writes_need_a_transaction_and_reads_check_their_input(store):
    with pytest.raises(InventoryError, match="inside retail.store.transaction"):
        inventory.record_movement(store, "A", -1, "sale", "s", 1, NOW)
    with pytest.raises(InventoryError, match="SKU"):
        inventory.available(store, None)  # type: ignore[arg-type]
    with pytest.raises(InventoryError, match="language"):
        inventory.network_availability(store, "A", lang="de")
    assert inventory.available(store, "'; DROP TABLE stock; --").available == 0


def test_ids_given_by_the_caller_are_kept(store):
    with transaction(store):
        mid = inventory.record_movement(store, "A", -1_000, "sale", "s1", 3, NOW, movement_id="m-1")
        hid = inventory.place_hold(store, "A", 1_000, "o1", 3, NOW, hold_id="h-1")
        made = inventory.record_movement(store, "A", -1, "sale", "s2", 4, NOW)
    assert (mid, hid) == ("m-1", "h-1") and len(made) == 36
