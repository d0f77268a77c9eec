"""The agent as a process: CLI, `run` + `request`, 401/403 stops, SIGKILL mid-apply and mid-push."""
from __future__ import annotations

import json
import signal
import stat
import subprocess
import time

import pytest

from central_fixture import ENV, PYTHON, ROOT
from bench.faults.proxy import Proxy
from retail import outbox
from retail.store import connect, integrity_ok
from sync.status import read_status
from till import priced_skus, sell


def start_agent(term, *args: str) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, "-m", "sync", "run", "--db", str(term.db_path), *args], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout: float = 20.0, step: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def status_row(term) -> dict:
    conn = connect(term.db_path, migrate_schema=False)
    try:
        return dict(conn.execute("SELECT * FROM sync_status").fetchone())
    finally:
        conn.close()


def stop(proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 15) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout)
    finally:
        proc.stdout.close()
        proc.stderr.close()


# ---------------------------------------------------------------- register and status


def test_register_keeps_the_token_out_of_the_database_and_logs(central, terminals):
    t = terminals(central.stores[0], "P1")
    token = central.token(t.store, t.terminal)
    path = t.db_path.with_name(t.db_path.name + ".token")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == token
    assert token not in json.dumps([tuple(r) for r in t.conn.execute("SELECT * FROM settings")])
    out = t.cli("once")
    status = t.cli("status", "--json")
    for text in (out.stdout, out.stderr, status.stdout):
        assert token not in text
    doc = json.loads(status.stdout)
    assert set(doc) >= {"feeds", "outbox", "quarantined", "clock_offset_s", "running", "progress", "offline_since"}
    assert doc["feeds"]["catalogue"]["rows"] > 0 and doc["feeds"]["catalogue"]["last_success_at"]
    assert set(doc["feeds"]["catalogue"]) >= {"cursor", "rows", "last_success_at", "last_error"}
    assert doc["outbox"] == {"pending": 0, "acked": 0, "dead": 0}
    verbose = subprocess.run([PYTHON, "-m", "sync", "-v", "once", "--db", str(t.db_path)], cwd=ROOT, env=ENV,
                             capture_output=True, text=True, timeout=60)
    assert verbose.returncode == 0 and token not in verbose.stdout + verbose.stderr
    text = t.cli("status").stdout
    assert f"P1 of store {t.store}" in text and "0 pending" in text and token not in text


def test_register_refuses_to_turn_one_terminals_events_into_anothers(central, terminals):
    t = terminals(central.stores[0], "P1")
    t.sync()
    sell(t.conn, [(priced_skus(t.conn, 1)[0], 1)])
    proc = t.cli("register", "--central", central.url, "--store", t.store, "--terminal", "P9", "--token",
                 "x" * 20, check=False)
    assert proc.returncode == 2 and "belong to that terminal" in proc.stderr
    # the same terminal with a new token is fine
    assert t.cli("register", "--central", central.url, "--store", t.store, "--terminal", "P1", "--token",
                 central.token(t.store, "P1")).returncode == 0


