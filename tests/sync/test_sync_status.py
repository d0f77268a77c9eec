"""Status reader, progress estimates and the TTY progress bar (no central needed)."""
from __future__ import annotations

import io
import os
import time

from pages import local_store
from retail import outbox
from retail.store import transaction
from sync import state
from sync.progress import ProgressBar, for_stream
from sync.pull import estimate
from sync.status import read_status


def test_a_fresh_store_reports_every_feed_and_nothing_running(tmp_path):
    conn = local_store(tmp_path / "till.db")
    s = read_status(conn)
    assert list(s.feeds)[:3] == ["settings", "staff", "stores"] and len(s.feeds) == 9
    assert all(f.cursor == "" and f.rows == 0 and f.last_success_at is None for f in s.feeds.values())
    assert (s.running, s.online, s.offline_since, s.quarantined) == (False, False, None, 0)
    assert s.outbox.pending == 0 and s.phase == "not running"
    doc = s.as_json()
    assert doc["feeds"]["prices"] == {"feed": "prices", "cursor": "", "rows": 0, "last_success_at": None,
                                      "last_error": None, "last_error_at": None, "version": 0, "included_seq": 0}


def test_running_needs_a_live_pid_and_a_fresh_heartbeat(tmp_path):
    conn = local_store(tmp_path / "till.db")
    now = time.time()
    state.agent_started(conn, os.getpid(), now=now)
    state.contact(conn, reachable=True, last_contact_at=now, clock_offset_s=0.4)
    state.set_progress(conn, "pulling catalogue", {"catalogue": {"done": 50, "estimated": 200}}, now=now)
    s = read_status(conn, now=now + 1)
    assert s.running and s.online and s.offline_since is None
    assert s.progress["catalogue"].fraction == 0.25 and s.phase == "pulling catalogue"
    stale = read_status(conn, now=now + 60)
    assert not stale.running and stale.offline_since == int(now) and stale.progress == {}
    state.contact(conn, reachable=False, last_contact_at=None, clock_offset_s=None)
    s = read_status(conn, now=now + 2)
    assert s.running and not s.online and s.offline_since == int(now) and s.clock_offset_s == 0.4


def test_requests_are_taken_once_and_answered(tmp_path):
    conn = local_store(tmp_path / "till.db")
    first = state.request_sync(conn, "manager-1")
    state.request_sync(conn, "manager-1")
    assert state.has_open_request(conn) and read_status(conn).requests_open == 2
    taken = state.take_requests(conn)
    assert taken == [first, first + 1] and not state.has_open_request(conn)
    assert state.take_requests(conn) == []
    state.finish_requests(conn, taken, "ok: 3 feed rows")
    assert state.request_result(conn, first)["result"] == "ok: 3 feed rows"
    assert read_status(conn).requests_open == 0


def test_dead_letters_and_stops_are_warned_about(tmp_path):
    conn = local_store(tmp_path / "till.db")
    with transaction(conn):
        ev = outbox.emit(conn, "cash", {"x": 1})
        outbox.reject(conn, ev.seq, "no", max_attempts=1)
    state.stopped(conn, "bad token", "central refused this terminal (HTTP 401): unknown token")
    s = read_status(conn)
    assert s.outbox.dead == 1 and s.stopped_reason == "bad token" and len(s.warnings) == 2


def test_events_held_back_by_a_dead_letter_central_failed_on_are_counted(tmp_path):
    conn = local_store(tmp_path / "till.db")
    with transaction(conn):
        refused, failed, *later = [outbox.emit(conn, "cash", {"n": i}) for i in range(5)]
        outbox.reject(conn, refused.seq, "cash movement c-1 was already recorded", max_attempts=1)
    assert not any("wait at central" in w for w in read_status(conn).warnings)  # central recorded it: nothing waits
    with transaction(conn):
        outbox.reject(conn, failed.seq, f"{outbox.POISON} central failed (HTTP 500): boom", max_attempts=1)
    warnings = read_status(conn).warnings
    assert f"3 events wait at central behind dead letter {failed.seq}" in "\n".join(warnings)


def test_estimates_follow_the_density_of_versions():
    assert estimate(100, "", "100", 1000, True) == 1000            # 1 row per version so far
    assert estimate(100, "", "100", None, True) == 200             # no head: twice what is done
    assert estimate(100, "", "100", 1000, False) == 100            # done is done
    assert estimate(5, "x", "y", 10, True) == 10


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_draws_only_on_a_terminal():
    assert for_stream(io.StringIO()) is None
    out = Tty()
    bar = for_stream(out)
    bar("catalogue", 50, 100)
    bar("catalogue", 100, 100)
    bar("prices", 10, 10)
    bar.close()
    text = out.getvalue()
    assert "catalogue" in text and "50%" in text and "100%" in text and text.endswith("\n")
    assert isinstance(bar, ProgressBar)
