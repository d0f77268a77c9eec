"""Store snapshots: a new terminal's first load of the big feeds in one download.

A first sync by pages writes a million products, their prices and the chain's stock row
by row (minutes on a till). A snapshot is the terminal store those pages would leave for
one store - the catalogue, prices and inventory feeds, with their cursors and any rows
quarantined - built once here and fetched by every new terminal of the store, which
copies its tables in whole (sync.snapshot) and pulls the feeds on from its cursors.

It is built by the terminal's own code: central's feed pages, read as a terminal would
get them, applied with :func:`retail.feeds.apply.apply_page` into a fresh store of the
terminal's schema. So it holds exactly what the pages would have left, and a row the
terminal would quarantine is quarantined in it too.

On disk, beside central's database (``<db>.snapshots/``): ``<store>.json``, the manifest
(what is in it, the terminal schema it was built for, its SHA-256), and the file it
names, gzip-compressed. A new build replaces both (the manifest last, atomically); a
terminal that fetched the old manifest gets 404 for the old file and starts over. Build
with ``python -m central snapshot`` (nightly, and after a big import); central serves a
snapshot only while its cursors are still within the tombstone horizon.

A rebuild starts from the store's current snapshot when it can - unpacked, its hash
checked, then the pages since its cursors applied, as a terminal pulls on from it - which
takes seconds where reading every page takes minutes. It reads every page again instead
when asked (``full=True``, ``--full``), when the last full build is a week old (pages
applied on top leave free pages in the file), and when the current snapshot cannot be
used: none, another terminal schema, damaged, or older than the deletes central
remembers.
"""
from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import json
import logging
import os
import sqlite3
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

from retail.feeds.apply import apply_page, retry_quarantined
from retail.store import connect as connect_terminal_store
from retail.store.migrations import available, current_version

from .errors import Conflict, Gone, Invalid, NotFound
from .storage import connect
from .storage.feeds import FEEDS as FEED_SOURCES
from .storage.feeds import MAX_LIMIT, parse_cursor, read_page
from .storage.versions import CHAIN, horizon

# The feeds a snapshot carries (the big ones) and the stores feed their rows point at.
FEEDS = ("catalogue", "prices", "inventory")
_BUILT_FROM = ("stores", *FEEDS)
_NOT_A_TERMINAL = ""   # no terminal's events are counted in a snapshot's stock (included = 0)
GZIP_LEVEL = 1         # ~4x smaller, and central compresses a million-SKU store in seconds
_COPY_CHUNK = 1 << 20
FULL_EVERY_S = 7 * 86400   # pages applied on a snapshot leave free pages: read them all again weekly

log = logging.getLogger("central.snapshots")


@dataclass(frozen=True)
class Manifest:
    store: str
    built_at: int
    schema: int                 # the terminal store's schema version the file was built with
    cursors: dict[str, str]     # feed -> the cursor to pull on from
    rows: dict[str, int]        # feed -> rows applied
    quarantined: int
    file: str                   # name of the gzip-compressed store file
    sha256: str                 # of the uncompressed file
    size: int                   # bytes, uncompressed
    compressed_size: int
    seconds: float              # how long the build took
    full_at: int = 0            # when the build every later one started from read every page
    based_on: str = ""          # the earlier snapshot file this one was built on ("": every page)

    @property
    def last_full_at(self) -> int:
        """When the build this one goes back to read every page (manifests before ``full_at``: its own)."""
        return self.full_at or self.built_at

    def as_json(self) -> dict:
        return asdict(self)


def directory_for(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".snapshots")


def _manifest_path(directory: Path, store: str) -> Path:
    return directory / f"{store}.json"


def build(db_path: str | Path, store: str, *, now: int | None = None, directory: Path | None = None,
          full: bool = False) -> Manifest:
    """Build (or rebuild) ``store``'s snapshot from the database at ``db_path``; see the module.

    One build of a store at a time (they share a work file): a second one, say from an
    overlapping nightly job, is refused with :class:`Conflict`.
    """
    directory = directory or directory_for(db_path)
    directory.mkdir(parents=True, exist_ok=True)
    with _only_builder(directory, store):
        return _build(db_path, store, now, directory, full)


@contextlib.contextmanager
def _only_builder(directory: Path, store: str):
    with open(directory / f"{store}.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(f"{store}'s snapshot is being built by another process; "
                           "this build is not needed") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build(db_path: str | Path, store: str, now: int | None, directory: Path, full: bool) -> Manifest:
    started = time.monotonic()
    now = int(time.time()) if now is None else now
    work = directory / f"{store}.building.db"
    central = connect(db_path, migrate_schema=False)
    try:
        if central.execute("SELECT 1 FROM locations WHERE id = ? AND kind = 'store'", (store,)).fetchone() is None:
            raise NotFound(f"no store {store!r} at central; see python -m central stores")
        previous = None if full else _reusable(central, directory, store, now)
        filled = None
        if previous is not None and _unpack(directory / previous.file, work, previous):
            try:
                filled = _fill(central, work, store, now)
            except (Gone, Invalid) as exc:   # a delete it missed is forgotten meanwhile
                log.info("%s: every page again, the snapshot's cursor is too old (%s)", store, exc)
        if filled is None:
            previous = None
            _remove(work)
            filled = _fill(central, work, store, now)
    finally:
        central.close()
    cursors, rows, quarantined, schema = filled
    digest, size, compressed = _compress(work, directory / f"{store}.db.gz.part")
    name = f"{store}-{cursors['inventory']}-{digest[:12]}.db.gz"
    (directory / f"{store}.db.gz.part").replace(directory / name)
    work.unlink()
    full_at = previous.last_full_at if previous is not None else now
    manifest = Manifest(store, now, schema, {f: cursors[f] for f in FEEDS}, {f: rows[f] for f in FEEDS},
                        quarantined, name, digest, size, compressed, round(time.monotonic() - started, 1),
                        full_at, previous.file if previous is not None else "")
    part = _manifest_path(directory, store).with_suffix(".json.part")
    part.write_text(json.dumps(manifest.as_json(), indent=1), encoding="utf-8")
    os.replace(part, _manifest_path(directory, store))
    for old in directory.glob(f"{store}-*.db.gz"):
        if old.name != name:
            old.unlink(missing_ok=True)
    return manifest


