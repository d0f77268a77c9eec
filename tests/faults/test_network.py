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
        assert [a for _, _, a in proxy.seen] == [("truncate", 0.5), "reset", "reset_first", "duplicate"]
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
