"""The command line, run as a person runs it: ``python -m central ...`` in a subprocess."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

import central_support as support
from central_support import ROOT, cli

@pytest.fixture
def chain_db(tmp_path) -> Path:
    path = tmp_path / "central.db"
    support.build_chain(path)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_terminal_add_prints_a_token_once_and_revoke_stops_it(chain_db):
    token = cli("terminal", "add", "--db", chain_db, "--store", "msk1", "--terminal", "p9", "--kind", "pos").stdout.strip()
    assert len(token) >= 40 and token not in chain_db.read_bytes().decode("latin-1")
    again = cli("terminal", "add", "--db", chain_db, "--store", "MSK1", "--terminal", "P9", "--kind", "pos", check=2)
    assert "already exists" in again.stderr and "Traceback" not in again.stderr
    listing = cli("terminal", "list", "--db", chain_db).stdout
    assert "MSK1\tP9\tpos\tactive" in listing
    cli("terminal", "revoke", "--db", chain_db, "--store", "MSK1", "--terminal", "P9")
    assert "MSK1\tP9\tpos\trevoked" in cli("terminal", "list", "--db", chain_db).stdout
    warehouse = cli("terminal", "add", "--db", chain_db, "--store", "WH1", "--terminal", "P1", "--kind", "pos", check=2)
    assert "warehouse" in warehouse.stderr
    unknown = cli("terminal", "add", "--db", chain_db, "--store", "NOPE1", "--terminal", "P1", "--kind", "pos", check=2)
    assert "no store or warehouse 'NOPE1'" in unknown.stderr


def test_stores_lists_the_chain(chain_db):
    out = cli("stores", "--db", chain_db).stdout.splitlines()
    assert [line.split("\t")[0] for line in out] == ["WH1", "MSK1", "MSK2", "SPB1"]
    missing = cli("stores", "--db", chain_db.parent / "nothing.db", check=2)
    assert "no database" in missing.stderr


def test_import_reports_rejects_by_line_and_applies_the_rest(chain_db, tmp_path):
    prices = tmp_path / "prices.csv"
    prices.write_text("sku,price,valid_from\n1001,199.90,\n1002,abc,\n9999,100,\n1003,5000,2026-12-01\n",
                      encoding="utf-8")
    done = cli("import", "--db", chain_db, "prices", prices, "--store", "SPB1", check=1)
    assert "prices: 4 rows, 2 applied, 0 deleted, 2 rejected" in done.stdout
    assert done.stderr.splitlines() == ["line 3: price 'abc' is not money: write integer kopecks (12345) or rubles "
                                        "with two decimals (123.45)",
                                        "line 4: unknown SKU '9999': import the product first"]
    clean = tmp_path / "stock.ndjson"
    clean.write_text('{"store": "MSK2", "sku": "1001", "on_hand_milli": 7000}\n', encoding="utf-8")
    assert "1 applied" in cli("import", "--db", chain_db, "stock", clean).stdout
    headless = tmp_path / "costs.csv"
    headless.write_text("sku,cost\n1001,5\n", encoding="utf-8")
    assert "no column price" in cli("import", "--db", chain_db, "prices", headless, "--store", "MSK1", check=2).stderr


def test_web_order_directly_and_against_a_running_server(chain_db):
    direct = cli("web-order", "--db", chain_db, "--item", "1001:2", "--item", "1005:0.5", "--pickup", "MSK1",
                 "--name", "Ольга", "--phone", "+7 916 555-44-33").stdout
    assert direct.startswith("order WEB-SHOP-000001 total ")
    assert "pickup code " in direct and "pickup QR VT1.kMSK1." in direct
    token = cli("channel", "add", "--db", chain_db).stdout.strip()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "central", "serve", "--db", str(chain_db), "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"{url}/api/v1/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "serve did not come up"
            time.sleep(0.1)
        over_http = cli("web-order", "--url", url, "--token", token, "--item", "2001", "--delivery",
                        "Казань, ул. Баумана, 1, кв. 2", "--json").stdout
        assert '"number": "WEB-SHOP-000002"' in over_http and '"source_id": "WH1"' in over_http
        refused = cli("web-order", "--url", url, "--token", "wrong", "--item", "2001", "--pickup", "MSK1", check=1)
        assert "401" in refused.stderr
    finally:
        server.terminate()
        server.wait(10)
    bad = cli("web-order", "--db", chain_db, "--item", "1001:x", "--pickup", "MSK1", check=2)
    assert "quantity must be a number" in bad.stderr
    both = cli("web-order", "--db", chain_db, "--item", "1001", check=2)
    assert "--pickup STORE or --delivery ADDRESS" in both.stderr


def test_console_script_is_declared():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'vitrina-central = "central.__main__:main"' in text
