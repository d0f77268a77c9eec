"""Opening central's SQLite database: WAL, foreign keys, numbered migrations.

The schema lives in ``central/schema/NNNN_name.sql`` and is applied by the same
migration machinery as the terminal's store (``retail.store.migrations``). Queries are
parameterised and stick to SQL that PostgreSQL also speaks where it can, so a retailer
can move the storage layer there later without touching the API.

Connections are cheap; the API opens one per request (see :class:`Database`), so a
request's reads see one snapshot and a writer never shares a connection across threads.
"""
from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

from retail.store.db import transaction
from retail.store.migrations import migrate

from ..errors import CentralError

SCHEMA_PACKAGE = "central"
BUSY_TIMEOUT_MS = 10_000
REQUEST_AUTOCHECKPOINT_PAGES = 16_384  # 64 MiB of 4 KiB pages

__all__ = ["Database", "connect", "read_snapshot", "transaction"]

def connect(path: str | Path, *, migrate_schema: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) central's database at ``path`` in autocommit mode."""
    path = str(path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if path != ":memory:" and mode.lower() != "wal":
        conn.close()
        raise CentralError(f"cannot switch {path} to WAL mode (got {mode})")
    conn.execute("PRAGMA synchronous = NORMAL")
    if migrate_schema:
        migrate(conn, package=SCHEMA_PACKAGE)
    return conn


@contextlib.contextmanager
def read_snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run reads in one transaction: in WAL mode they all see the same snapshot."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


class Database:
    """Where central's database lives; hands out one connection per unit of work.

    The file is migrated once, when the object is made, so requests never race a
    migration.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        # Held open for the service's life: when the last connection to a WAL database
        # closes, SQLite checkpoints the whole WAL into the file and deletes it. With one
        # connection per request that was every request (4 ms and more each, the bulk of
        # an event push); with this one open, checkpoints happen as the WAL fills.
        self._keeper = connect(self.path)
        self._checkpointing = threading.Lock()

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        conn = connect(self.path, migrate_schema=False)
        # A backstop: a writer that fills the WAL this far checkpoints it itself. The API
        # checkpoints after a batch of events instead (:meth:`checkpoint`), off the request.
        conn.execute(f"PRAGMA wal_autocheckpoint = {REQUEST_AUTOCHECKPOINT_PAGES}")
        try:
            yield conn
        finally:
            conn.close()

    def checkpoint(self) -> None:
        """Copy the WAL into the database file (PASSIVE: never waits for readers or writers).

        Run after a response is sent (a background task), so the next batch's writes go on
        beside it: inside a 200-sale commit, SQLite's own checkpoint of ~750 pages was 7 %
        of central's CPU for a push. One at a time; a caller finding one under way returns.
        """
        if not self._checkpointing.acquire(blocking=False):
            return
        try:
            self._keeper.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            self._checkpointing.release()
