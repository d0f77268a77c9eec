"""Scale check of the sync agent (not a test: run it by hand; figures printed, never asserted).

    .venv/bin/python tests/sync/scale_check.py [--skus 100000] [--central-db PATH] [--events 10000]

Seeds a demo chain with ``python -m central seed`` (or reuses ``--central-db``), runs
central as its own process (``python -m central serve``) on a free port, registers a
terminal with ``python -m central terminal add`` and ``sync register``, then measures:

1. the initial sync (every feed from "") - rows/s per feed and in total;
2. a price delta of 10 000 rows changed at central;
3. pushing ``--events`` queued sale events.

The targets these scale to (ARCHITECTURE: 2-core terminal): 1 000 000 SKUs with prices and
stock in < 60 s, a 10 000-row price delta in < 2 s, 10 000 events in < 10 s.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from retail import outbox  # noqa: E402
from retail.ids import new_id  # noqa: E402
from retail.store import transaction  # noqa: E402
from sync.agent import Agent  # noqa: E402
from sync.push import push_pending  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def cli(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=ENV, check=True, capture_output=True,
                          text=True).stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/api/v1/health", timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("central did not start")


def sale_payload(number: str, sku: str, price: int, now: int) -> dict:
    return {"sale_id": new_id(), "number": number, "receipt_seq": 1, "shift_id": None, "staff_id": "bench",
            "customer_id": None, "order_id": None, "created_at": now, "subtotal": price, "discount": 0,
            "total": price, "lines": [{"line_no": 1, "sku": sku, "qty_milli": 1000, "unit_price": price,
                                       "base_amount": price, "discount": 0, "amount": price, "vat_rate_bp": 2000,
                                       "vat_amount": price // 6, "adjustments": []}],
            "tenders": [{"kind": "card", "amount": price, "reference": "bench"}], "loyalty": [],
            "movements": [{"id": new_id(), "sku": sku, "delta_milli": -1000}]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skus", type=int, default=100_000)
    ap.add_argument("--central-db", type=Path)
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--page-limit", type=int, default=None)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sync-scale-"))
    central_db = args.central_db or work / "central.db"
    if args.central_db is None:
        started = time.monotonic()
        cli("central", "seed", "--db", str(central_db), "--skus", str(args.skus), "--stores", "2",
            "--customers", "2000")
        print(f"seeded central with {args.skus} SKUs in {time.monotonic() - started:.1f} s")
    store = "MSK1"
    terminal = f"B{int(time.time()) % 100000}"
    token = cli("central", "terminal", "add", "--db", str(central_db), "--store", store, "--terminal", terminal,
                "--kind", "pos").strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "central", "serve", "--db", str(central_db), "--port", str(port)],
                              cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_up(url)
        db = work / "till.db"
        cli("sync", "register", "--db", str(db), "--central", url, "--store", store, "--terminal", terminal,
            "--token", token)
        agent = Agent(db, page_limit=args.page_limit)
        started = time.monotonic()
        report = agent.cycle()
        total = time.monotonic() - started
        print(f"\ninitial sync: {report.pulled.rows} rows in {total:.1f} s = {report.pulled.rows / total:,.0f} rows/s"
              f" (target scale: 1M SKUs < 60 s)")
        for f in report.pulled.feeds:
            rate = f.rows / f.seconds if f.seconds else 0
            print(f"  {f.feed:<11} {f.rows:>9,} rows {f.pages:>4} pages {f.seconds:6.2f} s {rate:>10,.0f} rows/s"
                  f"  (waiting for central {f.wait_s:5.2f} s, applying {f.apply_s:5.2f} s)")

        # a 10 000-row price delta made at central
        conn = agent.conn
        skus = [r[0] for r in conn.execute("SELECT sku FROM prices WHERE kind = 'regular' GROUP BY sku LIMIT 10000")]
        sys.path.insert(0, str(ROOT))
        from central.storage import catalogue as central_catalogue
        from central.storage import connect as central_connect
        from central.storage import transaction as central_tx

        cdb = central_connect(central_db, migrate_schema=False)
        now = int(time.time())
        with central_tx(cdb):
            central_catalogue.upsert_prices(cdb, store, [(s, "regular", now - 1, None, 12345) for s in skus])
        cdb.close()
        started = time.monotonic()
        delta = agent.cycle()
        took = time.monotonic() - started
        print(f"\nprice delta: {delta.pulled.rows} rows in {took:.2f} s (whole cycle, 9 feeds; target < 2 s)")

        # pushing queued events
        priced = conn.execute("SELECT sku, price FROM prices WHERE kind = 'regular' AND price > 0 LIMIT 100").fetchall()
        with transaction(conn):
            for i in range(args.events):
                sku, price = priced[i % len(priced)]
                outbox.emit(conn, "sale", sale_payload(f"{store}-{terminal}-{i + 1:06d}", sku, price, now), now=now)
        started = time.monotonic()
        pushed = push_pending(conn, agent.client)
        took = time.monotonic() - started
        print(f"\npush: {pushed.sent} events ({pushed.accepted} accepted, {pushed.rejected} rejected) in {took:.2f} s "
              f"= {pushed.sent / took:,.0f} events/s (target: 10 000 in < 10 s)")
        agent.close()
    finally:
        server.terminate()
        server.wait(10)
    print(f"\nfiles in {work}")


if __name__ == "__main__":
    main()
