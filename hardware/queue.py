"""The print queue: receipts wait in the local store until the printer takes them.

A sale never waits for paper. The till commits the sale, then :func:`enqueue` writes the
receipt's :class:`~hardware.printing.Document` (as JSON) into ``print_jobs`` under an
idempotent id (``receipt:<sale id>``), in the caller's transaction if it has one, so the
sale and its receipt job commit together. A :class:`PrintQueue` worker thread prints the
queued jobs in order through :func:`hardware.printing.print_document`, which checks the
printer's status first:

* paper out, cover open, printer off or not answering: the job stays ``queued`` with
  ``last_error`` and ``error_kind`` (``paper_out``, ``cover_open``, ``offline``,
  ``no_printer``) and is retried with backoff (1, 2, 5, 10, 30 s), or at once after
  :meth:`PrintQueue.retry_now` (the cashier's "Retry" after loading paper). Later jobs
  wait behind it: receipts come out in the order they were made.
* a power cut or a crash: the rows are on disk; a new queue prints what is still queued,
  and a job found ``printing`` (the process died mid-job) is queued again. A receipt
  printed twice is better than one lost. Jobs an earlier run left behind print without
  their drawer kick: the till starting again must not pop the drawer.
* a document that can never print (damaged row): ``failed``, and the queue moves on.
* the terminal's disk is full (:class:`retail.store.StoreFull`) when the worker records
  a job's state: the worker lives on, waits and tries again, printing nothing new until
  it can record; a receipt that did print while its outcome could not be written is
  recorded as printed once there is room, not printed again.
* printed, but the printer warned (the roll is nearly used up): ``printed`` with the
  warning in ``last_error`` and ``error_kind`` ``warning``, for the till to show.

The drawer kick inside a receipt belongs to the moment of the sale: it is sent on the
first attempt only. If that attempt meets paper out or an open cover, the queue opens
the drawer with the real-time pulse (:func:`hardware.printing.open_drawer`), which works
while the printer is stopped, so the cashier can still give change.

:meth:`PrintQueue.reprint` queues a copy marked "КОПИЯ" / "COPY" (without the drawer
kick); :meth:`PrintQueue.last_receipt_job` finds what "Reprint last receipt" means.
Status changes go to listeners from the worker thread; a Kivy app hops onto its UI
thread with ``Clock.schedule_once``. No public method waits for the printer.
"""
from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from hardware.printing import (CoverOpen, Document, DocumentError, DrawerKick, PaperOut,
                               PrinterConfig, PrinterError, PrinterOffline, open_drawer,
                               print_document)
from hardware.receipts.common import LANGS, mark_copy
from retail import crashpoints
from retail.store import StoreError, connect, transaction

log = logging.getLogger("hardware.queue")

STATUSES = ("queued", "printing", "printed", "failed")
BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)
STORE_RETRY_S = 1.0   # the store refused a write (disk full): try recording again this soon
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_COLUMNS = ("id, seq, kind, status, attempts, last_error, error_kind, lang, copy_of, copies, "
            "created_at, printed_at, document")
NO_PRINTER = ("no receipt printer is configured on this terminal: a technician sets one with "
              "'python -m hardware configure printer SPEC'; the receipt waits in the queue")


class QueueError(ValueError):
    """A print-queue request that cannot be done; the message says why."""


@dataclass(frozen=True)
class PrintJob:
    """One row of ``print_jobs``; ``document_json`` is the saved Document."""
    id: str
    seq: int
    kind: str
    status: str
    attempts: int
    last_error: str | None
    error_kind: str | None
    lang: str
    copy_of: str | None
    copies: int
    created_at: int
    printed_at: int | None
    document_json: str

    def document(self) -> Document:
        return Document.from_json(self.document_json)

    @property
    def is_copy(self) -> bool:
        return self.copy_of is not None


Listener = Callable[[PrintJob], None]


# ---------------------------------------------------------------- rows

def get_job(conn: sqlite3.Connection, job_id: str) -> PrintJob | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
    return PrintJob(*row) if row else None


def list_jobs(conn: sqlite3.Connection, statuses: Iterable[str] | None = None,
              limit: int = 50) -> list[PrintJob]:
    """The newest jobs first (optionally only some statuses): for a technician's screen."""
    statuses = tuple(statuses or STATUSES)
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise QueueError(f"unknown job status {unknown[0]!r}; use one of {', '.join(STATUSES)}")
    marks = ",".join("?" * len(statuses))
    rows = conn.execute(f"SELECT {_COLUMNS} FROM print_jobs WHERE status IN ({marks}) "
                        "ORDER BY seq DESC LIMIT ?", (*statuses, limit))
    return [PrintJob(*row) for row in rows]


