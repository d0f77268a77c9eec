"""SQL and FTS5 metacharacters through central's routes: path, query and body fields.

test_sql_metachars.py covers the terminals' lookups. Here the same hostile texts go
through every parameter a caller of central controls - the store and feed in the path,
the cursor and limit of a feed page, an order number, the SKU, barcode and contact of a
web order - with a valid token. Central must answer with a refusal or an empty answer
(never 5xx, never a SQL error's text), find nothing a wildcard would, and write nothing.
"""
from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest
import requests

import central_support as support
from central.api import serve_in_background
from central.storage import connect
from test_sql_metachars import HOSTILE

pytestmark = pytest.mark.security

TEXTS = [t for t in HOSTILE if "\x00" not in t] + ["%25", "..%2F..", "MSK%", "MSK_", "WEB-SHOP-%"]
SQL_WORDS = ("sqlite", "syntax error", "OperationalError", "no such", "unrecognized token", "fts5")


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    path = tmp_path_factory.mktemp("central-sql") / "central.db"
    support.build_chain(path)
    tokens = support.add_terminals(path)
    server = serve_in_background(path, clock=lambda: support.NOW)
    yield server, path, tokens
    server.stop()


def digest(path) -> str:
    conn = connect(path, migrate_schema=False)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def _check(r, text):
    assert r.status_code < 500, (text[:40], r.status_code, r.text[:200])
    lowered = r.text.lower()
    assert not any(word.lower() in lowered for word in SQL_WORDS), (text[:40], r.text[:200])


def test_hostile_text_in_every_parameter_of_central(central):
    server, path, tokens = central
    p1 = requests.Session()
    p1.headers["Authorization"] = f"Bearer {tokens[('MSK1', 'P1')]}"
    web = requests.Session()
    web.headers["Authorization"] = f"Bearer {tokens[('web', '')]}"
    base = f"{server.url}/api/v1"
    before = digest(path)
    for text in TEXTS:
        q = quote(text, safe="")
        for url in (f"{base}/stores/{q}/feeds/prices", f"{base}/stores/MSK1/feeds/{q}",
                    f"{base}/stores/MSK1/orders/{q}"):
            r = p1.get(url, timeout=10)
            _check(r, text)
            assert r.status_code in (403, 404, 405, 422), (url[-40:], r.status_code)
        for params in ({"cursor": text}, {"limit": text}, {"cursor": "", "limit": "1", text[:50]: "1"}):
            r = p1.get(f"{base}/stores/MSK1/feeds/prices", params=params, timeout=10)
            _check(r, text)
            if r.status_code == 200:  # a number is a cursor or a limit; an unknown parameter is ignored
                assert all(v == "" or (v.isascii() and v.isdigit()) for k, v in params.items()
                           if k in ("cursor", "limit")), (params, r.text[:200])
        body = {"fulfilment": "pickup", "pickup_store_id": "MSK1",
                "contact": {"name": text[:200], "phone": "+79160000000"},
                "lines": [{"sku": text[:64], "qty_milli": 1000}]}
        r = web.post(f"{base}/web/orders", json=body, timeout=10)
        _check(r, text)
        assert r.status_code in (404, 422), (text[:40], r.status_code, r.text[:200])
        body["lines"] = [{"barcode": text[:64], "qty_milli": 1000}]
        r = web.post(f"{base}/web/orders", json=body, timeout=10)
        _check(r, text)
        assert r.status_code in (404, 422), (text[:40], r.status_code, r.text[:200])
    assert digest(path) == before, "a hostile lookup wrote to central's database"


def test_wildcards_find_no_order_and_the_real_number_does(central):
    server, path, tokens = central
    web = requests.Session()
    web.headers["Authorization"] = f"Bearer {tokens[('web', '')]}"
    placed = web.post(f"{server.url}/api/v1/web/orders", timeout=10, json={
        "fulfilment": "pickup", "pickup_store_id": "MSK1", "contact": {"name": "Ольга", "phone": "+79160000000"},
        "lines": [{"sku": "1001", "qty_milli": 1000}]})
    assert placed.status_code == 201, placed.text
    number = placed.json()["number"]
    p1 = requests.Session()
    p1.headers["Authorization"] = f"Bearer {tokens[('MSK1', 'P1')]}"
    base = f"{server.url}/api/v1/stores/MSK1/orders/"
    assert p1.get(base + number, timeout=10).status_code == 200
    for pattern in (number[:-1] + "_", number[:-2] + "%", "%", "_" * len(number), f"{number}' OR '1'='1",
                    number.lower().replace("w", "_")):
        r = p1.get(base + quote(pattern, safe=""), timeout=10)
        assert r.status_code == 404, (pattern, r.status_code, r.text[:200])
