"""Opening the terminal's local SQLite store.

One file per terminal. WAL so the sync agent (its own process) and the app read and write
side by side; foreign keys on; a busy timeout so a short writer never fails a sale. Sales
commit with ``synchronous=FULL`` (see :func:`durable`); feed applies run at NORMAL, which
in WAL mode is still crash-safe, only possibly losing the last transactions on power loss,
which the feeds simply fetch again.

A till's connections do not checkpoint the WAL inside a commit (``autocheckpoint=False``):
SQLite's automatic checkpoint runs in whichever commit pushes the log past 1 000 pages,
which at ~40 pages a sale is every 25th sale, and made that sale 3-4 times slower than the
rest (the sale-commit p99). The till calls :func:`checkpoint` once the sale is done and its
receipt queued instead; the agent's connection keeps SQLite's automatic checkpoint.
"""
from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Iterator

from .migrations import migrate

BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 32 * 1024  # a million-SKU catalogue's hot index pages stay in memory


class StoreError(RuntimeError):
    """The local store cannot do what was asked; the message says why for a person."""


class StoreFull(StoreError):
    """The terminal's disk (or the store's size limit) is full: the transaction was rolled back whole."""

    MESSAGE = ("The terminal's disk is full, so nothing was saved. Call the technician to free space, "
               "then try again")

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


def _is_full(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc))


def connect(path: str | Path, *, migrate_schema: bool = True, readonly: bool = False,
            autocheckpoint: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) the local store at ``path`` and bring its schema up to date.

    The connection is in autocommit mode (``isolation_level=None``); write through
    :func:`transaction` so every change commits whole or not at all. ``autocheckpoint=False``
    keeps WAL checkpoints out of this connection's commits; its owner then calls
    :func:`checkpoint` at a moment nobody waits on.
    """
    path = str(path)
    if readonly:
        uri = f"file:{Path(path).resolve()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    if not readonly:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if path != ":memory:" and mode.lower() != "wal":
            raise StoreError(f"cannot switch {path} to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        if not autocheckpoint:
            conn.execute("PRAGMA wal_autocheckpoint = 0")
        if migrate_schema:
            migrate(conn)
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
    """Run a block in one transaction: commit on success, roll back on any exception.

    ``BEGIN IMMEDIATE`` takes the write lock up front, so two writers queue on the busy
    timeout instead of failing half-way with SQLITE_BUSY on upgrade.
    """
    if conn.in_transaction:
        raise StoreError("nested transaction: the caller already holds one")
    if immediate:
        _begin_immediate(conn)
    else:
        conn.execute("BEGIN")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if _is_full(exc):
            raise StoreFull() from exc
        raise


def _begin_immediate(conn: sqlite3.Connection) -> None:
    """Take the write lock, polling every millisecond while another writer holds it.

    SQLite's own busy handler backs off to 100 ms sleeps, so a sale queued behind a feed
    page could wait a tenth of a second after the page committed. Polling lets it in
    within a millisecond of the lock coming free, up to the same overall timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.001)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


@contextlib.contextmanager
def durable(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A transaction that is on disk when it returns (``synchronous=FULL``): for sales."""
    conn.execute("PRAGMA synchronous = FULL")
    try:
        with transaction(conn):
            yield conn
    finally:
        conn.execute("PRAGMA synchronous = NORMAL")


def checkpoint(conn: sqlite3.Connection) -> tuple[int, int]:
    """Copy what the WAL holds back into the database file, without waiting for anyone.

    A PASSIVE checkpoint: it stops at pages a reader still needs and never takes the write
    lock, so it cannot hold up the agent or another sale. Returns (pages in the log, pages
    copied). A full disk or a busy moment is not an error here: the next one catches up.
    """
    try:
        _busy, logged, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    except sqlite3.OperationalError:
        return 0, 0
    return logged, copied


def integrity_ok(conn: sqlite3.Connection) -> bool:
    """``PRAGMA integrity_check`` says ok and no foreign key is dangling."""
    ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return ok and not conn.execute("PRAGMA foreign_key_check").fetchall()