def enqueue(conn: sqlite3.Connection, job_id: str, document: Document, kind: str, *,
            lang: str = "ru", now: int | None = None, copy_of: str | None = None) -> PrintJob:
    """Queue ``document`` under ``job_id``; an id already queued (or printed) is left as is.

    Runs inside the caller's open transaction if there is one (the receipt commits with
    the sale), else in its own. Returns the job as stored.
    """
    if not isinstance(job_id, str) or not job_id.strip() or len(job_id) > 200:
        raise QueueError("a print job needs an id of 1-200 characters, e.g. 'receipt:<sale id>'")
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise QueueError(f"print job kind must be a short lower-case word such as 'receipt', "
                         f"got {kind!r}")
    if not isinstance(document, Document):
        raise QueueError(f"only a Document can be queued for printing, not {type(document).__name__}")
    if lang not in LANGS:
        raise QueueError(f"print job language must be one of {', '.join(LANGS)}, got {lang!r}")
    text = document.to_json()
    at = int(time.time()) if now is None else now

    def write() -> None:
        conn.execute(
            "INSERT INTO print_jobs(id, seq, kind, document, lang, copy_of, created_at) "
            "VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM print_jobs), ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO NOTHING", (job_id, kind, text, lang, copy_of, at))

    if conn.in_transaction:
        write()
    else:
        with transaction(conn):
            write()
    return get_job(conn, job_id)


def _error_kind(exc: BaseException) -> str:
    if isinstance(exc, PaperOut):
        return "paper_out"
    if isinstance(exc, CoverOpen):
        return "cover_open"
    if isinstance(exc, PrinterOffline):
        return "offline"
    return "printer"


# ---------------------------------------------------------------- the worker

