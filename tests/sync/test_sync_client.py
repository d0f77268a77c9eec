"""The HTTP client's sorting of answers, backoff and clock offset (no central needed)."""
from __future__ import annotations

import email.utils
import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.faults.proxy import Proxy
from sync.backoff import Backoff
from sync.client import CentralClient
from sync.clock import ClockTracker, parse_http_date, sample
from sync.errors import AuthError, CursorGone, ProtocolError, ServerError, TooLarge, TransportError


@pytest.fixture
def fake():
    """A proxy whose upstream does not exist: every answer comes from its rule."""
    p = Proxy("http://127.0.0.1:9")
    yield p
    p.close()


def client(url: str, **kw) -> CentralClient:
    return CentralClient(url, "MSK1", "P1", "secret-token-123", **kw)


OK_PAGE = json.dumps({"feed": "prices", "rows": [], "next_cursor": "1", "more": False, "server_time": 1})


@pytest.mark.parametrize("status,error", [
    (401, AuthError), (403, AuthError), (410, CursorGone), (413, TooLarge), (500, ServerError),
    (502, TransportError), (503, TransportError), (504, TransportError), (429, TransportError),
    (404, ProtocolError), (422, ProtocolError),
])
def test_answers_are_sorted_by_what_the_agent_must_do(fake, status, error):
    fake.rule = lambda m, p, b: (status, json.dumps({"detail": "because"}))
    with pytest.raises(error) as caught:
        client(fake.url).feed_page("prices", "", 10)
    if error is ServerError:
        assert isinstance(caught.value, TransportError)     # a 500 is still retried later
    if status in (401, 403):
        assert caught.value.reason == ("bad token" if status == 401 else "forbidden")
    assert "secret-token-123" not in str(caught.value)


def test_retry_after_is_passed_on(fake):
    fake.rule = lambda m, p, b: (503, "{}", {"Retry-After": "42"})
    with pytest.raises(TransportError) as caught:
        client(fake.url).feed_page("prices", "", 10)
    assert caught.value.retry_after == 42


def test_truncated_json_is_a_transport_failure(fake):
    fake.rule = lambda m, p, b: (200, OK_PAGE[:20])
    with pytest.raises(TransportError, match="not complete JSON"):
        client(fake.url).feed_page("prices", "", 10)


def test_a_closed_connection_and_a_slow_central_are_transport_failures(fake):
    fake.rule = lambda m, p, b: "refuse"
    with pytest.raises(TransportError):
        client(fake.url).feed_page("prices", "", 10)
    fake.rule = lambda m, p, b: ("delay", 2)
    with pytest.raises(TransportError, match="did not answer in time"):
        client(fake.url, timeout=(1, 0.5)).health()


def test_nobody_listening_is_a_transport_failure():
    with pytest.raises(TransportError, match="cannot reach central"):
        client("http://127.0.0.1:9").health()


def test_every_call_carries_the_token_and_gzips_big_batches(fake):
    seen = {}

    def rule(method, path, body):
        seen["body"] = body
        return 200, json.dumps({"results": [], "acked_through": 0, "server_time": 1})

    fake.rule = rule
    c = client(fake.url)
    assert c.session.headers["Authorization"] == "Bearer secret-token-123"
    events = [json.dumps({"seq": i, "id": str(i), "kind": "sale", "payload": {"x": "y" * 100}, "payload_hash": "h",
                          "created_at": 1}) for i in range(1, 300)]
    c.post_events(events)
    assert len(json.loads(seen["body"])["events"]) == 299      # the proxy inflated what was gzipped
    assert fake.headers[-1]["content-encoding"] == "gzip"
    assert fake.headers[-1]["authorization"] == "Bearer secret-token-123"
    assert "gzip" in fake.headers[-1]["accept-encoding"] and c.reachable is True
    c.post_events(events[:1])                                    # a small batch goes as it is
    assert "content-encoding" not in fake.headers[-1]


def test_the_token_is_never_in_the_repr_of_the_identity():
    from sync.identity import Identity

    assert "secret-value" not in repr(Identity("MSK1", "P1", "pos", "http://x", "tok-secret-value"))


# ---------------------------------------------------------------- backoff


@given(st.integers(0, 60), st.floats(0, 1000) | st.none())
def test_backoff_stays_between_one_second_and_five_minutes(failures, retry_after):
    b = Backoff(rng=random.Random(failures))
    for _ in range(failures):
        b.next_delay()
    delay = b.next_delay(retry_after)
    assert 1.0 <= delay <= 300.0


def test_backoff_grows_then_resets():
    b = Backoff(rng=random.Random(1))
    delays = [b.next_delay() for _ in range(12)]
    assert delays[0] < 2 and delays[-1] >= 150 and max(delays) <= 300
    b.reset()
    assert b.next_delay() < 2


def test_backoff_refuses_nonsense():
    with pytest.raises(ValueError):
        Backoff(base=0)


# ---------------------------------------------------------------- clock


def test_offset_is_corrected_for_the_round_trip():
    s = sample(sent_at=1000.0, received_at=1002.0, server_time=1300, date_header=None)
    assert s.offset_s == pytest.approx(299.5) and s.round_trip_s == 2.0


def test_the_date_header_is_used_when_server_time_is_missing():
    header = email.utils.formatdate(2000, usegmt=True)
    assert parse_http_date(header) == 2000
    assert sample(1000.0, 1000.0, None, header).offset_s == pytest.approx(1000.5)
    assert sample(1000.0, 1000.0, None, "garbage") is None
    assert sample(1000.0, 1000.0, True, None) is None


def test_the_shortest_round_trip_wins():
    t = ClockTracker()
    t.add(sample(0, 4, 500, None))      # +498.5 ± 2
    t.add(sample(10, 10.1, 510, None))  # +500.45 ± 0.05
    assert t.offset_s == pytest.approx(500.45) and t.skewed()