@pytest.mark.parametrize("args,message", [
    (["--central", "ftp://x", "--store", "MSK1", "--terminal", "P1", "--token", "abcdefghij"], "central URL"),
    (["--central", "http://x", "--store", "M S K", "--terminal", "P1", "--token", "abcdefghij"], "store id"),
    (["--central", "http://x", "--store", "MSK1", "--terminal", "P1", "--token", "short"], "token"),
])
def test_register_rejects_bad_input_with_a_message(tmp_path, capsys, args, message):
    from sync.__main__ import main

    assert main(["register", "--db", str(tmp_path / "x.db"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.db.token").exists()


def test_commands_on_an_unregistered_store_say_what_to_do(tmp_path, capsys):
    from sync.__main__ import main

    assert main(["once", "--db", str(tmp_path / "none.db")]) == 2
    assert "register" in capsys.readouterr().err
    connect(tmp_path / "empty.db").close()
    assert main(["once", "--db", str(tmp_path / "empty.db")]) == 2
    assert "not registered" in capsys.readouterr().err


# ---------------------------------------------------------------- the running agent


def test_a_running_agent_answers_a_request_within_two_seconds(central, terminals):
    t = terminals(central.stores[0], "P1")
    agent = start_agent(t, "--interval", "3600")
    try:
        wait_for(lambda: status_row(t)["last_cycle_at"], what="the first cycle")
        s = read_status(t.conn)
        assert s.running and s.pid == agent.pid and s.online and s.offline_since is None
        t.cli("request", "--by", "manager-1")
        asked = time.time()
        row = wait_for(lambda: t.conn.execute("SELECT started_at, done_at, result FROM sync_requests").fetchone()[0]
                       and t.conn.execute("SELECT started_at, done_at, result, requested_at FROM sync_requests")
                       .fetchone(), timeout=5, what="the request to start")
        assert time.time() - asked < 2.0 and row["started_at"] - row["requested_at"] <= 2
        done = wait_for(lambda: t.conn.execute("SELECT done_at, result FROM sync_requests").fetchone()["done_at"]
                        and t.conn.execute("SELECT done_at, result FROM sync_requests").fetchone(), what="done")
        assert done["result"].startswith("ok")
    finally:
        assert stop(agent) == 0
    s = read_status(t.conn)
    assert not s.running and s.phase == "not running"


def test_the_agent_rides_out_central_being_down(central, terminals):
    t = terminals(central.stores[0], "P1")
    t.sync()
    central.stop()
    sell(t.conn, [(priced_skus(t.conn, 1)[0], 1)])
    agent = start_agent(t, "--interval", "3600")
    try:
        wait_for(lambda: status_row(t)["last_cycle_at"], what="the first (failed) cycle")
        s = read_status(t.conn)
        assert s.running and not s.online and s.offline_since is not None
        assert "cannot reach central" in s.last_error and s.next_run_at is not None
        assert s.outbox.pending == 2                         # the shift opening and the sale wait
        central.start()
        t.cli("request", "--by", "manager-1")
        done = wait_for(lambda: t.conn.execute("SELECT done_at, result FROM sync_requests ORDER BY id DESC")
                        .fetchone() if t.conn.execute("SELECT done_at FROM sync_requests ORDER BY id DESC")
                        .fetchone()[0] else None, what="the requested cycle")
        assert done["result"].startswith("ok"), done["result"]
        s = read_status(t.conn)
        assert s.online and s.offline_since is None and s.outbox.pending == 0 and s.last_error is None
    finally:
        assert stop(agent) == 0


def test_a_killed_agent_is_not_shown_as_running(central, terminals):
    t = terminals(central.stores[0], "P1")
    agent = start_agent(t, "--interval", "3600")
    wait_for(lambda: status_row(t)["last_cycle_at"], what="the first cycle")
    assert read_status(t.conn).running
    stop(agent, signal.SIGKILL)
    assert status_row(t)["running"] == 1                   # the flag stays behind...
    assert not read_status(t.conn).running                  # ...but the reader knows better


@pytest.mark.parametrize("case", ["revoked", "other store"])
def test_401_and_403_stop_the_agent_with_a_clear_status(central, terminals, case):
    proxy = Proxy(central.url)
    try:
        if case == "revoked":
            t = terminals(central.stores[0], "P1", url=proxy.url)
            central.revoke(t.store, "P1")
            reason = "bad token"
        else:  # a valid token used for another store's feeds
            t = terminals(central.stores[1], "P1", url=proxy.url, token=central.token(central.stores[0], "P1"))
            reason = "forbidden"
        agent = start_agent(t, "--interval", "0.2")
        code = agent.wait(30)
        assert code == 3, agent.stderr.read()
        agent.stdout.close()
        agent.stderr.close()
        s = read_status(t.conn)
        assert s.stopped_reason == reason and not s.running
        assert "401" in s.last_error if case == "revoked" else "403" in s.last_error
        assert any("stopped" in w for w in s.warnings)
        feeds_asked = len(proxy.requests_to("/feeds/"))
        time.sleep(1)
        assert len(proxy.requests_to("/feeds/")) == feeds_asked == 1    # no hammering
        once = t.cli("once", check=False)
        assert once.returncode == 3 and reason in read_status(t.conn).stopped_reason
    finally:
        proxy.close()


# ---------------------------------------------------------------- SIGKILL


def _central_products(central) -> dict[str, tuple[str, int]]:
    db = central.db()
    try:
        return {r[0]: (r[1], r[2]) for r in db.execute("SELECT sku, name_ru, version FROM products")}
    finally:
        db.close()


def test_sigkill_during_the_initial_sync_loses_and_doubles_nothing(central, terminals):
    proxy = Proxy(central.url)
    proxy.rule = lambda method, path, body: ("delay", 0.03) if "/feeds/" in path else "pass"
    try:
        t = terminals(central.stores[0], "P1", url=proxy.url)
        central_products = _central_products(central)
        for attempt in range(2):
            agent = start_agent(t, "--interval", "3600", "--page-limit", "4")
            progressed = (attempt + 1) * 8
            wait_for(lambda: (t.conn.execute("SELECT rows FROM feed_state WHERE feed = 'catalogue'").fetchone()
                              or [0])[0] >= progressed, what="catalogue pages")
            stop(agent, signal.SIGKILL)
            assert integrity_ok(t.conn)
            cursor = int(t.conn.execute("SELECT cursor FROM feed_state WHERE feed = 'catalogue'").fetchone()[0])
            local = {r[0]: r[1] for r in t.conn.execute("SELECT sku, name_ru FROM products")}
            # checkpoint after data: everything the cursor claims is here, nothing is there twice
            covered = {sku for sku, (_, version) in central_products.items() if version <= cursor}
            assert covered <= set(local)
            assert len(local) == t.conn.execute("SELECT COUNT(DISTINCT sku) FROM products").fetchone()[0]
            assert t.conn.execute("SELECT COUNT(*) FROM barcodes b LEFT JOIN products p ON p.sku = b.sku "
                                  "WHERE p.sku IS NULL").fetchone()[0] == 0
        proxy.rule = lambda method, path, body: "pass"
        t.cli("once")
        assert integrity_ok(t.conn)
        assert {r[0] for r in t.conn.execute("SELECT sku FROM products")} == set(central_products)
        assert read_status(t.conn).quarantined == 0
        # the search index is sound and every product is in it
        t.conn.execute("INSERT INTO product_search(product_search) VALUES ('integrity-check')")
        assert t.conn.execute("SELECT COUNT(*) FROM products p LEFT JOIN product_search_docsize d ON d.id = p.id "
                              "WHERE d.id IS NULL").fetchone()[0] == 0
    finally:
        proxy.close()


def test_sigkill_during_a_push_loses_and_doubles_nothing(central, terminals):
    proxy = Proxy(central.url)
    try:
        t = terminals(central.stores[0], "P1", url=proxy.url)
        t.sync()
        skus = priced_skus(t.conn, 5)
        db = central.db()
        before = {s: db.execute("SELECT on_hand_milli FROM stock WHERE location_id = ? AND sku = ?",
                                (t.store, s)).fetchone()[0] for s in skus}
        db.close()
        sold = {s: 0 for s in skus}
        for i in range(60):
            sku = skus[i % len(skus)]
            sell(t.conn, [(sku, 1)])
            sold[sku] += 1000
        events = t.conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        proxy.rule = lambda method, path, body: ("delay", 0.05) if path.endswith("/events") else "pass"
        for attempt in range(2):
            agent = start_agent(t, "--interval", "3600", "--push-batch", "3")
            wait_for(lambda: outbox.counts(t.conn)["acked"] >= (attempt + 1) * 15, what="some events acked")
            stop(agent, signal.SIGKILL)
            assert integrity_ok(t.conn)
            assert 0 < outbox.counts(t.conn)["pending"]
        proxy.rule = lambda method, path, body: "pass"
        t.cli("once")
        assert outbox.counts(t.conn) == {"pending": 0, "acked": events, "dead": 0}
        db = central.db()
        try:
            ledger = db.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM events WHERE store_id = ? "
                                "AND terminal_id = 'P1' AND status = 'accepted'", (t.store,)).fetchone()
            after = {s: db.execute("SELECT on_hand_milli FROM stock WHERE location_id = ? AND sku = ?",
                                   (t.store, s)).fetchone()[0] for s in skus}
        finally:
            db.close()
        assert tuple(ledger) == (events, events)
        assert {s: before[s] - after[s] for s in skus} == sold
    finally:
        proxy.close()
