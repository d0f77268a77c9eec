"""Crash points: an armed point SIGKILLs its process on the n-th pass, a bad spec is a clear error."""
from __future__ import annotations

import subprocess

import pytest

from bench.faults.rig import PYTHON, ROOT, child_env
from retail.crashpoints import POINTS, CrashPointError, parse

pytestmark = pytest.mark.faults


def _run(spec: str | None, passes: int = 3) -> subprocess.CompletedProcess:
    code = ("from retail import crashpoints\n"
            f"for i in range({passes}):\n"
            "    print(i, flush=True)\n"
            "    crashpoints.reach('push.answered')\n"
            "    crashpoints.reach('apply.page')\n")
    return subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=child_env(spec), capture_output=True, text=True,
                          timeout=30)


def test_an_armed_point_kills_on_its_nth_pass():
    out = _run("push.answered:2")
    assert out.returncode == -9 and out.stdout.split() == ["0", "1"]
    out = _run("apply.page")
    assert out.returncode == -9 and out.stdout.split() == ["0"]


def test_unarmed_or_other_points_do_nothing():
    assert _run(None).returncode == 0
    assert _run("print.sent").returncode == 0


@pytest.mark.parametrize("spec,message", [("nowhere", "unknown crash point"), ("push.answered:x", "whole number"),
                                          ("push.answered:0", "whole number"), ("apply.page:-1", "whole number")])
def test_bad_specs_say_what_is_wrong(spec, message):
    with pytest.raises(CrashPointError, match=message):
        parse(spec)


def test_every_point_parses():
    assert all(parse(f"{p}:7") == (p, 7) for p in POINTS)
