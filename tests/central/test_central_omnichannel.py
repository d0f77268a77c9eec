"""The omnichannel loop over HTTP: effects of one store's events in another store's feeds,
web orders in store feeds, order lifecycle, returns of web orders in a store."""
from __future__ import annotations

import hashlib

import pytest

import central_support as support
from central_support import event, sale
from central.storage import orders, stock
from retail.codes import signed


def row(rows, key):
    return next((r for r in rows if r["key"] == key), None)


def web_order(web, **extra):
    body = {"fulfilment": "pickup", "pickup_store_id": "MSK1",
            "contact": {"name": "Ольга Иванова", "phone": "8 (916) 555-44-33", "email": "olga@example.ru"},
            "lines": [{"sku": "1001", "qty_milli": 2000}, {"barcode": support.ean("2001"), "qty_milli": 1000}]}
    body.update(extra)
    r = web.session.post(f"{web.url}/api/v1/web/orders", json=body, timeout=10)
    return r


def test_sale_in_one_store_lowers_network_stock_and_raises_points_seen_in_another(p1, spb):
    inv_cursor = spb.feed("inventory")["next_cursor"]
    cust_cursor = spb.feed("customers")["next_cursor"]
    p1.send([event(1, "sale", sale("MSK1-P1-000001", [("1001", 3000, 9990)], customer_id="C2", earn=30))])
    inv = spb.feed("inventory", inv_cursor)
    assert inv["rows"] == [{"op": "upsert", "key": "net:1001:MSK1", "data": {
        "type": "network", "sku": "1001", "location_id": "MSK1", "available_milli": 10_000 - 3000 - 1000}}]
    customers = spb.feed("customers", cust_cursor)["rows"]
    assert [r["key"] for r in customers] == ["customer:C2"] and customers[0]["data"]["balance"] == 30


def test_web_pickup_order_is_priced_routed_reserved_and_in_the_store_feed(p1, web, db):
    cursor = p1.feed("orders")["next_cursor"]
    inv_cursor = p1.feed("inventory")["next_cursor"]
    r = web_order(web)
    assert r.status_code == 201, r.text
    placed = r.json()
    # beans -10 % (chain-wide), the dishes promotion of MSK1 -50 ₽ a piece
    assert placed["total"] == 2 * 9990 - 1998 + 39900 - 5000
    assert placed["source_id"] == "MSK1" and placed["number"].startswith("WEB-SHOP-")
    assert len(placed["pickup_secret"]) == 6
    code = signed.verify(placed["pickup_code"], {"kMSK1": ("MSK1".encode() * 8)}, support.NOW,
                         expect_kind="pickup")
    assert code.payload["order"] == placed["number"] and code.payload["secret"] == placed["pickup_secret"]
    feed = p1.feed("orders", cursor)["rows"]
    assert [r["key"] for r in feed] == [f"order:{placed['order_id']}"]
    data = feed[0]["data"]
    assert data["status"] == "placed" and data["channel"] == "web" and data["pickup_store_id"] == "MSK1"
    assert data["pickup_code_hash"] == hashlib.sha256(placed["pickup_secret"].encode()).hexdigest()
    assert data["contact"]["phone"] == "+79165554433"
    assert [(ln["sku"], ln["qty_milli"]) for ln in data["lines"]] == [("1001", 2000), ("2001", 1000)]
    assert sum(ln["amount"] for ln in data["lines"]) == data["total"] == data["paid"]
    own = row(p1.feed("inventory", inv_cursor)["rows"], "stock:1001")["data"]
    assert own["reserved_milli"] == 2000 and own["on_hand_milli"] == 10_000


def test_web_order_routes_to_the_warehouse_when_the_store_cannot_cover_it(spb, web):
    r = web_order(web, pickup_store_id="SPB1")  # SPB1 has no stock
    assert r.status_code == 201, r.text
    assert r.json()["source_id"] == "WH1"
    feed = spb.feed("orders")["rows"]
    assert feed and feed[0]["data"]["source_id"] == "WH1"
    delivery = web_order(web, fulfilment="delivery", pickup_store_id=None,
                         contact={"name": "Пётр", "phone": "+79160000001", "address": "Москва, ул. Тверская, 5, кв. 1"})
    assert delivery.status_code == 201 and delivery.json()["source_id"] == "WH1"
    assert delivery.json()["pickup_secret"] is None