class PrintQueue:
    """Prints queued jobs from the local store at ``db_path`` on ``printer``.

    ``printer`` None means no printer is configured: jobs wait, with that said in
    ``last_error``. ``poll_s`` is how often the worker looks for jobs other connections
    queued (the caller's transaction may commit after it woke the worker). ``keep_days``:
    printed jobs older than this are deleted at start-up.
    """

    def __init__(self, db_path: str | Path, printer: PrinterConfig | None = None, *,
                 on_change: Listener | None = None, backoff_s: tuple[float, ...] = BACKOFF_S,
                 poll_s: float = 0.5, keep_days: int = 30,
                 clock: Callable[[], float] = time.time) -> None:
        if printer is not None and not isinstance(printer, PrinterConfig):
            raise QueueError(f"the queue prints on a PrinterConfig (or None), not "
                             f"{type(printer).__name__}")
        if not backoff_s or any(not d > 0 for d in backoff_s):
            raise QueueError("backoff delays must be positive numbers of seconds")
        self.db_path = Path(db_path)
        self._printer = printer
        self._backoff = tuple(backoff_s)
        self._poll_s = poll_s
        self._keep_days = keep_days
        self._clock = clock
        self._listeners: list[Listener] = [on_change] if on_change else []
        self._conn = connect(self.db_path)
        self._db = threading.Lock()
        self._changed = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0
        self._not_before = 0.0
        self._seq_at_start = 0    # jobs up to this one were queued before this queue started
        self._unrecorded: tuple[str, str, tuple] | None = None   # an outcome the store refused to keep

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> "PrintQueue":
        if self._thread is not None:
            raise QueueError("the print queue is already running")
        with self._db:   # here, not in the thread: a job queued right after start() is this run's
            self._seq_at_start = self._conn.execute("SELECT COALESCE(MAX(seq), 0) FROM print_jobs").fetchone()[0]
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the job being printed (bounded by the printer timeout)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def close(self) -> None:
        self.stop()
        with self._db:
            self._conn.close()

    def __enter__(self) -> "PrintQueue":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- what the apps call ------------------------------------------------------------

    @property
    def printer(self) -> PrinterConfig | None:
        return self._printer

    def set_printer(self, printer: PrinterConfig | None) -> None:
        """Use another printer from now on (the technician changed it); retries at once."""
        if printer is not None and not isinstance(printer, PrinterConfig):
            raise QueueError(f"the queue prints on a PrinterConfig (or None), not "
                             f"{type(printer).__name__}")
        self._printer = printer
        self.retry_now()

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def enqueue(self, conn: sqlite3.Connection, job_id: str, document: Document, kind: str, *,
                lang: str = "ru") -> PrintJob:
        """:func:`enqueue` on the caller's connection, then wake the worker."""
        job = enqueue(conn, job_id, document, kind, lang=lang, now=int(self._clock()))
        self._wake.set()
        return job

    def retry_now(self) -> None:
        """Try the waiting job at once (paper loaded, printer switched on)."""
        self._failures = 0
        self._not_before = 0.0
        self._wake.set()

    def job(self, job_id: str) -> PrintJob | None:
        with self._db:
            return get_job(self._conn, job_id)

    def jobs(self, statuses: Iterable[str] | None = None, limit: int = 50) -> list[PrintJob]:
        with self._db:
            return list_jobs(self._conn, statuses, limit)

    def last_receipt_job(self) -> PrintJob | None:
        """The newest original sale or return receipt (what "Reprint last receipt" prints)."""
        with self._db:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM print_jobs WHERE kind = 'receipt' AND copy_of IS NULL "
                "ORDER BY seq DESC LIMIT 1").fetchone()
        return PrintJob(*row) if row else None

    def reprint(self, job_id: str) -> PrintJob:
        """Queue a copy of a printed job, marked as a copy; returns the new job."""
        with self._db:
            original = get_job(self._conn, job_id)
            if original is None:
                raise QueueError(f"there is no print job {job_id!r} on this terminal")
            if original.copy_of is not None:
                original = get_job(self._conn, original.copy_of)
            if original.status in ("queued", "printing"):
                raise QueueError(f"{original.kind} {original.id} has not printed yet; it prints "
                                 "as soon as the printer is ready (press Retry after fixing it)")
            try:
                document = mark_copy(original.document(), original.lang)
            except DocumentError as exc:
                raise QueueError(f"{original.kind} {original.id} cannot be reprinted: {exc}") from None
            with transaction(self._conn):
                number = original.copies + 1
                self._conn.execute("UPDATE print_jobs SET copies = ? WHERE id = ?",
                                   (number, original.id))
                copy = enqueue(self._conn, f"{original.id}:copy{number}", document, original.kind,
                               lang=original.lang, now=int(self._clock()), copy_of=original.id)
        self._notify(copy)
        self._wake.set()
        return copy

    def wait_for(self, job_id: str, predicate: Callable[[PrintJob], bool],
                 timeout: float = 10.0) -> PrintJob:
        """Block until the job satisfies ``predicate`` (for tests and the CLI, not the UI)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                job = self.job(job_id)
                if job is not None and predicate(job):
                    return job
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    state = f"{job.status}, {job.attempts} attempt(s), {job.last_error}" if job else "absent"
                    raise TimeoutError(f"print job {job_id} did not reach the expected state ({state})")
                self._changed.wait(min(remaining, 0.2))

    def wait_printed(self, job_id: str, timeout: float = 10.0) -> PrintJob:
        return self.wait_for(job_id, lambda job: job.status in ("printed", "failed"), timeout)

    # -- worker ------------------------------------------------------------------------

    def _notify(self, job: PrintJob | None) -> None:
        with self._changed:
            self._changed.notify_all()
        if job is None:
            return
        for listener in list(self._listeners):
            try:
                listener(job)
            except Exception:  # the app's bug must not stop receipts
                log.exception("print queue listener failed for job %s", job.id)

    def _update(self, job_id: str, sql: str, params: tuple) -> PrintJob | None:
        with self._db:
            with transaction(self._conn):
                self._conn.execute(sql, params)
            return get_job(self._conn, job_id)

    def _startup(self) -> None:
        with self._db:
            with transaction(self._conn):
                self._conn.execute("UPDATE print_jobs SET status = 'queued' WHERE status = 'printing'")
                cutoff = int(self._clock()) - self._keep_days * 86400
                self._conn.execute("DELETE FROM print_jobs WHERE copy_of IS NOT NULL AND "
                                   "status = 'printed' AND printed_at < ?", (cutoff,))
                self._conn.execute(
                    "DELETE FROM print_jobs WHERE copy_of IS NULL AND status = 'printed' AND "
                    "printed_at < ? AND NOT EXISTS (SELECT 1 FROM print_jobs c "
                    "WHERE c.copy_of = print_jobs.id)", (cutoff,))

    def _next(self) -> PrintJob | None:
        with self._db:
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM print_jobs WHERE status = 'queued' "
                                     "ORDER BY seq LIMIT 1").fetchone()
        return PrintJob(*row) if row else None

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(max(0.0, seconds))
        self._wake.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._startup()
            except StoreError as exc:   # the disk is full: a job left 'printing' must be queued again first
                log.warning("print queue: cannot prepare the queue (%s); trying again", exc)
                self._sleep(STORE_RETRY_S)
                continue
            except sqlite3.Error:
                log.exception("print queue: cannot prepare the queue table")
            break
        while not self._stop.is_set():
            try:
                job = self._next()
            except sqlite3.Error:
                log.exception("print queue: cannot read the queue")
                self._sleep(self._poll_s)
                continue
            if self._unrecorded is not None and not self._record_pending():
                self._sleep(STORE_RETRY_S)
                continue
            if job is None:
                self._sleep(self._poll_s)
                continue
            wait = self._not_before - time.monotonic()
            if wait > 0:
                self._sleep(min(wait, self._poll_s))
                continue
            printer = self._printer
            try:
                if printer is None:
                    if job.error_kind != "no_printer":
                        self._notify(self._update(job.id, "UPDATE print_jobs SET last_error = ?, "
                                                  "error_kind = 'no_printer' WHERE id = ?",
                                                  (NO_PRINTER, job.id)))
                    self._sleep(self._poll_s)
                    continue
                self._attempt(job, printer)
            except (sqlite3.Error, StoreError) as exc:   # a full disk must not end the worker
                log.warning("print queue: the store refused to record job %s (%s); trying again", job.id, exc)
                self._sleep(STORE_RETRY_S)

    def _outcome(self, job_id: str, sql: str, params: tuple) -> None:
        """Record what happened to a job that was sent; if the store refuses, keep it to record later."""
        try:
            self._notify(self._update(job_id, sql, params))
        except (sqlite3.Error, StoreError) as exc:
            log.warning("print queue: cannot record the outcome of job %s yet (%s)", job_id, exc)
            self._unrecorded = (job_id, sql, params)

    def _record_pending(self) -> bool:
        job_id, sql, params = self._unrecorded
        try:
            job = self._update(job_id, sql, params)
        except (sqlite3.Error, StoreError):
            return False
        self._unrecorded = None
        self._notify(job)
        return True

    def _attempt(self, job: PrintJob, printer: PrinterConfig) -> None:
        try:
            document = job.document()
        except DocumentError as exc:
            self._notify(self._update(job.id, "UPDATE print_jobs SET status = 'failed', "
                                      "last_error = ?, error_kind = 'document' WHERE id = ?",
                                      (str(exc), job.id)))
            return
        kicks = any(isinstance(block, DrawerKick) for block in document)
        # The sale's moment has passed - a retry, or a job an earlier run of the till left
        # queued when it died: never pop the drawer later.
        if kicks and (job.attempts > 0 or job.seq <= self._seq_at_start):
            kicks = False
            document = Document([b for b in document if not isinstance(b, DrawerKick)])
        self._notify(self._update(job.id, "UPDATE print_jobs SET status = 'printing', "
                                  "attempts = attempts + 1 WHERE id = ?", (job.id,)))
        crashpoints.reach("print.sending")
        try:
            result = print_document(document, printer)
        except DocumentError as exc:
            self._outcome(job.id, "UPDATE print_jobs SET status = 'failed', "
                          "last_error = ?, error_kind = 'document' WHERE id = ?", (str(exc), job.id))
            return
        except Exception as exc:  # PrinterError, or a font or driver problem: keep the job
            if not isinstance(exc, PrinterError):
                log.exception("print queue: unexpected error printing %s", job.id)
            message = str(exc)
            if kicks and isinstance(exc, (PaperOut, CoverOpen)):
                message += self._kick_anyway(printer)
            self._failures += 1
            delay = self._backoff[min(self._failures, len(self._backoff)) - 1]
            self._not_before = time.monotonic() + delay
            self._outcome(job.id, "UPDATE print_jobs SET status = 'queued', "
                          "last_error = ?, error_kind = ? WHERE id = ?", (message, _error_kind(exc), job.id))
            return
        crashpoints.reach("print.sent")
        self._failures = 0
        self._not_before = 0.0
        warning = "; ".join(result.warnings) or None   # e.g. the roll is nearly used up
        self._outcome(job.id, "UPDATE print_jobs SET status = 'printed', "
                      "printed_at = ?, last_error = ?, error_kind = ? WHERE id = ?",
                      (int(self._clock()), warning, warning and "warning", job.id))

    @staticmethod
    def _kick_anyway(printer: PrinterConfig) -> str:
        try:
            open_drawer(printer)
        except PrinterError as exc:
            return f" (the cash drawer could not be opened either: {exc})"
        return " (the cash drawer was opened)"
