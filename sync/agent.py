"""The sync agent: one cycle (push, pull, push) and the long-running loop around it.

A cycle: ask central's health (reachability, clock offset, the change counter used to
estimate progress), push pending events (so the feeds that follow already reflect this
terminal's sales), pull every feed, then push what was sold meanwhile. When the push
finds that central lost acknowledged events (restored from a backup), every feed starts
again from "": central's change counter went back, so cursors can no longer be trusted. Each page and each
batch of answers commits on its own, so a cycle cut short by a crash, a timeout or a
stop keeps everything it finished and repeats nothing harmful.

The loop (:meth:`Agent.run`) runs a cycle at start, then every ``interval`` seconds, and
at once when a sync request row appears (polled twice a second, so "Sync now" starts
within a second). A failed cycle is retried with exponential backoff and jitter (1 s to
5 min); a request skips the wait. 401/403 stop the agent with ``stopped_reason`` 'bad
token' / 'forbidden' instead of hammering central: a technician registers a new token.
A heartbeat thread refreshes ``sync_status.heartbeat_at`` every two seconds, so the apps
can tell a live agent from a killed one.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retail.store import StoreError, connect

from retail.feeds.apply import start_resync

from . import identity, snapshot, state
from .backoff import Backoff
from .client import CentralClient
from .errors import AuthError, NotRegistered, ProtocolError, SyncError, TransportError
from .pull import FEED_ORDER, PullReport, pull_all
from .push import BATCH, PushReport, push_pending

log = logging.getLogger("sync.agent")

INTERVAL_S = 30.0
POLL_S = 0.5
# While the agent waits out its backoff after central was unreachable, it asks /health
# (no token, a few bytes) this often, so a network that heals is noticed within seconds
# rather than at the end of a backoff that may have grown to its 5-minute cap: a store
# that was cut off for hours converges within a minute of the line coming back.
PROBE_S = 10.0
# A gateway in front of central answers 502/504 when it cannot reach central: the line
# behind it is cut, exactly as if our connection were refused, so the probe applies too
# (unless the gateway asked for time with Retry-After, which the backoff honours).
GATEWAY_STATUSES = (502, 504)
HEARTBEAT_S = 2.0
EXIT_OK, EXIT_FAILED, EXIT_NOT_REGISTERED, EXIT_STOPPED = 0, 1, 2, 3


@dataclass
class CycleReport:
    ok: bool = True
    error: str | None = None
    pushed: list[PushReport] = field(default_factory=list)
    pulled: PullReport | None = None
    seconds: float = 0.0
    clock_offset_s: float | None = None

    @property
    def feed_errors(self) -> list[str]:
        return self.pulled.errors if self.pulled else []

    def summary(self) -> str:
        if self.error:
            return f"failed: {self.error}"
        sent = sum(p.sent for p in self.pushed)
        dead = sum(p.dead for p in self.pushed)
        rows = self.pulled.rows if self.pulled else 0
        text = f"ok: {rows} feed rows, {sent} events sent"
        if self.pulled and self.pulled.snapshot and self.pulled.snapshot.used:
            text += f"; {self.pulled.snapshot.summary()}"
        if dead:
            text += f", {dead} dead letters"
        if self.feed_errors:
            text = "feeds failed: " + "; ".join(self.feed_errors)
        return text


class Agent:
    """Syncs the local store at ``db_path`` with central; one per terminal."""

    def __init__(self, db_path: str | Path, *, interval: float = INTERVAL_S, page_limit: int | None = None,
                 push_batch: int = BATCH, timeout: tuple[float, float] | None = None,
                 progress: Callable[[str, int, int], None] | None = None,
                 clock: Callable[[], float] = time.time, use_snapshot: bool = True) -> None:
        self.db_path = Path(db_path)
        self.use_snapshot = use_snapshot
        if not use_snapshot:
            snapshot.drop_parts(self.db_path)   # of a download that will not go on
        self.interval = interval
        self.page_limit = page_limit
        self.push_batch = push_batch
        self.progress_cb = progress
        self.now = clock
        self.stop_event = threading.Event()
        self.conn = connect(self.db_path)
        self.identity = identity.load(self.conn, self.db_path)
        kwargs = {"timeout": timeout} if timeout else {}
        self.client = CentralClient(self.identity.central_url, self.identity.store_id, self.identity.terminal_id,
                                    self.identity.token, **kwargs)
        self._progress: dict[str, dict[str, int]] = {}
        self._last_progress_write = 0.0
        self._skew_reported = False

    def close(self) -> None:
        self.client.close()
        self.conn.close()

    # ---------------------------------------------------------------- status helpers

    def _contact(self) -> None:
        offset = self.client.clock.offset_s
        state.contact(self.conn, reachable=bool(self.client.reachable),
                      last_contact_at=self.client.last_contact_at, clock_offset_s=offset)
        skewed = self.client.clock.skewed()
        if skewed and not self._skew_reported:
            log.warning("this terminal's clock is %+.0f s off central's; receipts and orders carry it: set the time",
                        -offset)
        self._skew_reported = skewed

    def _on_feed_progress(self, feed: str, done: int, estimated: int) -> None:
        self._progress[feed] = {"done": done, "estimated": max(done, estimated)}
        now = time.monotonic()
        if now - self._last_progress_write >= 0.5 or done >= estimated:
            self._last_progress_write = now
            state.set_progress(self.conn, f"pulling {feed}", self._progress, now=self.now())
        if self.progress_cb is not None:
            self.progress_cb(feed, done, max(done, estimated))

    def _on_push_progress(self, done: int, total: int) -> None:
        self._progress["outbox"] = {"done": done, "estimated": total}
        state.set_progress(self.conn, "pushing", self._progress, now=self.now())
        if self.progress_cb is not None:
            self.progress_cb("outbox", done, total)

    def _snapshot(self) -> snapshot.Outcome:
        state.set_phase(self.conn, "loading the store's snapshot", now=self.now())
        outcome = snapshot.load(self.conn, self.client, self.db_path, now=self.now, progress=self._on_feed_progress)
        if outcome.used:
            log.info("%s", outcome.summary())
        return outcome

    # ---------------------------------------------------------------- one cycle

    def cycle(self, feeds=FEED_ORDER) -> CycleReport:
        """Push, pull, push. Transport and auth errors propagate after the status is written."""
        report = CycleReport()
        started = time.monotonic()
        self._progress = {}
        state.cycle_started(self.conn, now=self.now())
        stop = self.stop_event.is_set
        try:
            health = self.client.health()
            head = health.get("version") if type(health.get("version")) is int else None
            self._contact()
            state.set_phase(self.conn, "pushing", now=self.now())
            report.pushed.append(push_pending(self.conn, self.client, batch=self.push_batch, now=self.now,
                                              should_stop=stop, progress=self._on_push_progress))
            if report.pushed[-1].resent:
                # Central lost acknowledged events: it was restored from a backup, and its
                # change counter may hand out again numbers our cursors already passed.
                log.warning("central lost %d acknowledged events (restored?): fetching every feed again",
                            report.pushed[-1].resent)
                for feed in feeds:
                    start_resync(self.conn, feed, int(self.now()))
            report.pulled = pull_all(self.conn, self.client, terminal_id=self.identity.terminal_id, feeds=feeds,
                                     limit=self.page_limit, head=head, progress=self._on_feed_progress,
                                     should_stop=stop, now=self.now, snapshot=self._snapshot if self.use_snapshot
                                     else None, snapshot_feeds=snapshot.FEEDS)
            state.set_phase(self.conn, "pushing", now=self.now())
            report.pushed.append(push_pending(self.conn, self.client, batch=self.push_batch, now=self.now,
                                              should_stop=stop, progress=self._on_push_progress))
        except (TransportError, ProtocolError, AuthError) as exc:
            report.ok, report.error = False, str(exc)
            raise
        finally:
            report.seconds = time.monotonic() - started
            report.clock_offset_s = self.client.clock.offset_s
            self._contact()
        report.ok = not report.feed_errors
        return report

    # ---------------------------------------------------------------- the loop

    def _heartbeat(self) -> None:
        try:
            conn = connect(self.db_path, migrate_schema=False)
        except sqlite3.Error as exc:
            log.warning("heartbeat cannot open the store: %s", exc)
            return
        try:
            while not self.stop_event.wait(HEARTBEAT_S):
                try:
                    state.heartbeat(conn, now=self.now())
                except sqlite3.OperationalError as exc:  # busy behind a long write: next beat
                    log.debug("heartbeat skipped: %s", exc)
        finally:
            conn.close()

    def run(self) -> int:
        """Run until :meth:`stop` (SIGTERM/SIGINT) or a 401/403; returns the exit status."""
        state.agent_started(self.conn, os.getpid(), now=self.now())
        beat = threading.Thread(target=self._heartbeat, name="sync-heartbeat", daemon=True)
        beat.start()
        backoff = Backoff()
        self._next_at = 0.0
        self._unreachable = False
        self._probe_at = 0.0
        code = EXIT_OK
        try:
            while not self.stop_event.is_set():
                try:
                    if state.has_open_request(self.conn) or self.now() >= self._next_at:
                        if self._run_cycle(backoff) == EXIT_STOPPED:
                            code = EXIT_STOPPED
                            break
                        continue
                    self._probe_if_cut_off()
                except (sqlite3.OperationalError, StoreError) as exc:
                    # The store is locked for longer than the busy timeout, or its disk is
                    # full: the app keeps selling what it can; try again in a moment rather
                    # than die (nothing of the failed transaction was kept).
                    log.warning("local store unavailable (%s); retrying", exc)
                self.stop_event.wait(POLL_S)
        finally:
            self.stop_event.set()
            beat.join(timeout=5)
            if code != EXIT_STOPPED:
                try:
                    state.agent_exited(self.conn, now=self.now())
                except (sqlite3.OperationalError, StoreError) as exc:
                    log.warning("could not mark the agent stopped: %s", exc)
        return code

    def _probe_if_cut_off(self) -> None:
        """After an unreachable central, ask /health every :data:`PROBE_S`; if it answers, sync now."""
        if not self._unreachable or self.now() < self._probe_at:
            return
        self._probe_at = self.now() + PROBE_S
        try:
            self.client.health()
        except SyncError:
            return
        log.info("central answers again; syncing now instead of in %.0f s", self._next_at - self.now())
        self._unreachable = False
        self._next_at = self.now()

    def _run_cycle(self, backoff: Backoff) -> int:
        """One cycle with its requests and status; returns EXIT_STOPPED on 401/403."""
        ids = state.take_requests(self.conn, now=self.now())
        try:
            report = self.cycle()
        except AuthError as exc:
            state.finish_requests(self.conn, ids, f"stopped: {exc.reason}", now=self.now())
            state.stopped(self.conn, exc.reason, str(exc), now=self.now())
            log.error("stopped: %s", exc)
            return EXIT_STOPPED
        except Exception as exc:  # noqa: BLE001 - the agent outlives any one failed cycle
            if not isinstance(exc, (SyncError, sqlite3.OperationalError, StoreError)):
                log.exception("unexpected failure in a sync cycle")
            retry_after = exc.retry_after if isinstance(exc, TransportError) else None
            delay = backoff.next_delay(retry_after)
            self._next_at = self.now() + delay
            # Only when central could not be reached at all (no answer, or a gateway saying
            # it could not reach central): a central that answered with an error (500,
            # 503, Retry-After) is up and gets the whole backoff.
            self._unreachable = isinstance(exc, TransportError) and (
                exc.status is None or (exc.status in GATEWAY_STATUSES and exc.retry_after is None))
            self._probe_at = self.now() + PROBE_S
            message = str(exc) or type(exc).__name__
            state.cycle_done(self.conn, ok=False, error=message, next_run_at=self._next_at, now=self.now())
            state.finish_requests(self.conn, ids, f"failed: {message}", now=self.now())
            log.warning("sync failed (%s); next try in %.0f s", message, delay)
            return EXIT_FAILED
        backoff.reset()
        self._unreachable = False
        self._next_at = self.now() + self.interval
        state.cycle_done(self.conn, ok=report.ok, error="; ".join(report.feed_errors) or None,
                         next_run_at=self._next_at, now=self.now())
        state.finish_requests(self.conn, ids, report.summary(), now=self.now())
        log.info("sync %s in %.1f s", report.summary(), report.seconds)
        return EXIT_OK if report.ok else EXIT_FAILED

    def stop(self) -> None:
        self.stop_event.set()


def open_agent(db_path: str | Path, **kwargs) -> Agent:
    """An agent for ``db_path``; raises :class:`NotRegistered` with the command to run."""
    if not Path(db_path).exists():
        raise NotRegistered(f"no local store at {db_path}: run `python -m sync register --db {db_path} ...` first")
    return Agent(db_path, **kwargs)
