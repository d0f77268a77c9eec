"""Pushing the outbox: pending events to central in ``seq`` order, in batches.

Each answer is recorded per event in one short transaction: ``accepted`` and
``duplicate`` acknowledge the event with central's result (a duplicate carries the
first result, which is how a lost acknowledgement heals: central committed, the answer
never arrived, the retry is told ``duplicate``); ``rejected`` counts an attempt through
:func:`retail.outbox.reject`, which makes the event a dead letter after N attempts -
one attempt per push run, so a terminal offline for a day does not burn them all in a
second; ``deferred`` (central waits for an earlier sequence number first) ends the run.

A transport failure (timeout, reset, 502/503/504) changes nothing locally: the whole
batch is sent again later, and central's de-duplication makes that safe. A batch that
central answers with another 5xx may hold an event central cannot digest: the batch is
split in halves, first half first (central applies a terminal's events strictly in
order), down to the one event that fails; that event is charged an attempt - but only
when central's health check passes, so a central that fails everything does not turn
the whole outbox into dead letters. A 413 (batch too large) splits the same way.

``acked_through`` lower than what this terminal already has acknowledged means central
lost events (restored from a backup): the acknowledged events after it are made pending
again and sent once more - central answers ``duplicate`` for what it still has and
applies what it lost. When nothing is pending, an empty batch asks central for its
``acked_through`` so this is noticed without waiting for the next sale.
"""
from __future__ import annotations

import json
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from retail import crashpoints, outbox
from retail.store import transaction

from .client import CentralClient
from .errors import ServerError, SyncError, TooLarge

BATCH = 200


@dataclass
class PushReport:
    sent: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    dead: int = 0
    deferred: int = 0
    batches: int = 0
    poison: list[int] = field(default_factory=list)  # seqs central failed on alone
    acked_through: int | None = None
    resent: int = 0                                    # acknowledged events central had lost


@dataclass(frozen=True)
class Outgoing:
    """A pending event as it goes on the wire."""

    seq: int
    id: str
    text: str  # the event's JSON object, its payload the canonical text it was stored and hashed as


def pending_after(conn: sqlite3.Connection, after: int, limit: int) -> list[Outgoing]:
    """Pending events with ``seq > after``, oldest first (``outbox.pending`` has no ``after``)."""
    rows = conn.execute(
        "SELECT seq, id, kind, payload, payload_hash, created_at FROM outbox "
        "WHERE status = 'pending' AND seq > ? ORDER BY seq LIMIT ?", (after, limit)).fetchall()
    return [Outgoing(r[0], r[1], wire(*r)) for r in rows]


def wire(seq: int, event_id: str, kind: str, payload_text: str, digest: str, created_at: int) -> str:
    """One event of a batch: the stored payload text goes as it is (decoding and encoding it
    again was an eighth of the agent's push), everything else encoded here."""
    return (f'{{"seq":{int(seq)},"id":{json.dumps(event_id)},"kind":{json.dumps(kind)},"payload":{payload_text},'
            f'"payload_hash":{json.dumps(digest)},"created_at":{int(created_at)}}}')


def _record(conn: sqlite3.Connection, events: list[Outgoing], answer: dict, report: PushReport,
            max_attempts: int, now: int) -> bool:
    """Store central's per-event answers; True when central deferred some (stop this run)."""
    sent = {e.seq: e for e in events}
    deferred = False
    done: list[tuple[int, dict]] = []
    with transaction(conn):
        for r in answer.get("results", []):
            if not isinstance(r, dict):
                continue
            seq, status = r.get("seq"), r.get("status")
            event = sent.get(seq) if type(seq) is int else None
            if event is None or r.get("id", event.id) != event.id:
                continue
            if status in ("accepted", "duplicate"):
                result = r.get("result")
                done.append((seq, result if isinstance(result, dict) else {}))
                if status == "accepted":
                    report.accepted += 1
                else:
                    report.duplicate += 1
            elif status == "rejected":
                reason = r.get("reason") if isinstance(r.get("reason"), str) else "rejected by central"
                report.rejected += 1
                if outbox.reject(conn, seq, reason, max_attempts=max_attempts) == "dead":
                    report.dead += 1
            elif status == "deferred":
                report.deferred += 1
                deferred = True
        outbox.acknowledge_many(conn, done, now=now)
        crashpoints.reach("push.recording")
    if type(answer.get("acked_through")) is int:
        report.acked_through = answer["acked_through"]
    return deferred


def requeue_lost(conn: sqlite3.Connection, acked_through: int) -> int:
    """Central's ``acked_through`` is behind our acknowledgements: send those events again."""
    with transaction(conn):
        return conn.execute("UPDATE outbox SET status = 'pending' WHERE status = 'acked' AND seq > ?",
                            (acked_through,)).rowcount


def _blame(conn: sqlite3.Connection, client: CentralClient, event: Outgoing, exc: Exception,
           report: PushReport, max_attempts: int) -> None:
    """Charge one attempt to an event central fails on alone, if central is otherwise well."""
    client.health()  # raises TransportError when central is generally unwell: blame nobody
    report.poison.append(event.seq)
    with transaction(conn):
        status = outbox.reject(conn, event.seq, f"{outbox.POISON} {exc}",
                               max_attempts=max_attempts)
    if status == "dead":
        report.dead += 1


