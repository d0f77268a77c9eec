"""Pulling the feeds: page after page from the stored cursor until central says no more.

Feeds are pulled in :data:`FEED_ORDER` - settings and staff first (a new terminal can
sign people in and sign codes as soon as possible), then stores and the catalogue before
the prices, stock and orders that point at them.

While page N is being applied, page N+1 is already being fetched (its cursor is in page
N's envelope): the network and central's work overlap with the SQLite writes. Only the
bytes are fetched in the background; the JSON is decoded by the writing thread, because
CPU work in a second thread would make every SQLite step of the writer wait for the GIL. Page N+1 is thrown away if
page N is rejected, so a cursor still never moves past rows that were not applied.

410 Gone restarts that feed from "" (:func:`retail.feeds.apply.start_resync`); a page rejected
as mostly garbage, or a feed central refuses (404, 422), stops that feed for this cycle
(its last_error says why) and the other feeds go on.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from retail.feeds.apply import PageRejected, apply_page, record_error, retry_quarantined, start_resync
from .client import CentralClient
from .errors import CursorGone, ProtocolError
from retail.feeds.rows import FEEDS

if TYPE_CHECKING:
    from .snapshot import Outcome

FEED_ORDER = FEEDS
PAGE_LIMIT = 2_000
# Rows per page, by feed. A page is one write transaction, and a sale at the till waits
# for the one in progress, so each stays at a few tens of milliseconds: a catalogue row
# costs ~10x a price row (barcodes, search terms), so its pages are smaller still.
# Central's next page is fetched while this one is written, so small pages cost little.
PAGE_LIMITS = {"catalogue": 400}
# A feed's first load on a fresh terminal (never applied, nothing else on the till writes
# yet) takes central's largest pages: a page is still one transaction, but 20 000 rows
# commit and merge the search index 10-50 times less often (100 000 SKUs: 31.5 s -> 24 s).
FIRST_LOAD_LIMIT = 20_000

Progress = Callable[[str, int, int], None]   # (feed, rows done, rows estimated)


@dataclass
class FeedRun:
    feed: str
    pages: int = 0
    rows: int = 0
    applied: int = 0
    deleted: int = 0
    quarantined: int = 0
    restarted: bool = False
    error: str | None = None
    seconds: float = 0.0
    wait_s: float = 0.0     # waiting for central's pages (what prefetching did not hide)
    apply_s: float = 0.0    # checking and writing pages locally


@dataclass
class PullReport:
    feeds: list[FeedRun] = field(default_factory=list)
    snapshot: Outcome | None = None

    @property
    def errors(self) -> list[str]:
        return [f"{f.feed}: {f.error}" for f in self.feeds if f.error]

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.feeds)


def cursor_of(conn: sqlite3.Connection, feed: str) -> str:
    row = conn.execute("SELECT cursor FROM feed_state WHERE feed = ?", (feed,)).fetchone()
    return row[0] if row else ""


def first_load(conn: sqlite3.Connection, feed: str) -> bool:
    """``feed`` has never had a page applied here: a terminal on its first sync.

    A resync of a store that has data (the manager's, a 410 restart) is not one: a till
    may be selling, and a sale must not wait behind a 20 000-row page.
    """
    row = conn.execute("SELECT cursor, last_success_at FROM feed_state WHERE feed = ?", (feed,)).fetchone()
    return row is None or (row[0] == "" and row[1] is None)


def _as_int(cursor: str) -> int | None:
    return int(cursor) if cursor.isascii() and cursor.isdigit() and len(cursor) < 19 else None


def estimate(done: int, start: str, reached: str, head: int | None, more: bool) -> int:
    """Rows this pass will bring, guessed from how densely the versions so far held rows.

    Cursors are opaque to the protocol; today they are version numbers, and then the
    rows per version seen so far, times the versions still ahead (``head`` from the health
    call), is a fair guess. Without that: twice what is done (the bar shows half way).
    """
    if not more:
        return done
    a, b = _as_int(start or "0"), _as_int(reached)
    if a is None or b is None or head is None or b <= a or head <= b:
        return max(done + 1, 2 * done)
    return max(done + 1, done + int((head - b) * done / (b - a)))


def pull_feed(conn: sqlite3.Connection, client: CentralClient, feed: str, *, terminal_id: str,
              limit: int = PAGE_LIMIT, head: int | None = None, progress: Progress | None = None,
              should_stop: Callable[[], bool] = lambda: False, now: Callable[[], float] = time.time,
              executor: ThreadPoolExecutor | None = None) -> FeedRun:
    """Bring ``feed`` up to date; transport and auth errors propagate (nothing half-done)."""
    run = FeedRun(feed)
    started = time.monotonic()
    cursor = cursor_of(conn, feed)
    start = cursor
    own_pool = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed-fetch")
    pending: Future | None = None
    try:
        while True:
            waited = time.monotonic()
            try:
                if pending is not None:
                    page = client.decode_page(feed, pending.result())
                    pending = None
                else:
                    page = client.feed_page(feed, cursor, limit)
            except (CursorGone, ProtocolError) as exc:
                # 410, or a cursor central now calls malformed (its database was replaced):
                # the feed starts again from "". Anything else central refuses stops this
                # feed for this cycle, with the reason on its status; the others go on.
                refused_cursor = isinstance(exc, CursorGone) or exc.status in (400, 422)
                if refused_cursor and cursor != "" and not run.restarted:
                    start_resync(conn, feed, int(now()))
                    run.restarted, cursor, start = True, "", ""
                    continue
                run.error = f"central refused the feed: {exc}"
                record_error(conn, feed, run.error, int(now()))
                break
            applying = time.monotonic()
            run.wait_s += applying - waited
            nxt, more = page.get("next_cursor"), page.get("more")
            if more is True and isinstance(nxt, str) and not should_stop():
                pending = pool.submit(client.feed_page_raw, feed, nxt, limit)
            try:
                result = apply_page(conn, feed, page, terminal_id=terminal_id, now=int(now()), sent_cursor=cursor)
            except PageRejected as exc:
                run.error = str(exc)
                break
            finally:
                run.apply_s += time.monotonic() - applying
            run.pages += 1
            run.rows += result.rows
            run.applied += result.applied
            run.deleted += result.deleted
            run.quarantined += result.quarantined
            cursor = result.next_cursor
            if progress is not None:
                progress(feed, run.rows, estimate(run.rows, start, cursor, head, result.more))
            if not result.more or should_stop():
                break
    finally:
        if pending is not None:
            pending.cancel()
            try:
                pending.result()
            except Exception:  # noqa: BLE001 - an abandoned prefetch's failure is of no interest
                pass
        if own_pool:
            pool.shutdown(wait=True)
    run.seconds = time.monotonic() - started
    return run


def pull_all(conn: sqlite3.Connection, client: CentralClient, *, terminal_id: str, feeds=FEED_ORDER,
             limit: int | None = None, head: int | None = None, progress: Progress | None = None,
             should_stop: Callable[[], bool] = lambda: False, now: Callable[[], float] = time.time,
             snapshot: Callable[[], Outcome] | None = None, snapshot_feeds: tuple[str, ...] = ()) -> PullReport:
    """Every feed in order, then the held rows whose references have arrived.

    ``limit``: rows per page for every feed; None takes :data:`PAGE_LIMITS` (else
    :data:`PAGE_LIMIT`). ``snapshot`` (sync.snapshot.load) is called once, before the
    first of ``snapshot_feeds``: on a first load it fills those feeds in one download,
    and their pages are then pulled on from its cursors.
    """
    report = PullReport()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed-fetch") as pool:
        for feed in feeds:
            if should_stop():
                break
            if snapshot is not None and feed in snapshot_feeds and report.snapshot is None:
                report.snapshot = snapshot()
            if limit is not None:
                n = limit
            else:
                n = FIRST_LOAD_LIMIT if first_load(conn, feed) else PAGE_LIMITS.get(feed, PAGE_LIMIT)
            report.feeds.append(pull_feed(conn, client, feed, terminal_id=terminal_id, limit=n, head=head,
                                          progress=progress, should_stop=should_stop, now=now, executor=pool))
    for feed in feeds:
        retry_quarantined(conn, feed, terminal_id=terminal_id, now=int(now()))
    return report
