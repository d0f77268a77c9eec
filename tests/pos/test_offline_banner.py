"""The offline banner while the app's own sync agent is still starting: no news is not bad news.

Read from a real terminal store (the status row as the previous run left it); the agent's
start and heartbeat are written the way the agent writes them (``sync.state``).
"""
from __future__ import annotations

import dataclasses

import pytest

from sync import state
from ui.services import AGENT_START_GRACE_S, TerminalServices, agent_starting, offline_text

from conftest import NOW


def tr(text, **params):
    return text.format(**params)


@pytest.fixture
def services(store_path):
    s = TerminalServices(store_path, clock=lambda: NOW)
    yield s
    s.close()


def test_no_banner_while_the_started_agent_has_not_reported(services):
    status = services.sync_status()  # no agent has run here: not running, no heartbeat
    assert not status.running
    assert offline_text(status, NOW, tr).startswith("Sync agent is not running")  # nobody started one
    assert agent_starting(status, NOW + 5, NOW)
    assert offline_text(status, NOW + 5, tr, agent_started_at=NOW) == ""
    # The agent never showed up: after the grace the banner says so.
    late = NOW + AGENT_START_GRACE_S
    assert offline_text(status, late, tr, agent_started_at=NOW).startswith("Sync agent is not running")


def test_a_stale_heartbeat_from_the_previous_run_is_no_answer(services):
    previous = dataclasses.replace(services.sync_status(), heartbeat_at=NOW - 600)
    assert offline_text(previous, NOW + 3, tr, agent_started_at=NOW) == ""
    # A heartbeat after the start that no longer counts as running: the agent died; say so at once.
    died = dataclasses.replace(previous, heartbeat_at=NOW + 1)
    assert not agent_starting(died, NOW + 3, NOW)
    assert offline_text(died, NOW + 3, tr, agent_started_at=NOW).startswith("Sync agent is not running")


def test_a_running_agent_that_cannot_reach_central_shows_the_banner_at_once(services):
    state.agent_started(services.conn, 1, now=NOW + 1)  # pid 1 is alive on every POSIX system
    state.contact(services.conn, reachable=False, last_contact_at=None, clock_offset_s=None)
    services.conn.commit()
    status = services.sync_status()
    assert status.running and not status.online
    assert not agent_starting(status, NOW + 2, NOW)
    assert offline_text(status, NOW + 2, tr, agent_started_at=NOW).startswith("Central is unreachable")
