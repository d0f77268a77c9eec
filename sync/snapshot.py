"""A new terminal's first load of the big feeds from its store's snapshot.

Pulling a million products, their prices and the chain's stock page by page takes a till
minutes; central can offer a snapshot instead (central.snapshots, docs/protocol.md): the
store those pages would leave, built once for every terminal of the store. The agent

1. takes it only for a first load: none of the catalogue, prices and inventory feeds has
   ever been applied here and the terminal has sold nothing (a snapshot counts none of
   this terminal's events in its stock);
2. streams the file to ``<store>.snapshot`` beside the store, unpacking it as it comes,
   and checks its size and SHA-256 against the manifest. The compressed bytes are kept
   as they arrive in ``<store>.snapshot-<file>.part``: a download cut off (the network, a
   crash, a restart) goes on from the byte it reached at the next cycle, with an HTTP
   Range request, after unpacking the kept part again locally;
3. opens it read-only beside the store and checks it was built with this very schema
   (every copied table's definition, the search index's settings, nothing executable);
4. copies each feed's tables in whole - SQLite moves the b-trees page by page, no row is
   decoded - with the rows the builder quarantined and the feed's cursor, one
   transaction per feed (ARCHITECTURE.md: checkpoints after data);
5. removes the files. The feeds are then pulled on from the snapshot's cursors as usual.

A download cut off ends the cycle with a transport error, as any other call to central
does, and leaves the store as it was. Anything else that does not fit - no snapshot, a
wrong hash, another schema, a location the stores feed has not delivered - leaves the
store as it was and the feeds are pulled page by page; :class:`Outcome` says why.
"""
from __future__ import annotations

import glob
import hashlib
import logging
import re
import shutil
import sqlite3
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retail import crashpoints
from retail.store import connect, transaction
from retail.store.migrations import current_version

from .client import DOWNLOAD_CHUNK, CentralClient
from .errors import ProtocolError

log = logging.getLogger("sync.snapshot")

# feed -> the tables it fills, copied whole in this order (parents first). The search
# index is the FTS5 table's own storage: its segments and document sizes.
TABLES: dict[str, tuple[str, ...]] = {
    "catalogue": ("categories", "brands", "products", "barcodes",
                  "product_search_data", "product_search_idx", "product_search_docsize"),
    "prices": ("prices",),
    "inventory": ("stock", "network_stock"),
}
FEEDS = tuple(TABLES)
_SAME_SQL = (*(t for tables in TABLES.values() for t in tables), "product_search", "quarantine", "feed_state")
ROOM_MARGIN = 64 * 2**20
_FIELDS = {"store": str, "schema": int, "file": str, "sha256": str, "size": int, "cursors": dict, "rows": dict}
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")   # names a file beside the store: no path in it

Progress = Callable[[str, int, int], None]


class Unusable(RuntimeError):
    """The snapshot cannot be used here; the message says why, for the sync log."""


@dataclass
class Outcome:
    used: bool = False
    reason: str = ""                 # why not, when not used
    rows: dict[str, int] = field(default_factory=dict)
    bytes: int = 0                   # uncompressed
    resumed_at: int = 0              # compressed bytes an earlier, cut-off download had kept
    download_s: float = 0.0
    copy_s: float = 0.0

    def summary(self) -> str:
        if not self.used:
            return f"snapshot not used: {self.reason}"
        rows = ", ".join(f"{feed} {n}" for feed, n in self.rows.items())
        resumed = f", resumed at {self.resumed_at / 2**20:.1f} MB of the download" if self.resumed_at else ""
        return (f"snapshot loaded ({rows}): {self.bytes / 2**20:.0f} MB in {self.download_s:.1f} s{resumed}, "
                f"copied in {self.copy_s:.1f} s")


def first_load(conn: sqlite3.Connection) -> str | None:
    """None when a snapshot may be loaded here, else why not."""
    for feed in FEEDS:
        if not _never_applied(conn, feed):
            return f"the {feed} feed is loaded already"
    if conn.execute("SELECT 1 FROM outbox LIMIT 1").fetchone() is not None:
        return "this terminal has events of its own, which a snapshot's stock does not count"
    return None