def _reusable(central: sqlite3.Connection, directory: Path, store: str, now: int) -> Manifest | None:
    """The store's current snapshot, if a rebuild may start from it."""
    previous = current(central, directory, store)
    if previous is None or previous.schema != available()[-1].version:
        return None
    if now - previous.last_full_at >= FULL_EVERY_S:
        return None
    return previous


def _unpack(source: Path, work: Path, m: Manifest) -> bool:
    """Unpack ``source`` to ``work``; False (and nothing left) unless it is the file ``m`` says."""
    _remove(work)
    try:
        with gzip.open(source, "rb") as src, open(work, "wb") as out:
            digest, size = _copy_hashing(src, out)
    except (OSError, EOFError, zlib.error) as exc:
        log.warning("%s: every page again, its snapshot %s does not unpack (%s)", m.store, m.file, exc)
        _remove(work)
        return False
    if size != m.size or digest != m.sha256:
        log.warning("%s: every page again, its snapshot %s is not what its manifest says", m.store, m.file)
        _remove(work)
        return False
    return True


def _remove(work: Path) -> None:
    for leftover in (work, work.with_name(work.name + "-wal"), work.with_name(work.name + "-shm")):
        leftover.unlink(missing_ok=True)


def _fill(central: sqlite3.Connection, work: Path, store: str, now: int):
    """Pull every feed of the snapshot into the terminal store at ``work`` from its cursor there
    (from the start in a new store); (cursors, rows, quarantined, schema)."""
    term = connect_terminal_store(work)
    try:
        term.execute("PRAGMA synchronous = OFF")   # a crashed build is simply built again
        for feed in _BUILT_FROM:
            _pull(central, term, store, feed, now)
        for feed in _BUILT_FROM:
            retry_quarantined(term, feed, terminal_id=_NOT_A_TERMINAL, now=now)
        state = {r[0]: (r[1], r[2]) for r in term.execute("SELECT feed, cursor, rows FROM feed_state")}
        quarantined = term.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
        schema = current_version(term)
        term.execute("PRAGMA journal_mode = DELETE")   # one self-contained file
    finally:
        term.close()
    cursors = {f: state.get(f, ("", 0))[0] for f in _BUILT_FROM}
    return cursors, {f: state.get(f, ("", 0))[1] for f in _BUILT_FROM}, quarantined, schema


def _pull(central: sqlite3.Connection, term: sqlite3.Connection, store: str, feed: str, now: int) -> None:
    row = term.execute("SELECT cursor FROM feed_state WHERE feed = ?", (feed,)).fetchone()
    cursor = row[0] if row else ""
    while True:
        page = read_page(central, feed, store, cursor, MAX_LIMIT)
        result = apply_page(term, feed, page.as_json(now), terminal_id=_NOT_A_TERMINAL, now=now, sent_cursor=cursor)
        cursor = result.next_cursor
        if not result.more:
            return


def _compress(source: Path, target: Path) -> tuple[str, int, int]:
    """Gzip ``source`` to ``target``; (SHA-256 and size of ``source``, size of ``target``)."""
    with open(source, "rb") as src, gzip.open(target, "wb", compresslevel=GZIP_LEVEL) as out:
        digest, size = _copy_hashing(src, out)
    return digest, size, target.stat().st_size


def _copy_hashing(src, out) -> tuple[str, int]:
    """Copy the uncompressed bytes from ``src`` to ``out``; their SHA-256 and count."""
    sha, size = hashlib.sha256(), 0
    while chunk := src.read(_COPY_CHUNK):
        sha.update(chunk)
        out.write(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


def current(conn: sqlite3.Connection, directory: Path, store: str) -> Manifest | None:
    """The store's snapshot, if one is built and still fresh enough to pull on from."""
    try:
        data = json.loads(_manifest_path(directory, store).read_text(encoding="utf-8"))
        manifest = Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None
    if not (directory / manifest.file).is_file():
        return None
    for feed, cursor in manifest.cursors.items():
        scopes = tuple(CHAIN if s == "chain" else store for s in FEED_SOURCES[feed][1])
        try:
            after = parse_cursor(cursor)
        except Invalid:
            return None
        if after < horizon(conn, feed, scopes):
            return None   # deletes it missed are forgotten here: pages from "" instead
    return manifest


def file_path(directory: Path, manifest: Manifest, name: str) -> Path:
    """The file ``name`` of ``manifest``; NotFound when it is not the current one."""
    if name != manifest.file:
        raise NotFound(f"snapshot {name!r} is not this store's current one ({manifest.file}); "
                       "ask for the snapshot again")
    return directory / manifest.file