@pytest.mark.parametrize("body, status, words", [
    ({"pickup_store_id": "ZZZ9"}, 404, "pickup store"),
    ({"lines": [{"sku": "0000", "qty_milli": 1000}]}, 404, "unknown SKU"),
    ({"lines": [{"sku": "1001", "qty_milli": 1500}]}, 422, "whole pieces"),
    ({"contact": {"name": "О", "phone": "+79160000000"}}, 422, "contact.name"),
    ({"contact": {"name": "Ольга", "phone": "12345"}}, 422, "mobile number"),
    ({"fulfilment": "delivery", "pickup_store_id": None}, 422, "delivery address"),
    ({"card": "0000000"}, 404, "loyalty card"),
    ({"lines": []}, 422, "lines"),
])
def test_bad_web_orders_are_refused_with_a_reason_and_nothing_written(web, db, body, status, words):
    r = web_order(web, **body)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]
    assert db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0
    assert db.execute("SELECT SUM(reserved_milli) FROM stock").fetchone()[0] == 0


def test_kiosk_order_event_is_routed_and_answered_with_the_routing(k1, p1, db):
    payload = {"order_id": "ord-k1-1", "number": "MSK1-K1-000001", "channel": "kiosk", "fulfilment": "pickup",
               "pickup_store_id": "MSK2", "customer_id": "C1", "contact": {"name": "Анна", "phone": "+79161234567"},
               "lines": [{"line_no": 1, "sku": "1004", "name": "Кофемолка", "qty_milli": 1000, "unit_price": 120000,
                          "amount": 120000, "vat_rate_bp": 2000}],
               "total": 120000, "paid": 0, "payment": {}, "pickup_code_hash": "ab" * 32, "created_at": support.NOW,
               "holds": []}
    answer = k1.send([event(1, "order", payload)])["results"][0]
    assert answer["status"] == "accepted"
    assert answer["result"] == {"order_id": "ord-k1-1", "number": "MSK1-K1-000001", "status": "placed",
                                "source_id": "MSK2", "total": 120000}
    assert stock.level(db, "MSK2", "1004")["reserved_milli"] == 1000
    assert p1.feed("orders")["rows"] == []  # MSK1 neither hands it out nor ships it
    bad = {**payload, "order_id": "ord-k1-2", "number": "MSK1-K1-000002", "total": 1}
    reason = k1.send([event(2, "order", bad)])["results"][0]["reason"]
    assert "not the sum of its lines" in reason


def test_order_lifecycle_ready_notifies_and_pickup_moves_stock_once(p1, k1, web, db):
    placed = web_order(web).json()
    oid = placed["order_id"]
    cursor = p1.feed("orders")["next_cursor"]
    answers = p1.send([
        event(1, "order_status", {"order_id": oid, "status": "picking", "at": support.NOW + 60, "staff_id": "S-MSK1"}),
        event(2, "order_status", {"order_id": oid, "status": "ready", "at": support.NOW + 120, "staff_id": "S-MSK1"}),
    ])["results"]
    assert [a["result"]["status"] for a in answers] == ["picking", "ready"]
    note = orders.notifications(db, oid)
    assert len(note) == 1 and note[0]["kind"] == "ready" and placed["number"] in note[0]["message"]
    assert note[0]["recipient"] == "+7 *** ***-44-33"  # masked: no full phone in logs
    data = p1.feed("orders", cursor)["rows"][0]["data"]
    assert data["status"] == "ready" and data["ready_at"] == support.NOW + 120
    assert data["expires_at"] == support.NOW + 120 + 3 * 86400
    k1.send([event(1, "order_arrived", {"order_id": oid, "at": support.NOW + 200})])
    assert orders.header(db, oid)["arrived_at"] == support.NOW + 200
    pickup = event(3, "pickup", {"order_id": oid, "at": support.NOW + 300, "staff_id": "S-MSK1", "sale_id": None})
    assert p1.send([pickup])["results"][0]["result"]["status"] == "collected"
    p1.send([pickup])
    level = stock.level(db, "MSK1", "1001")
    assert (level["on_hand_milli"], level["reserved_milli"]) == (10_000 - 2000, 0)
    late = p1.send([event(4, "order_status", {"order_id": oid, "status": "ready", "at": support.NOW + 100})])
    assert late["results"][0]["status"] == "accepted"
    assert late["results"][0]["result"] == {"order_id": oid, "status": "collected", "applied": False}
    assert orders.header(db, oid)["status"] == "collected"


