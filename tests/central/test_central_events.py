"""Events over HTTP: accepted / duplicate / rejected / deferred, acked_through, replays."""
from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import central_support as support
from central_support import Api, event, sale
from central.storage import customers, ledger, stock
from retail.outbox import canonical


def on_hand(db, location, sku):
    return stock.level(db, location, sku)["on_hand_milli"]


def test_accepted_then_duplicate_with_the_first_result(p1, db):
    ev = event(1, "sale", sale("MSK1-P1-000001", [("1001", 2000, 9990)], customer_id="C1", earn=20))
    first = p1.send([ev])
    assert first["acked_through"] == 1 and first["server_time"] == support.NOW
    assert first["results"][0]["status"] == "accepted"
    assert first["results"][0]["result"]["points"] == 20
    again = p1.send([ev])
    assert again["results"] == [{"seq": 1, "id": ev["id"], "status": "duplicate", "result": first["results"][0]["result"]}]
    assert again["acked_through"] == 1


def test_lost_ack_replay_counts_once_in_ledger_stock_and_points(p1, db):
    batch = [event(1, "sale", sale("MSK1-P1-000001", [("1001", 2000, 9990), ("1002", 1000, 15000)],
                                   customer_id="C1", earn=50)),
             event(2, "sale", sale("MSK1-P1-000002", [("1001", 1000, 9990)], customer_id="C1", earn=10, redeem=30))]
    p1.send(batch)
    for _ in range(3):  # the answer was lost: the agent sends the same batch again
        answer = p1.send(batch)
        assert [r["status"] for r in answer["results"]] == ["duplicate", "duplicate"]
    assert ledger.counts(db, "MSK1", "P1") == {"accepted": 2}
    assert on_hand(db, "MSK1", "1001") == 10_000 - 3000
    assert on_hand(db, "MSK1", "1002") == 10_000 - 1000
    assert customers.balance(db, "C1") == 500 + 50 + 10 - 30
    assert db.execute("SELECT COUNT(*) FROM stock_movements").fetchone()[0] == 3
    assert db.execute("SELECT COUNT(*) FROM sales").fetchone()[0] == 2


def test_hash_mismatch_is_rejected_recorded_and_answered_the_same_again(p1, db):
    ev = event(1, "sale", sale("MSK1-P1-000001", [("1001", 1000, 9990)]))
    ev["payload"]["total"] = 1  # altered after hashing
    answer = p1.send([ev])
    assert answer["results"][0]["status"] == "rejected"
    assert "payload_hash" in answer["results"][0]["reason"]
    assert answer["acked_through"] == 1  # a rejection is a final answer
    assert on_hand(db, "MSK1", "1001") == 10_000
    assert p1.send([ev])["results"][0] == answer["results"][0]
    assert ledger.counts(db, "MSK1", "P1") == {"rejected": 1}


def test_an_id_reused_with_another_payload_is_rejected(p1, db):
    ev = event(1, "sale", sale("MSK1-P1-000001", [("1001", 1000, 9990)]))
    p1.send([ev])
    other = event(2, "sale", sale("MSK1-P1-000002", [("1001", 5000, 9990)]), event_id=ev["id"])
    answer = p1.send([other])["results"][0]
    assert answer["status"] == "rejected" and "already used with another payload" in answer["reason"]
    assert p1.send([other])["results"][0] == answer
    assert on_hand(db, "MSK1", "1001") == 9000
    assert ledger.by_id(db, ev["id"]).seq == 1
    assert len(ledger.conflicts(db, "MSK1", "P1")) == 1  # noted once, however often it is retried


def test_a_seq_reused_with_another_id_is_rejected(p1, db):
    p1.send([event(1, "sale", sale("MSK1-P1-000001", [("1001", 1000, 9990)]))])
    clash = event(1, "sale", sale("MSK1-P1-000002", [("1002", 1000, 15000)]))
    answer = p1.send([clash])
    assert answer["results"][0]["status"] == "rejected"
    assert "sequence number 1 was already used" in answer["results"][0]["reason"]
    assert answer["acked_through"] == 1
    assert on_hand(db, "MSK1", "1002") == 10_000
    assert p1.send([clash])["results"][0] == answer["results"][0]


