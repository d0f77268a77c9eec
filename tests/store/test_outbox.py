import pytest

from retail import outbox
from retail.store import connect, transaction


@pytest.fixture
def conn(tmp_path):
    return connect(tmp_path / "t.db")


def test_events_get_gapless_sequence_and_stable_hash(conn):
    with transaction(conn):
        a = outbox.emit(conn, "sale", {"b": 1, "a": "ё"}, now=10)
        b = outbox.emit(conn, "sale", {"a": "ё", "b": 1}, now=11)
    assert (a.seq, b.seq) == (1, 2)
    assert a.payload_hash == b.payload_hash
    assert [e.seq for e in outbox.pending(conn)] == [1, 2]


def test_rolled_back_event_burns_no_sequence(conn):
    with pytest.raises(RuntimeError):
        with transaction(conn):
            outbox.emit(conn, "sale", {"n": 1})
            raise RuntimeError("sale failed")
    with transaction(conn):
        assert outbox.emit(conn, "sale", {"n": 2}).seq == 1


def test_emit_outside_a_transaction_is_refused(conn):
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        outbox.emit(conn, "sale", {})


def test_ack_reject_dead_and_contiguity(conn):
    with transaction(conn):
        for n in range(4):
            outbox.emit(conn, "sale", {"n": n})
    with transaction(conn):
        outbox.acknowledge(conn, 1, {"ok": True})
        outbox.acknowledge(conn, 3, {"ok": True})
    assert outbox.highest_acked_contiguous(conn) == 1
    for _ in range(2):
        with transaction(conn):
            status = outbox.reject(conn, 2, "unknown sku", max_attempts=2)
    assert status == "dead"
    assert outbox.counts(conn) == {"pending": 1, "acked": 2, "dead": 1}
    assert outbox.highest_acked_contiguous(conn) == 3
    with transaction(conn):
        outbox.retry_dead(conn, 2)
    assert [e.seq for e in outbox.pending(conn)] == [2, 4]
