"""Central's API refuses what it must, with the right status, and writes nothing.

tests/central/test_central_auth_limits.py checks each rule once. This is the attacker's
table: every refusal below runs against one central (uvicorn on 127.0.0.1, the hand-made
chain) and a digest of *every* row of *every* table of central's database is compared
before and after, so a refused request that left a ledger row, a token use, an order
change or anything else behind is caught, not only new events.
"""
from __future__ import annotations

import gzip
import hashlib
import json

import pytest
import requests

import central_support as support
from central.api import serve_in_background
from central.storage import connect, terminals, transaction

pytestmark = pytest.mark.security

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    path = tmp_path_factory.mktemp("central-sec") / "central.db"
    support.build_chain(path)
    tokens = support.add_terminals(path)
    conn = connect(path)
    with transaction(conn):  # a terminal and a web shop token that are no longer valid
        tokens["revoked"] = terminals.add_terminal(conn, "MSK1", "P9", "pos", support.NOW)
        terminals.revoke_terminal(conn, "MSK1", "P9", support.NOW)
        tokens["revoked_web"] = terminals.add_channel_token(conn, "web", "old-shop", support.NOW)
        terminals.revoke_channel_tokens(conn, "web", "old-shop", support.NOW)
    conn.close()
    server = serve_in_background(path, clock=lambda: support.NOW)
    # A web order to be picked up in SPB1: MSK1's terminals must not be able to touch it.
    r = requests.post(f"{server.url}/api/v1/web/orders", timeout=10,
                      headers={"Authorization": f"Bearer {tokens[('web', '')]}"},
                      json={"fulfilment": "pickup", "pickup_store_id": "SPB1",
                            "contact": {"name": "Ольга", "phone": "+79160000000"},
                            "lines": [{"sku": "1001", "qty_milli": 1000}]})
    assert r.status_code == 201, r.text
    assert "MSK1" not in (r.json()["source_id"], r.json()["pickup_store_id"])
    yield server, path, tokens, r.json()
    server.stop()


def digest(path) -> str:
    """Every row of every table, in a stable order: equal digests mean nothing was written."""
    conn = connect(path, migrate_schema=False)
    try:
        h = hashlib.sha256()
        for line in conn.iterdump():
            h.update(line.encode())
        return h.hexdigest()
    finally:
        conn.close()


