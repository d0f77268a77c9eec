"""The devices suite's quick mode: every card behaviour and printer fault at least once."""
from __future__ import annotations

import pytest
from faults_support import run_quick

from bench.faults.suites.devices import CARD, PRINTER

pytestmark = pytest.mark.faults


def test_devices_quick(tmp_path):
    report = run_quick("devices", tmp_path)
    kinds = set(report.attempts)
    assert {k.split("+")[0] for k in kinds} == set(CARD)
    assert {k.split("+")[1] for k in kinds} == set(PRINTER)
    outcomes = report.notes[-1]
    assert "Unknown" in outcomes and " 0 unknown outcomes settled" not in outcomes, outcomes
    assert " 0 reprints" not in report.notes[-2], report.notes[-2]
