"""The network suite's quick mode, the proxy's faults, and healing after a long partition."""
from __future__ import annotations

import threading
import time

import pytest
import requests
from faults_support import run_quick

from bench.faults import rig
from bench.faults.proxy import Proxy

pytestmark = pytest.mark.faults


def test_network_quick(tmp_path):
    report = run_quick("network", tmp_path)
    assert "slowest convergence after healing" in report.notes[0]
    assert set(report.attempts) >= {"reorder", "gateway", "outage", "truncate", "reset_first", "duplicate"}
    assert any("outages of simulated time" in note for note in report.notes)


@pytest.fixture
def central(tmp_path):
    template = rig.build_template(tmp_path / "template")
    rig.copy_database(template.path, tmp_path / "central.db")
    running = rig.Central(tmp_path / "central.db", template)
    yield running, template
    running.stop()


def test_each_proxy_fault_looks_like_the_network_it_imitates(central):
    running, _ = central
    proxy = Proxy(running.url)
    try:
        url = f"{proxy.url}/api/v1/health"
        proxy.rule = lambda m, p, b: ("truncate", 0.5)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(url, timeout=5)
        for action in ("reset", "reset_first"):
            proxy.rule = lambda m, p, b, action=action: action
            with pytest.raises(requests.exceptions.ConnectionError):
                requests.get(url, timeout=5)
        proxy.rule = lambda m, p, b: "duplicate"
        assert requests.get(url, timeout=5).json()["ok"] is True
        proxy.rule = lambda m, p, b: ("duplicate", 0)
        assert requests.get(url, timeout=5).json()["ok"] is True
        assert [a for _, _, a in proxy.seen] == [("truncate", 0.5), "reset", "reset_first", "duplicate",
                                                 ("duplicate", 0)]
    finally:
        proxy.close()


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.99])
def test_a_cut_gzip_feed_page_is_a_sync_error_never_a_crash(central, fraction):
    """A feed page (gzip-compressed by central) cut at any byte: the client says so, typed."""
    from sync.client import CentralClient
    from sync.errors import SyncError

    running, template = central
    proxy = Proxy(running.url)
    try:
        client = CentralClient(proxy.url, template.home, "P1", running.token(template.home, "P1"))
        whole = requests.get(f"{proxy.url}/api/v1/stores/{template.home}/feeds/catalogue",
                             params={"cursor": "", "limit": 200}, timeout=10,
                             headers={"Authorization": f"Bearer {running.token(template.home, 'P1')}",
                                      "Accept-Encoding": "gzip"})
        assert whole.status_code == 200 and whole.headers.get("Content-Encoding") == "gzip", whole.text[:200]
        proxy.rule = lambda m, p, b: ("truncate", fraction)
        with pytest.raises(SyncError):
            client.feed_page("catalogue", "", 200)
        client.close()
        assert proxy.requests_to("/feeds/catalogue")[-1][2] == ("truncate", fraction)
    finally:
        proxy.close()


def test_sim_clock_only_moves_forward():
    from bench.faults.suites.network import SimClock

    clock = SimClock()
    start = clock()
    clock.advance_to(start + 7200)
    assert clock() - start >= 7200
    clock.advance_to(start)          # never back
    assert clock() - start >= 7200


def test_duplicate_reaches_central_twice_and_answers_with_the_chosen_one(central):
    """Two POSTs reach central; the answer is the first or the second as asked (told apart by a 404 then 200)."""
    running, _ = central
    calls = []
    upstream = Proxy(running.url)   # counts what reaches central; answers 404 to the first of each pair

    def first_is_404(method, path, body):
        calls.append(path)
        return (404, '{"detail": "first"}') if len(calls) == 1 else "pass"

    upstream.rule = first_is_404
    proxy = Proxy(upstream.url)
    try:
        proxy.rule = lambda m, p, b: ("duplicate", 0)
        assert requests.get(f"{proxy.url}/api/v1/health", timeout=5).status_code == 404
        assert len(calls) == 2
        calls.clear()
        proxy.rule = lambda m, p, b: ("duplicate", 1)
        assert requests.get(f"{proxy.url}/api/v1/health", timeout=5).status_code == 200
        assert len(calls) == 2
    finally:
        proxy.close()
        upstream.close()


def _get_in_turn(urls: list[str], gap: float) -> list[requests.Response | None]:
    """GET each url from its own thread, starting ``gap`` seconds apart; answers in url order."""
    answers: list[requests.Response | None] = [None] * len(urls)

    def get(i: int) -> None:
        answers[i] = requests.get(urls[i], timeout=10)

    threads = []
    for i in range(len(urls)):
        threads.append(threading.Thread(target=get, args=(i,)))
        threads[-1].start()
        time.sleep(gap)
    for t in threads:
        t.join(15)
    return answers


def test_reorder_sends_concurrent_answers_newest_first_each_to_its_own_request(central):
    running, _ = central
    proxy = Proxy(running.url)
    try:
        proxy.hold_s = 5.0
        proxy.rule = lambda m, p, b: ("reorder", 3)
        paths = ["/api/v1/health?n=1", "/api/v1/no-such-thing", "/api/v1/health?n=3"]
        answers = _get_in_turn([proxy.url + p for p in paths], 0.15)
        assert [a.status_code for a in answers] == [200, 404, 200]
        assert answers[0].json()["ok"] is True and answers[2].json()["ok"] is True
        assert proxy.released == paths[::-1]
    finally:
        proxy.close()