def _post(client: CentralClient, encoded: tuple[bytes, dict]) -> dict:
    crashpoints.reach("push.sending")
    return client.post_encoded(encoded)


def _split(conn, client: CentralClient, events: list[Outgoing], exc: Exception, report: PushReport,
           max_attempts: int, now: Callable[[], float]) -> bool:
    """Central failed on ``events`` as a whole: send them in halves down to the one it fails on."""
    if len(events) == 1:
        _blame(conn, client, events[0], exc, report, max_attempts)
        return False
    half = len(events) // 2
    if _send(conn, client, events[:half], report, max_attempts, now):
        return True
    return _send(conn, client, events[half:], report, max_attempts, now)


def _answered(conn, events: list[Outgoing], answer: dict, report: PushReport, max_attempts: int,
              now: Callable[[], float]) -> bool:
    crashpoints.reach("push.answered")
    report.batches += 1
    report.sent += len(events)
    return _record(conn, events, answer, report, max_attempts, int(now()))


def _send(conn, client: CentralClient, events: list[Outgoing], report: PushReport, max_attempts: int,
          now: Callable[[], float]) -> bool:
    """Send ``events``, splitting on 5xx/413; returns True when the run must stop (deferred)."""
    try:
        answer = _post(client, client.encode_events([e.text for e in events]))
    except (ServerError, TooLarge) as exc:
        return _split(conn, client, events, exc, report, max_attempts, now)
    return _answered(conn, events, answer, report, max_attempts, now)


def _requeue(conn: sqlite3.Connection, report: PushReport) -> int:
    """Make pending again what central lost (its ``acked_through`` is behind ours); how many."""
    if report.acked_through is None:
        return 0
    lost = requeue_lost(conn, report.acked_through)
    report.resent += lost
    return lost


WINDOW = 2  # batches made ready ahead: one on the wire, the next encoded and waiting behind it


def push_pending(conn: sqlite3.Connection, client: CentralClient, *, batch: int = BATCH,
                 max_attempts: int = outbox.MAX_ATTEMPTS, now: Callable[[], float] = time.time,
                 should_stop: Callable[[], bool] = lambda: False,
                 progress: Callable[[int, int], None] | None = None) -> PushReport:
    """Send every pending event once (at most); transport failures propagate to the caller.

    The batches overlap: a second thread sends them one after the other while this one
    reads and encodes the next batch and writes down the answers to the last, so central
    starts on a batch as soon as it has answered the one before instead of waiting for
    the terminal (the two took turns: one core idled). Central applies a terminal's events
    strictly in order and a later batch only holds later events; a crash in between
    leaves acknowledged events pending, which central answers ``duplicate`` next time.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    report = PushReport()
    total = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
    if not total and conn.execute("SELECT 1 FROM outbox WHERE status = 'acked' LIMIT 1").fetchone():
        answer = client.post_events([])
        if type(answer.get("acked_through")) is int:
            report.acked_through = answer["acked_through"]
    sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="push-send")
    window: deque[tuple[list[Outgoing], Future]] = deque()
    after = 0    # everything up to here was answered (or is left for the next run)
    queued = 0   # the last seq handed to the sender
    try:
        while True:
            if not window:
                if should_stop():
                    break
                lost = _requeue(conn, report)
                if lost:
                    after = min(after, report.acked_through)
                    total += lost
                queued = after
            while len(window) < WINDOW and not should_stop():
                events = pending_after(conn, queued, batch)
                if not events:
                    break
                window.append((events, sender.submit(_post, client, client.encode_events([e.text for e in events]))))
                queued = events[-1].seq
            if not window:
                break
            events, future = window.popleft()
            try:
                answer = future.result()
            except (ServerError, TooLarge) as exc:
                _settle(window, conn, report, max_attempts, now)  # the sender is idle from here on
                stop = _split(conn, client, events, exc, report, max_attempts, now)
            else:
                stop = _answered(conn, events, answer, report, max_attempts, now)
            after = max(after, events[-1].seq)
            if progress is not None:
                progress(report.sent, max(total, report.sent))
            if stop:
                _settle(window, conn, report, max_attempts, now)
                # Central waits for earlier events: those it lost in a restore, if that is
                # why (sent again from the next round); otherwise nothing more to do now.
                if not _lost(conn, report):
                    break
            if not window:
                queued = after
    finally:
        sender.shutdown(wait=True, cancel_futures=True)
    return report


def _settle(window: deque, conn: sqlite3.Connection, report: PushReport, max_attempts: int,
            now: Callable[[], float]) -> None:
    """Wait for the batches sent ahead and record the answers that came (the rest goes again later)."""
    while window:
        events, future = window.popleft()
        try:
            answer = future.result()
        except SyncError:
            continue
        _answered(conn, events, answer, report, max_attempts, now)


def _lost(conn: sqlite3.Connection, report: PushReport) -> bool:
    """Has central lost events this terminal holds as acknowledged?"""
    return report.acked_through is not None and conn.execute(
        "SELECT 1 FROM outbox WHERE status = 'acked' AND seq > ? LIMIT 1", (report.acked_through,)).fetchone() is not None
