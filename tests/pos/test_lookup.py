"""sync.lookup: a till asks central for a web order by number, and fails fast without central."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "sync"))

from central_fixture import central, central_template, terminals  # noqa: E402,F401  (fixtures)

from sync import lookup  # noqa: E402
from sync.errors import NotRegistered, TransportError  # noqa: E402


def _web_order_number(central) -> str:
    with central.db() as conn:
        row = conn.execute("SELECT number FROM orders WHERE channel = 'web' ORDER BY number LIMIT 1").fetchone()
    return row[0]


def test_a_web_order_by_number_and_a_clear_miss(central, terminals):
    till = terminals(central.stores[0], "P1")
    number = _web_order_number(central)
    found = lookup.order(till.db_path, number.lower())
    assert found["number"] == number and found["lines"]
    with pytest.raises(lookup.OrderNotFound):
        lookup.order(till.db_path, "MSK1-WEB-999999")
    with pytest.raises(lookup.OrderNotFound):
        lookup.order(till.db_path, "  ")


def test_without_central_it_fails_within_seconds(central, terminals):
    till = terminals(central.stores[0], "P1")
    central.stop()
    started = time.monotonic()
    with pytest.raises(TransportError, match="cannot be reached"):
        lookup.order(till.db_path, "MSK1-WEB-000001")
    assert time.monotonic() - started < 5


def test_an_unregistered_till_is_told_to_register(tmp_path):
    from retail.store import connect

    connect(tmp_path / "x.db").close()
    with pytest.raises(NotRegistered):
        lookup.order(tmp_path / "x.db", "MSK1-WEB-000001")
