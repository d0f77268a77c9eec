import uuid

import pytest
from hypothesis import given, strategies as st

from retail.ids import human_number, id_time_ms, new_id, parse_human_number


def test_ids_are_uuid7_unique_and_time_ordered():
    ids = [new_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    u = uuid.UUID(ids[0])
    assert u.version == 7 and u.variant == uuid.RFC_4122
    assert abs(id_time_ms(ids[-1]) - id_time_ms(ids[0])) < 10_000


@given(st.from_regex(r"[A-Z0-9]{1,6}", fullmatch=True), st.from_regex(r"[A-Z0-9]{1,4}", fullmatch=True),
       st.integers(1, 10**9))
def test_human_numbers_round_trip(store, terminal, seq):
    assert parse_human_number(human_number(store, terminal, seq)) == (store, terminal, seq)


@pytest.mark.parametrize("bad", ["", "MSK1", "MSK1-P1", "MSK1-P1-12", "MSK1-P1-00001x", "a b-c-000001"])
def test_bad_human_numbers_say_what_is_expected(bad):
    with pytest.raises(ValueError, match="STORE-TERMINAL-000123"):
        parse_human_number(bad)


def test_sequence_starts_at_one():
    with pytest.raises(ValueError):
        human_number("MSK1", "P1", 0)