def test_a_bad_event_is_rejected_and_the_rest_of_the_batch_applies(p1, db):
    floaty = sale("MSK1-P1-000002", [("1001", 1000, 9990)])
    floaty["total"] = 99.9
    unknown = sale("MSK1-P1-000003", [("NOPE", 1000, 100)])
    batch = [event(1, "sale", sale("MSK1-P1-000001", [("1002", 1000, 15000)])), event(2, "sale", floaty),
             event(3, "sale", unknown), event(4, "teleport", {"x": 1}),
             event(5, "sale", sale("MSK1-P1-000004", [("1003", 2000, 4550)]))]
    answer = p1.send(batch)
    statuses = [(r["seq"], r["status"]) for r in answer["results"]]
    assert statuses == [(1, "accepted"), (2, "rejected"), (3, "rejected"), (4, "rejected"), (5, "accepted")]
    reasons = {r["seq"]: r["reason"] for r in answer["results"] if r["status"] == "rejected"}
    assert "total" in reasons[2] and "integer" in reasons[2]
    assert "unknown SKU NOPE" in reasons[3]
    assert "unknown event kind 'teleport'" in reasons[4]
    assert answer["acked_through"] == 5
    assert on_hand(db, "MSK1", "1001") == 10_000  # the rejected sale moved nothing
    assert on_hand(db, "MSK1", "1003") == 8000


def test_events_are_applied_in_seq_order_and_a_gap_is_deferred(p1, db):
    e1, e2, e3 = (event(n, "sale", sale(f"MSK1-P1-00000{n}", [("1001", 1000, 9990)])) for n in (1, 2, 3))
    answer = p1.send([e3, e1])  # 2 is missing: 3 must wait
    assert [(r["seq"], r["status"]) for r in answer["results"]] == [(1, "accepted"), (3, "deferred")]
    assert "events 2..2" in answer["results"][1]["reason"]
    assert answer["acked_through"] == 1
    assert ledger.by_id(db, e3["id"]) is None
    answer = p1.send([e2, e3])
    assert [r["status"] for r in answer["results"]] == ["accepted", "accepted"]
    assert answer["acked_through"] == 3
    assert on_hand(db, "MSK1", "1001") == 7000


def test_included_in_feeds_follows_each_terminal_and_matches_the_rows(p1, k1, spb, db):
    p1.send([event(n, "sale", sale(f"MSK1-P1-00000{n}", [("1001", 1000, 9990)])) for n in (1, 2)])
    k1.send([event(1, "shift", {"shift_id": "sh-1", "number": 1, "action": "open", "at": support.NOW,
                                "staff_id": "S-MSK1", "float_amount": 500000})])
    page = p1.feed("inventory")
    assert page["included"] == {"K1": 1, "P1": 2}
    own = next(r for r in page["rows"] if r["key"] == "stock:1001")
    assert own["data"]["on_hand_milli"] == 8000  # exactly events 1..2 of P1
    assert spb.feed("inventory")["included"] == {"P1": 0}