def test_cancelled_order_releases_its_reservation(p1, web, db):
    oid = web_order(web).json()["order_id"]
    assert stock.level(db, "MSK1", "1001")["reserved_milli"] == 2000
    p1.send([event(1, "order_status", {"order_id": oid, "status": "cancelled", "at": support.NOW})])
    assert stock.level(db, "MSK1", "1001")["reserved_milli"] == 0
    assert stock.level(db, "MSK1", "1001")["on_hand_milli"] == 10_000


def test_another_stores_terminal_cannot_touch_an_order(spb, web, db):
    oid = web_order(web).json()["order_id"]
    answer = spb.send([event(1, "order_status", {"order_id": oid, "status": "ready", "at": support.NOW})])
    assert answer["results"][0]["status"] == "rejected" and "not picked up at" in answer["results"][0]["reason"]
    assert orders.header(db, oid)["status"] == "placed"


def test_a_web_order_is_returned_in_another_store(p1, spb, web, db):
    placed = web_order(web).json()
    oid, number = placed["order_id"], placed["number"]
    p1.send([event(1, "pickup", {"order_id": oid, "at": support.NOW, "staff_id": "S-MSK1", "sale_id": None})])
    looked_up = spb.session.get(f"{spb.url}/api/v1/stores/SPB1/orders/{number}")
    assert looked_up.status_code == 200
    order = looked_up.json()["order"]
    assert order["number"] == number and order["status"] == "collected"
    line = order["lines"][0]

    def return_payload(n, qty, movement):
        amount = -line["amount"] * qty // line["qty_milli"]
        return {"sale_id": f"ret-{n}", "number": f"SPB1-P1-00000{n}", "receipt_seq": n, "shift_id": None,
                "staff_id": "S-SPB1", "customer_id": None, "order_id": oid, "original_sale_id": None,
                "original_number": number, "created_at": support.NOW + 86400, "subtotal": amount, "discount": 0,
                "total": amount, "lines": [{"line_no": 1, "original_line_no": line["line_no"], "sku": line["sku"],
                                            "qty_milli": -qty, "unit_price": line["unit_price"],
                                            "base_amount": amount, "discount": 0, "amount": amount,
                                            "vat_rate_bp": 2000, "vat_amount": 0, "adjustments": []}],
                "tenders": [{"kind": "card", "amount": amount, "reference": "refund"}], "loyalty": [],
                "movements": [{"id": movement, "sku": line["sku"], "delta_milli": qty}]}

    cursor = p1.feed("orders")["next_cursor"]
    answers = spb.send([event(1, "return", return_payload(1, 1000, "mv-r1")),
                        event(2, "return", return_payload(2, 2000, "mv-r2"))])["results"]
    assert answers[0]["status"] == "accepted"
    assert answers[1]["status"] == "rejected" and "cannot return 2000 more" in answers[1]["reason"]
    assert orders.line(db, oid, 1)["returned_milli"] == 1000
    assert stock.level(db, "SPB1", "1001")["on_hand_milli"] == 1000  # back on SPB1's shelf
    msk_view = p1.feed("orders", cursor)["rows"][0]["data"]
    assert msk_view["lines"][0]["returned_milli"] == 1000
    missing = spb.session.get(f"{spb.url}/api/v1/stores/SPB1/orders/WEB-SHOP-999999")
    assert missing.status_code == 404 and "no order" in missing.json()["detail"]
