"""The fault rig itself: central as a killable process comes back on its port; converging after a kill."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "sync"))

from central_fixture import central_template  # noqa: E402,F401  (session fixture)

from bench.faults import invariants, rig  # noqa: E402
from bench.faults.till import priced_skus, sell  # noqa: E402

pytestmark = pytest.mark.faults


def test_central_as_a_process_is_killed_and_served_again_on_its_port(tmp_path, central_template):
    rig.copy_database(central_template.path, tmp_path / "central.db")
    central = rig.Central(tmp_path / "central.db", central_template, process=True)
    try:
        t = rig.register(tmp_path, central, central_template.home, "P1")
        rig.converge(t)
        sold = sell(t.conn, [(priced_skus(t.conn, 1)[0], 1)]).id
        port = central.port
        central.kill()
        assert rig.agent_once(t).returncode == 1               # central is gone: the cycle fails
        central.start()
        assert central.port == port
        assert rig.converge_running(t) >= 1                    # the running agent gets there on its own
        assert invariants.check(t, central, committed=[sold], feeds=True) == []
        t.close()
    finally:
        central.stop()


def test_a_thread_central_cannot_be_killed_and_a_stuck_wait_says_what_it_waited_for(tmp_path, central_template):
    rig.copy_database(central_template.path, tmp_path / "central.db")
    central = rig.Central(tmp_path / "central.db", central_template)
    try:
        with pytest.raises(rig.RigError, match="process=True"):
            central.kill()
        with pytest.raises(rig.RigError, match="waiting for Godot"):
            rig.wait_for(lambda: False, timeout=0.1, what="Godot")
        with pytest.raises(rig.RigError, match="(?s)exited 2:.*no active terminal P9"):
            rig.run_cli("central", "terminal", "revoke", "--db", str(tmp_path / "central.db"), "--store", "NOPE",
                        "--terminal", "P9")
    finally:
        central.stop()