def test_shift_cash_and_return_events_are_recorded(p1, db):
    original = sale("MSK1-P1-000001", [("1001", 2000, 9990)], customer_id="C1", earn=20)
    earn_id = original["loyalty"][0]["id"]
    back = {**sale("MSK1-P1-000002", [("1001", 1000, 9990)]), "original_sale_id": original["sale_id"],
            "original_number": original["number"], "customer_id": "C1"}
    back["lines"] = [{**back["lines"][0], "qty_milli": -1000, "original_line_no": 1,
                      "base_amount": -9990, "amount": -9990}]
    back.update(subtotal=-9990, total=-9990, movements=[{"id": "mv-back", "sku": "1001", "delta_milli": 1000}],
                loyalty=[{"id": "rev-1", "customer_id": "C1", "kind": "reverse", "points": -10}])
    too_much = {**back, "sale_id": "ret-2", "number": "MSK1-P1-000003",
                "movements": [{"id": "mv-back-2", "sku": "1001", "delta_milli": 2000}], "loyalty": []}
    too_much["lines"] = [{**back["lines"][0], "qty_milli": -2000}]
    answer = p1.send([
        event(1, "shift", {"shift_id": "sh-1", "number": 1, "action": "open", "at": support.NOW, "staff_id": "S-MSK1",
                           "float_amount": 500000}),
        event(2, "sale", original),
        event(3, "cash", {"id": "cash-1", "shift_id": "sh-1", "kind": "out", "amount": 10000, "reason": "инкассация",
                          "at": support.NOW, "staff_id": "S-MSK1"}),
        event(4, "return", back),
        event(5, "return", too_much),
        event(6, "shift", {"shift_id": "sh-1", "number": 1, "action": "close", "at": support.NOW + 3600,
                           "staff_id": "S-MSK1", "counted": 490000, "expected": 490000}),
    ])
    assert [r["status"] for r in answer["results"]] == ["accepted"] * 4 + ["rejected", "accepted"]
    assert "cannot return 2000 more" in answer["results"][4]["reason"]
    assert on_hand(db, "MSK1", "1001") == 10_000 - 2000 + 1000
    assert customers.balance(db, "C1") == 500 + 20 - 10
    assert db.execute("SELECT points FROM loyalty_ledger WHERE id = ?", (earn_id,)).fetchone()[0] == 20
    shift = db.execute("SELECT opened_at, float_amount, closed_at, counted FROM shifts WHERE id = 'sh-1'").fetchone()
    assert tuple(shift) == (support.NOW, 500000, support.NOW + 3600, 490000)
    assert db.execute("SELECT amount FROM cash_movements WHERE id = 'cash-1'").fetchone()[0] == 10000


def test_loyalty_signs_are_checked(p1, db):
    wrong = sale("MSK1-P1-000001", [("1001", 1000, 9990)], customer_id="C1")
    wrong["loyalty"] = [{"id": "l-1", "customer_id": "C1", "kind": "redeem", "points": 30}]
    answer = p1.send([event(1, "sale", wrong)])["results"][0]
    assert answer["status"] == "rejected" and "redeem points must be negative" in answer["reason"]
    assert customers.balance(db, "C1") == 500


def test_overlapping_retries_of_one_batch_apply_each_event_once(p1, db):
    batch = [event(n, "sale", sale(f"MSK1-P1-00000{n}", [("1001", 1000, 9990)], customer_id="C1", earn=10))
             for n in range(1, 6)]
    clients = [Api(p1.url, p1.token, "MSK1", "P1") for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda c: c.send(batch), clients))
    for n in range(5):
        statuses = sorted(a["results"][n]["status"] for a in answers)
        assert statuses == ["accepted", "duplicate", "duplicate", "duplicate"]
    p1.send(batch)
    assert ledger.counts(db, "MSK1", "P1") == {"accepted": 5}
    assert on_hand(db, "MSK1", "1001") == 10_000 - 5000
    assert customers.balance(db, "C1") == 500 + 50


def test_a_sale_selling_one_sku_on_two_lines_moves_it_once_per_movement(p1, db):
    payload = sale("MSK1-P1-000001", [("1001", 1000, 9990), ("1001", 2000, 9990), ("1002", 1000, 15000)])
    assert p1.send([event(1, "sale", payload)])["results"][0]["result"]["movements"] == 3
    assert on_hand(db, "MSK1", "1001") == 10_000 - 3000 and on_hand(db, "MSK1", "1002") == 10_000 - 1000
    versions = [r[0] for r in db.execute("SELECT version FROM stock WHERE location_id = 'MSK1' AND sku IN ('1001', '1002')")]
    assert len(set(versions)) == 2  # each changed row has its own version for the inventory feed