def call(server, tokens, method, path, *, who="p1", body=None, raw=None, headers=None):
    head = dict(headers or {})
    token = {"p1": tokens[("MSK1", "P1")], "k1": tokens[("MSK1", "K1")], "spb": tokens[("SPB1", "P1")],
             "web": tokens[("web", "")], "revoked": tokens["revoked"], "revoked_web": tokens["revoked_web"],
             "wrong": "vt_" + "0" * 40, "none": None}[who]
    if token is not None and "Authorization" not in head:
        head["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    if data is not None:
        head.setdefault("Content-Type", "application/json")
    return requests.request(method, server.url + path, data=data, headers=head, timeout=30)


def batch(store="MSK1", terminal="P1", events=None):
    return {"store": store, "terminal": terminal,
            "events": events if events is not None else [
                support.event(1, "sale", support.sale(f"{store}-{terminal}-000001", [("1001", 1000, 9990)]))]}


FEED = "/api/v1/stores/MSK1/feeds/prices"
EVENTS = "/api/v1/events"
WEB = "/api/v1/web/orders"
WEB_BODY = {"fulfilment": "pickup", "pickup_store_id": "MSK1", "contact": {"name": "Ольга", "phone": "+79160000000"},
            "lines": [{"sku": "1001", "qty_milli": 1000}]}

REFUSALS = [
    # -- tokens: missing, wrong, revoked, malformed -> 401
    ("no token feed", "GET", FEED, dict(who="none"), 401),
    ("no token events", "POST", EVENTS, dict(who="none", body=batch()), 401),
    ("no token web", "POST", WEB, dict(who="none", body=WEB_BODY), 401),
    ("wrong token", "POST", EVENTS, dict(who="wrong", body=batch()), 401),
    ("revoked terminal", "POST", EVENTS, dict(who="revoked", body=batch(terminal="P9")), 401),
    ("revoked terminal feed", "GET", FEED, dict(who="revoked"), 401),
    ("revoked web token", "POST", WEB, dict(who="revoked_web", body=WEB_BODY), 401),
    ("basic auth", "GET", FEED, dict(who="none", headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401),
    ("empty bearer", "GET", FEED, dict(who="none", headers={"Authorization": "Bearer "}), 401),
    ("token in the query", "GET", FEED + "?token=x", dict(who="none"), 401),
    ("60 kB token", "POST", EVENTS, dict(who="none", body=batch(), headers={"Authorization": "Bearer " + "a" * 60000}),
     401),
    # -- boundaries: another store's data, another terminal's events, the wrong channel -> 403
    ("other store's feed", "GET", FEED, dict(who="spb"), 403),
    ("other store's orders feed", "GET", "/api/v1/stores/MSK1/feeds/orders", dict(who="spb"), 403),
    ("other store's customers", "GET", "/api/v1/stores/MSK1/feeds/customers", dict(who="spb"), 403),
    ("other store's order lookup", "GET", "/api/v1/stores/MSK1/orders/WEB-SHOP-000001", dict(who="spb"), 403),
    ("events as another store", "POST", EVENTS, dict(who="spb", body=batch()), 403),
    ("events as another terminal", "POST", EVENTS, dict(who="k1", body=batch(terminal="P1")), 403),
    ("events as a terminal of the other store", "POST", EVENTS, dict(who="p1", body=batch("SPB1", "P1")), 403),
    ("duplicate key smuggles another store", "POST", EVENTS,
     dict(raw=b'{"store":"MSK1","store":"SPB1","terminal":"P1","events":[]}'), 403),
    ("web token reads feeds", "GET", FEED, dict(who="web"), 403),
    ("web token pushes events", "POST", EVENTS, dict(who="web", body=batch()), 403),
    ("terminal places web orders", "POST", WEB, dict(who="p1", body=WEB_BODY), 403),
    # -- oversized -> 413
    ("declared 9 MiB", "POST", EVENTS, dict(raw=json.dumps({**batch(), "pad": "x" * (9 * MIB)}).encode()), 413),
    ("gzip bomb", "POST", EVENTS, dict(raw=gzip.compress(b" " * (9 * MIB)), headers={"Content-Encoding": "gzip"}), 413),
    # -- malformed -> 400 / 415 / 422
    ("not JSON", "POST", EVENTS, dict(raw=b"{not json"), 422),
    ("not UTF-8", "POST", EVENTS, dict(raw=b'{"store":"\xff\xfe","terminal":"P1","events":[]}'), (400, 422)),
    ("nested 200 000 deep", "POST", EVENTS, dict(raw=b"[" * 200000 + b"]" * 200000), (400, 422)),
    ("5000-digit seq", "POST", EVENTS, dict(raw=(b'{"store":"MSK1","terminal":"P1","events":[{"seq":' + b"9" * 5000
                                                 + b',"id":"a","kind":"sale","payload":{},"payload_hash":"'
                                                 + b"0" * 64 + b'","created_at":1}]}')), (400, 422)),
    ("NaN seq", "POST", EVENTS, dict(raw=b'{"store":"MSK1","terminal":"P1","events":[{"seq":NaN}]}'), 422),
    ("array body", "POST", EVENTS, dict(raw=b"[]"), 422),
    ("events not a list", "POST", EVENTS, dict(body={"store": "MSK1", "terminal": "P1", "events": {}}), 422),
    ("20 000 events", "POST", EVENTS, dict(body=batch(events=[
        {"seq": i, "id": str(i), "kind": "sale", "payload": {}, "payload_hash": "0" * 64, "created_at": 1}
        for i in range(1, 20001)])), 422),
    ("seq 0", "POST", EVENTS, dict(body=batch(events=[
        support.event(0, "sale", support.sale("MSK1-P1-000001", [("1001", 1000, 9990)]))])), 422),
    ("a seq twice", "POST", EVENTS, dict(body=batch(events=[
        support.event(1, "sale", support.sale("MSK1-P1-000001", [("1001", 1000, 9990)])),
        support.event(1, "sale", support.sale("MSK1-P1-000002", [("1001", 1000, 9990)]))])), 422),
    ("truncated gzip", "POST", EVENTS, dict(raw=gzip.compress(json.dumps(batch()).encode())[:-6],
                                            headers={"Content-Encoding": "gzip"}), 400),
    ("not gzip", "POST", EVENTS, dict(raw=b"plain", headers={"Content-Encoding": "gzip"}), 400),
    ("gzip twice", "POST", EVENTS, dict(raw=gzip.compress(gzip.compress(json.dumps(batch()).encode())),
                                        headers={"Content-Encoding": "gzip"}), (400, 422)),
    ("brotli", "POST", EVENTS, dict(raw=b"x", headers={"Content-Encoding": "br"}), 415),
    ("bad cursor", "GET", FEED + "?cursor=%27%3B--", dict(), 422),
    ("huge limit", "GET", FEED + "?limit=" + "9" * 40, dict(), 422),
    ("unknown feed", "GET", "/api/v1/stores/MSK1/feeds/sqlite_master", dict(), 404),
    ("web order of nothing", "POST", WEB, dict(who="web", body={**WEB_BODY, "lines": []}), 422),
]


@pytest.mark.parametrize("name, method, path, kw, status", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_with_the_right_status_and_nothing_written(central, name, method, path, kw, status):
    server, db_path, tokens, _order = central
    before = digest(db_path)
    try:
        r = call(server, tokens, method, path, **kw)
    except requests.ConnectionError as exc:  # a server may close on a request it will not read
        assert status == 413, f"{name}: connection dropped ({exc}) instead of an answer"
        r = None
    if r is not None:
        assert r.status_code in ((status,) if isinstance(status, int) else status), (name, r.status_code, r.text[:300])
        detail = r.json()["detail"]
        assert isinstance(detail, str) and 10 <= len(detail) <= 500, (name, detail)
        for secret in tokens.values():
            assert secret not in r.text, f"{name}: a token is echoed in the answer"
        if r.status_code == 401:
            assert r.headers.get("WWW-Authenticate") == "Bearer"
    assert digest(db_path) == before, f"{name}: central wrote something for a refused request"


@pytest.mark.parametrize("kind", ["pickup", "order_status", "order_arrived"])
def test_a_terminal_cannot_touch_another_stores_order(central, kind):
    server, db_path, tokens, order = central
    payload = {"order_id": order["order_id"], "at": support.NOW}
    if kind == "order_status":
        payload["status"] = "cancelled"
    conn = connect(db_path, migrate_schema=False)
    try:
        seq = (conn.execute("SELECT acked_through FROM terminals WHERE store_id = 'MSK1' AND terminal_id = 'P1'")
               .fetchone()[0]) + 1
        before = conn.execute("SELECT * FROM orders WHERE id = ?", (order["order_id"],)).fetchone()
        answer = call(server, tokens, "POST", EVENTS, body=batch(events=[support.event(seq, kind, payload)]))
        assert answer.status_code == 200, answer.text
        result = answer.json()["results"][0]
        assert result["status"] == "rejected"
        assert "not picked up at or shipped from store MSK1" in result["reason"]
        assert tuple(conn.execute("SELECT * FROM orders WHERE id = ?", (order["order_id"],)).fetchone()) == tuple(before)
        assert conn.execute("SELECT COUNT(*) FROM stock_movements").fetchone()[0] == 0
    finally:
        conn.close()


def test_another_stores_order_lookup_by_number_stays_in_the_chain_rules(central):
    """A web order may be returned at any store of the chain (returns anywhere), so MSK1 may
    look it up by number; a terminal of the order's store may, and no token may not."""
    server, _db, tokens, order = central
    path = f"/api/v1/stores/MSK1/orders/{order['number']}"
    assert call(server, tokens, "GET", path).status_code == 200
    assert call(server, tokens, "GET", path, who="none").status_code == 401
    assert call(server, tokens, "GET", f"/api/v1/stores/SPB1/orders/{order['number']}", who="p1").status_code == 403