def load(conn: sqlite3.Connection, client: CentralClient, db_path: Path, *, now: Callable[[], float] = time.time,
         progress: Progress | None = None) -> Outcome:
    """Load the store's snapshot if this is a first load and central has one; see the module."""
    out = Outcome()
    why_not = first_load(conn)
    if why_not:
        out.reason = why_not
        drop_parts(db_path)
        return out
    target = db_path.with_name(db_path.name + ".snapshot")
    part = None
    try:
        for attempt in range(2):
            manifest = client.snapshot()
            if manifest is None:
                out.reason = "central has no snapshot of this store"
                drop_parts(db_path)
                return out
            _check_manifest(manifest, client.store, current_version(conn))
            part = _part_path(db_path, manifest["file"])
            drop_parts(db_path, keep=part)   # of a snapshot rebuilt since
            _check_room(target, manifest["size"], part)
            started = time.monotonic()
            try:
                out.bytes, out.resumed_at = _download(client, manifest, target, part, progress)
                break
            except ProtocolError as exc:
                # 404: rebuilt since the manifest; 416: the kept part is longer than the file
                if exc.status not in (404, 416) or attempt:
                    raise
                part.unlink(missing_ok=True)
                log.info("central did not send the snapshot as asked (HTTP %s): asking again", exc.status)
        out.download_s = time.monotonic() - started
        started = time.monotonic()
        out.rows = install(db_path, target, now=int(now()))
        out.copy_s = time.monotonic() - started
        out.used = True
        part.unlink(missing_ok=True)
    except OSError as exc:   # the file beside the store could not be written (a full disk)
        out.reason = f"cannot write the snapshot beside the store ({exc.strerror or exc})"
        log.warning("snapshot not used, pulling the feeds page by page: %s", out.reason)
        drop_parts(db_path)
    except (Unusable, ProtocolError) as exc:
        out.reason = str(exc)
        log.warning("snapshot not used, pulling the feeds page by page: %s", exc)
        drop_parts(db_path)
    finally:
        target.unlink(missing_ok=True)   # a cut-off download keeps its part, never the half-unpacked file
    return out


def _part_path(db_path: Path, file: str) -> Path:
    return db_path.with_name(f"{db_path.name}.snapshot-{file}.part")


def drop_parts(db_path: Path, keep: Path | None = None) -> None:
    """Remove the kept parts of downloads that will not go on (but ``keep``)."""
    for name in glob.glob(glob.escape(str(db_path)) + ".snapshot-*.part"):
        if keep is None or Path(name) != keep:
            Path(name).unlink(missing_ok=True)


def _check_manifest(m: dict, store: str, schema: int) -> None:
    for name, kind in _FIELDS.items():
        if type(m.get(name)) is not kind:
            raise Unusable(f"the manifest's {name} is missing or not of type {kind.__name__}")
    if m["store"] != store:
        raise Unusable(f"central offered store {m['store']}'s snapshot to a terminal of {store}")
    if m["schema"] != schema:
        raise Unusable(f"it was built for store schema {m['schema']}, this terminal has {schema}")
    if set(m["cursors"]) != set(FEEDS):
        raise Unusable(f"it carries the feeds {sorted(m['cursors'])}, not {list(FEEDS)}")
    if not _FILE_NAME.fullmatch(m["file"]):
        raise Unusable(f"its file name {m['file'][:80]!r} is not a plain file name")


