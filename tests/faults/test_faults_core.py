"""The fault-suite runner: findings fail, crashes are findings, seeds replay."""
from __future__ import annotations

import json

import pytest

from bench.faults.__main__ import main
from bench.faults.core import Context, FaultsError, Suite


def _draws(ctx, report):
    for _ in range(ctx.cases(3, 30)):
        report.tried("draw")
        report.note(str(ctx.rng.random()))


def test_a_seed_replays_the_same_cases(tmp_path):
    s = Suite("draws", "three draws", _draws)
    assert s("quick", 7, tmp_path / "a").notes == s("quick", 7, tmp_path / "b").notes
    assert s("quick", 7, tmp_path / "c").notes != s("quick", 8, tmp_path / "d").notes
    assert s("long", 7, tmp_path / "e").cases == 30


def test_a_crashing_suite_is_a_finding(tmp_path):
    def boom(ctx, report):
        report.tried("x")
        raise ValueError("bad")

    report = Suite("boom", "crashes", boom)("quick", 1, tmp_path)
    assert not report.ok and "ValueError: bad" in report.findings[0]


def test_unknown_mode_and_suite_are_refused(tmp_path, capsys):
    with pytest.raises(FaultsError, match="mode"):
        Context("forever", 1, tmp_path)
    assert main(["--only", "no-such-suite"]) == 2
    assert "unknown suite no-such-suite" in capsys.readouterr().err


def test_report_json_and_text(tmp_path):
    report = Suite("draws", "three draws", _draws)("quick", 3, tmp_path)
    data = json.loads(json.dumps(report.as_json()))
    assert data["suite"] == "draws" and data["cases"] == 3 and data["attempts"] == {"draw": 3}
    assert data["findings"] == [] and "3 cases" in report.text() and "nothing found" in report.text()


def test_list_names_every_suite(capsys):
    assert main(["--list"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()}
    from bench.faults.registry import suites
    assert listed == {s.name for s in suites()}
