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
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from retail.feeds.apply import apply_page, retry_quarantined
from retail.store import connect as connect_terminal_store
from retail.store.migrations import current_version

from .errors import Invalid, NotFound
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

    def as_json(self) -> dict:
        return asdict(self)


def directory_for(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".snapshots")


def _manifest_path(directory: Path, store: str) -> Path:
    return directory / f"{store}.json"


def build(db_path: str | Path, store: str, *, now: int | None = None, directory: Path | None = None) -> Manifest:
    """Build (or rebuild) ``store``'s snapshot from the database at ``db_path``."""
    started = time.monotonic()
    now = int(time.time()) if now is None else now
    directory = directory or directory_for(db_path)
    directory.mkdir(parents=True, exist_ok=True)
    work = directory / f"{store}.building.db"
    for leftover in (work, work.with_name(work.name + "-wal"), work.with_name(work.name + "-shm")):
        leftover.unlink(missing_ok=True)
    central = connect(db_path, migrate_schema=False)
    try:
        if central.execute("SELECT 1 FROM locations WHERE id = ? AND kind = 'store'", (store,)).fetchone() is None:
            raise NotFound(f"no store {store!r} at central; see python -m central stores")
        term = connect_terminal_store(work)
        try:
            term.execute("PRAGMA synchronous = OFF")   # a crashed build is simply built again
            cursors, rows = {}, {}
            for feed in _BUILT_FROM:
                cursors[feed], rows[feed] = _pull(central, term, store, feed, now)
            for feed in _BUILT_FROM:
                rows[feed] += retry_quarantined(term, feed, terminal_id=_NOT_A_TERMINAL, now=now)
            quarantined = term.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
            schema = current_version(term)
            term.execute("PRAGMA journal_mode = DELETE")   # one self-contained file
        finally:
            term.close()
    finally:
        central.close()
    digest, size, compressed = _compress(work, directory / f"{store}.db.gz.part")
    name = f"{store}-{cursors['inventory']}-{digest[:12]}.db.gz"
    (directory / f"{store}.db.gz.part").replace(directory / name)
    work.unlink()
    manifest = Manifest(store, now, schema, {f: cursors[f] for f in FEEDS}, {f: rows[f] for f in FEEDS},
                        quarantined, name, digest, size, compressed, round(time.monotonic() - started, 1))
    part = _manifest_path(directory, store).with_suffix(".json.part")
    part.write_text(json.dumps(manifest.as_json(), indent=1), encoding="utf-8")
    os.replace(part, _manifest_path(directory, store))
    for old in directory.glob(f"{store}-*.db.gz"):
        if old.name != name:
            old.unlink(missing_ok=True)
    return manifest


def _pull(central: sqlite3.Connection, term: sqlite3.Connection, store: str, feed: str, now: int) -> tuple[str, int]:
    cursor, applied = "", 0
    while True:
        page = read_page(central, feed, store, cursor, MAX_LIMIT)
        result = apply_page(term, feed, page.as_json(now), terminal_id=_NOT_A_TERMINAL, now=now, sent_cursor=cursor)
        applied += result.applied
        cursor = result.next_cursor
        if not result.more:
            return cursor, applied


def _compress(source: Path, target: Path) -> tuple[str, int, int]:
    sha = hashlib.sha256()
    size = 0
    with open(source, "rb") as src, gzip.open(target, "wb", compresslevel=GZIP_LEVEL) as out:
        while chunk := src.read(_COPY_CHUNK):
            sha.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return sha.hexdigest(), size, target.stat().st_size


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