def _check_room(target: Path, size: int, part: Path) -> None:
    """Room for the unpacked file, its copy in the store and the compressed download (a
    SQLite store packs to well under half its size), less what a cut-off download kept."""
    kept = part.stat().st_size if part.exists() else 0
    need = 2 * size + max(size // 2 - kept, 0) + ROOM_MARGIN
    free = shutil.disk_usage(target.parent).free
    if free < need:
        raise Unusable(f"it needs {need / 2**20:.0f} MB of free disk beside the store, "
                       f"and {free / 2**20:.0f} MB are free")


class _Unpacked:
    """The unpacked file as the compressed bytes come: written to ``target``, sized and hashed."""

    def __init__(self, m: dict, target: Path, progress: Progress | None) -> None:
        self.total, self.progress, self.shown = m["size"], progress, 0.0
        self.rows = {feed: n if type(n := m["rows"].get(feed)) is int else 0 for feed in FEEDS}
        self.out = open(target, "wb")  # noqa: SIM115 (closed by close())
        self.restart()

    def restart(self) -> None:
        self.unpack = zlib.decompressobj(16 + zlib.MAX_WBITS)   # gzip
        self.sha = hashlib.sha256()
        self.size = 0
        self.out.seek(0)
        self.out.truncate()

    @property
    def complete(self) -> bool:
        """The gzip stream has ended: nothing more to download."""
        return self.unpack.eof

    def feed(self, chunk: bytes) -> None:
        data = self.unpack.decompress(chunk)
        if self.size + len(data) > self.total:
            raise Unusable(f"the file unpacks to more than the {self.total} bytes the manifest says")
        self.sha.update(data)
        self.out.write(data)
        self.size += len(data)
        if self.progress is not None and time.monotonic() - self.shown > 0.5:
            self.shown = time.monotonic()
            for feed, n in self.rows.items():
                self.progress(feed, n * self.size // max(self.total, 1), n)

    def finish(self, sha256: str) -> int:
        tail = self.unpack.flush()
        self.sha.update(tail)
        self.out.write(tail)
        self.size += len(tail)
        if not self.unpack.eof or self.size != self.total:
            raise Unusable(f"the file ended at {self.size} of the {self.total} bytes the manifest says")
        if self.sha.hexdigest() != sha256:
            raise Unusable("the file's SHA-256 differs from the manifest's (damaged on the way?)")
        return self.size

    def close(self) -> None:
        self.out.close()


def _download(client: CentralClient, m: dict, target: Path, part: Path,
              progress: Progress | None) -> tuple[int, int]:
    """Unpack and hash the file into ``target``, going on from what ``part`` kept of an
    earlier download; returns (its size, the compressed bytes taken from ``part``)."""
    unpacked = _Unpacked(m, target, progress)
    try:
        with open(part, "ab+", buffering=0) as kept:   # each chunk in the OS when a crash comes
            resumed = 0

            def restart() -> None:   # from the first byte: no part, or none that can be used
                nonlocal resumed
                kept.truncate(0)
                unpacked.restart()
                resumed = 0

            kept.seek(0)
            try:
                for block in iter(lambda: kept.read(DOWNLOAD_CHUNK), b""):
                    unpacked.feed(block)
                    resumed += len(block)
            except zlib.error:   # a part torn by a power cut
                log.warning("the kept part of the snapshot download is damaged: downloading it again")
                restart()
            if resumed:
                log.info("going on with the snapshot download from byte %d", resumed)

            def write(chunk: bytes) -> None:
                kept.write(chunk)
                crashpoints.reach("snapshot.download")
                unpacked.feed(chunk)

            try:
                if not unpacked.complete:   # else the part is the whole file: a crash came after it
                    client.download(m["file"], write, start=resumed, restart=restart)
            except zlib.error as exc:
                raise Unusable(f"the file is not valid gzip ({exc})") from None
        return unpacked.finish(m["sha256"]), resumed
    finally:
        unpacked.close()


def install(db_path: Path, file: Path, *, now: int) -> dict[str, int]:
    """Copy the snapshot at ``file`` into the store at ``db_path``, one transaction per feed.

    Its own connection: the copy writes the search index's storage directly, and a
    connection that has the index open would keep a stale picture of it; other
    connections (the agent's, the apps') notice the commit and read it afresh.
    """
    conn = connect(db_path)
    rows: dict[str, int] = {}
    try:
        conn.execute("PRAGMA foreign_keys = OFF")   # checked when built; off, SQLite copies pages, not rows
        # A plain path, not a read-only URI: URI names work only where SQLite was built to take
        # them, and nothing here writes to the attached file.
        conn.execute("ATTACH DATABASE ? AS snap", (str(file),))
        _check_file(conn)
        for feed, tables in TABLES.items():
            with transaction(conn):
                if not _never_applied(conn, feed):
                    raise Unusable(f"the {feed} feed was loaded meanwhile")
                for table in tables:
                    conn.execute(f'DELETE FROM main."{table}"')
                    conn.execute(f'INSERT INTO main."{table}" SELECT * FROM snap."{table}"')
                conn.execute(
                    "INSERT INTO quarantine(feed, row_key, reason, payload, at, retry, included_seq) "
                    "SELECT feed, row_key, reason, payload, at, retry, 0 FROM snap.quarantine WHERE feed = ?", (feed,))
                found = conn.execute(
                    "INSERT INTO feed_state(feed, cursor, version, included_seq, rows, last_success_at) "
                    "SELECT feed, cursor, version, 0, rows, ? FROM snap.feed_state WHERE feed = ? "
                    "ON CONFLICT(feed) DO UPDATE SET cursor = excluded.cursor, version = excluded.version, "
                    "included_seq = 0, rows = excluded.rows, last_success_at = excluded.last_success_at, "
                    "last_error = NULL, last_error_at = NULL RETURNING rows", (now, feed)).fetchall()
                if not found:
                    raise Unusable(f"it has no cursor for the {feed} feed")
                rows[feed] = found[0][0]
                crashpoints.reach("snapshot.feed")
    except sqlite3.DatabaseError as exc:
        raise Unusable(f"the file cannot be read as a store ({exc})") from None
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.close()
    return rows


def _never_applied(conn: sqlite3.Connection, feed: str) -> bool:
    """No page of ``feed`` was ever applied here (a resync from "" is not a first load)."""
    row = conn.execute("SELECT cursor, last_success_at FROM feed_state WHERE feed = ?", (feed,)).fetchone()
    return row is None or (row[0] == "" and row[1] is None)


_DEFINED = "SELECT (SELECT sql FROM main.sqlite_master WHERE name = ?) IS (SELECT sql FROM snap.sqlite_master WHERE name = ?)"
_SAME_CONFIG = ("SELECT NOT EXISTS (SELECT k, v FROM main.product_search_config EXCEPT SELECT k, v FROM snap.product_search_config) "
                "AND NOT EXISTS (SELECT k, v FROM snap.product_search_config EXCEPT SELECT k, v FROM main.product_search_config)")


def _check_file(conn: sqlite3.Connection) -> None:
    if conn.execute("SELECT 1 FROM snap.sqlite_master WHERE type IN ('trigger', 'view') LIMIT 1").fetchone():
        raise Unusable("it holds triggers or views, which no store of ours has")
    for name in _SAME_SQL:
        if not conn.execute(_DEFINED, (name, name)).fetchone()[0]:
            raise Unusable(f"its table {name} is not defined as this terminal's")
    if not conn.execute(_SAME_CONFIG).fetchone()[0]:
        raise Unusable("its search index is configured differently from this terminal's")
    missing = [r[0] for r in conn.execute("SELECT id FROM snap.stores EXCEPT SELECT id FROM main.stores")]
    if missing:
        raise Unusable(f"its stock names locations the stores feed has not delivered here: {', '.join(missing[:5])}")
