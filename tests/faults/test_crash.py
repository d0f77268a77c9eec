"""The crash suite's quick mode: SIGKILL the agent and the till at every chosen point and at random."""
import pytest

from faults_support import run_quick

pytestmark = pytest.mark.faults


def test_crash_quick(tmp_path):
    report = run_quick("crash", tmp_path)
    kinds = {k.split(":")[0] for k in report.attempts}
    assert kinds == {"agent", "till", "both"} and len(report.attempts) == 11   # every chosen point and random