def test_a_movement_listed_twice_in_a_sale_moves_stock_once_and_other_figures_are_refused(p1, db):
    twice = sale("MSK1-P1-000001", [("1001", 1000, 9990)])
    twice["movements"].append(dict(twice["movements"][0]))
    assert p1.send([event(1, "sale", twice)])["results"][0]["result"]["movements"] == 1
    assert on_hand(db, "MSK1", "1001") == 10_000 - 1000
    clash = sale("MSK1-P1-000002", [("1001", 1000, 9990)])
    clash["movements"].append({**clash["movements"][0], "delta_milli": -5000})
    answer = p1.send([event(2, "sale", clash)])["results"][0]
    assert answer["status"] == "rejected" and "already recorded with other figures" in answer["reason"]
    assert on_hand(db, "MSK1", "1001") == 10_000 - 1000  # nothing of the refused sale moved
    reused = sale("MSK1-P1-000003", [("1001", 1000, 9990)])
    reused["movements"][0]["id"] = twice["movements"][0]["id"]  # a movement central has, other sale
    answer = p1.send([event(3, "sale", reused)])["results"][0]
    assert answer["status"] == "accepted" and answer["result"]["movements"] == 0


def test_payloads_the_fast_encoder_writes_differently_are_still_checked_against_their_hash(p1, db):
    # orjson writes 1e16 as 1e16 where the standard library writes 1e+16, and refuses integers
    # beyond 64 bits; the hash was made over the standard library's text and decides.
    odd = sale("MSK1-P1-000001", [("1001", 1000, 9990)])
    odd["lines"][0]["adjustments"] = [{"kind": "note", "weight": 1e16, "big": 2**70, "label": "Скидка ±"}]
    answer = p1.send([event(1, "sale", odd)])["results"][0]
    assert answer["status"] == "accepted", answer
    stored = db.execute("SELECT adjustments FROM sale_lines").fetchone()[0]
    assert json.loads(stored) == odd["lines"][0]["adjustments"]
    assert db.execute("SELECT payload FROM events WHERE seq = 1").fetchone()[0] == canonical(odd)


def test_a_body_the_fast_json_parser_refuses_is_read_as_before(p1, db):
    # pydantic-core refuses a lone surrogate escape; the standard library reads it, as it always did,
    # and the event is refused with a reason (it was a 500 that made the agent hunt for a poison event)
    body = ('{"store":"MSK1","terminal":"P1","events":[{"seq":1,"id":"e1","kind":"sale","payload":{"note":"\\ud800"},'
            f'"payload_hash":"{"0" * 64}","created_at":1}}]}}')
    r = p1.session.post(f"{p1.url}/api/v1/events", data=body.encode(), headers={"Content-Type": "application/json"},
                        timeout=10)
    answer = r.json()["results"][0]
    assert r.status_code == 200 and answer["status"] == "rejected" and "not valid Unicode" in answer["reason"]
    assert db.execute("SELECT payload FROM events WHERE seq = 1").fetchone()[0] == '{"note":"\\ud800"}'
    r = p1.session.post(f"{p1.url}/api/v1/events", data=b'{"store": "MSK1", "events": [', timeout=10,
                        headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "JSON" in r.json()["detail"]


def test_each_batch_is_followed_by_a_checkpoint_once_answered(server, p1, monkeypatch):
    from central.storage import Database

    done = []
    real = Database.checkpoint
    monkeypatch.setattr(Database, "checkpoint", lambda self: (real(self), done.append(self.path)))
    p1.send([event(1, "sale", sale("MSK1-P1-000001", [("1001", 1000, 9990)]))])
    deadline = time.monotonic() + 10
    while not done and time.monotonic() < deadline:  # a background task: it runs after the answer
        time.sleep(0.01)
    assert len(done) == 1


def test_a_checkpoint_copies_what_the_requests_wrote_into_the_database_file(tmp_path):
    from central.storage import Database, transaction

    db = Database(tmp_path / "central.db")
    with db.connection() as conn, transaction(conn):
        conn.execute("CREATE TABLE filler(x TEXT)")
        conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 1000,) for _ in range(2000)])
    before = os.path.getsize(tmp_path / "central.db")   # the 2 MB are in the WAL only:
    db.checkpoint()                                      # requests no longer checkpoint below 64 MiB
    assert os.path.getsize(tmp_path / "central.db") > before + 1_500_000