def test_a_reorder_group_that_never_fills_is_released_after_hold_s(central):
    running, _ = central
    proxy = Proxy(running.url)
    try:
        proxy.hold_s = 0.4
        proxy.rule = lambda m, p, b: ("reorder", 10)
        paths = ["/api/v1/health?n=1", "/api/v1/health?n=2"]
        started = time.monotonic()
        answers = _get_in_turn([proxy.url + p for p in paths], 0.1)
        assert [a.status_code for a in answers] == [200, 200]
        assert proxy.released == paths[::-1]
        assert time.monotonic() - started < 3
    finally:
        proxy.close()


def test_a_healed_network_is_noticed_within_seconds_whatever_the_backoff(central, tmp_path, monkeypatch):
    """After hours cut off the backoff sits at its 5-minute cap; the /health probe ends it early."""
    import sync.agent as agent_module
    from sync.backoff import Backoff

    running, template = central
    term = rig.register(tmp_path, running, template.home, "P1")
    term.sync()
    monkeypatch.setattr(agent_module, "Backoff", lambda: Backoff(base=300.0, cap=300.0))  # hours cut off
    monkeypatch.setattr(agent_module, "PROBE_S", 0.5)
    running.stop()
    agent = term.agent(interval=3600)
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    try:
        rig.wait_for(lambda: term.conn.execute("SELECT last_cycle_ok FROM sync_status").fetchone()[0] == 0, 20)
        wait = term.conn.execute("SELECT next_run_at - last_cycle_at FROM sync_status").fetchone()[0]
        assert wait >= 150, "the backoff should have the agent wait minutes"
        running.start()
        healed = time.monotonic()
        rig.wait_for(lambda: term.conn.execute("SELECT last_cycle_ok FROM sync_status").fetchone()[0] == 1, 30)
        assert time.monotonic() - healed < 10
    finally:
        agent.stop()
        thread.join(10)
        agent.close()
        term.close()


def test_a_healed_gateway_is_noticed_within_seconds_whatever_the_backoff(central, tmp_path, monkeypatch):
    """A gateway in front of central answers 502 (or 504) while the line behind it is cut.

    Central was not reached, so this is an outage like a refused connection: the agent
    must probe /health and sync within seconds of healing, not after a backoff of minutes.
    """
    import sync.agent as agent_module
    from sync.backoff import Backoff

    running, template = central
    proxy = Proxy(running.url)
    term = rig.register(tmp_path, running, template.home, "P1", url=proxy.url)
    term.sync()
    monkeypatch.setattr(agent_module, "Backoff", lambda: Backoff(base=300.0, cap=300.0))
    monkeypatch.setattr(agent_module, "PROBE_S", 0.5)
    gateway = {"down": True}
    proxy.rule = lambda m, p, b: (502, '{"detail": "upstream unreachable"}') if gateway["down"] else "pass"
    agent = term.agent(interval=3600)
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    try:
        rig.wait_for(lambda: term.conn.execute("SELECT last_cycle_ok FROM sync_status").fetchone()[0] == 0, 20)
        wait = term.conn.execute("SELECT next_run_at - last_cycle_at FROM sync_status").fetchone()[0]
        assert wait >= 150, "the backoff should have the agent wait minutes"
        gateway["down"] = False
        healed = time.monotonic()
        rig.wait_for(lambda: term.conn.execute("SELECT last_cycle_ok FROM sync_status").fetchone()[0] == 1, 30)
        assert time.monotonic() - healed < 10
    finally:
        agent.stop()
        thread.join(10)
        agent.close()
        term.close()
        proxy.close()


def test_a_503_with_retry_after_is_honoured_not_probed_away(central, tmp_path, monkeypatch):
    """Central (or its balancer) asked for time: the probe must not cut that short."""
    import sync.agent as agent_module

    running, template = central
    proxy = Proxy(running.url)
    term = rig.register(tmp_path, running, template.home, "P1", url=proxy.url)
    term.sync()
    monkeypatch.setattr(agent_module, "PROBE_S", 0.2)
    proxy.rule = lambda m, p, b: (503, '{"detail": "busy"}', {"Retry-After": "120"}) if "/health" not in p else "pass"
    agent = term.agent(interval=3600)
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    try:
        rig.wait_for(lambda: term.conn.execute("SELECT last_cycle_ok FROM sync_status").fetchone()[0] == 0, 20)
        health_before = len(proxy.requests_to("/health"))   # the cycle's own; probes would come after
        time.sleep(1.5)
        assert len(proxy.requests_to("/health")) == health_before, "a central that asked for 120 s was probed"
        assert term.conn.execute("SELECT next_run_at - last_cycle_at FROM sync_status").fetchone()[0] >= 100
    finally:
        agent.stop()
        thread.join(10)
        agent.close()
        term.close()
        proxy.close()
