"""run_kiosk.py's command line: defaults, modes and refusals (no window needed)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import run_kiosk  # noqa: E402


def test_defaults_are_a_full_screen_kiosk_with_its_agent():
    args = run_kiosk.parse_args([])
    assert args.db == run_kiosk.DEFAULT_DB and args.db.name == "terminal-kiosk.db"
    assert args.fullscreen and not args.no_agent and args.camera is None and args.idle == 90
    assert args.script is None and args.screenshots is None


@pytest.mark.parametrize("argv, field, value", [
    (["--windowed"], "fullscreen", False),
    (["--fullscreen"], "fullscreen", True),
    (["--camera"], "camera", 0),
    (["--camera", "2"], "camera", 2),
    (["--idle", "0"], "idle", 0),
    (["--no-agent"], "no_agent", True),
    (["--script", "shopper", "--screenshots", "x"], "script", "shopper"),
])
def test_options(argv, field, value):
    assert getattr(run_kiosk.parse_args(argv), field) == value


@pytest.mark.parametrize("argv", [["--idle", "-5"], ["--windowed", "--fullscreen"], ["--camera", "front"],
                                  ["--lang", "de"]])
def test_bad_options_are_refused_with_a_message(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        run_kiosk.parse_args(argv)
    assert caught.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform != "linux", reason="process priorities as Linux reports them")
def test_the_agent_starts_at_a_lower_cpu_priority_than_the_app(tmp_path):
    import os

    proc = run_kiosk.start_agent(tmp_path / "kiosk.db")  # not registered: it stops by itself with a message
    try:
        assert os.getpriority(os.PRIO_PROCESS, proc.pid) >= os.getpriority(os.PRIO_PROCESS, 0) + 1
    finally:
        proc.terminate()
        proc.wait(10)
    assert (tmp_path / "kiosk.db.agent.log").exists()
