"""Numbered schema migrations, recorded in the database they changed.

Each migration is a file ``retail/store/schema/NNNN_name.sql``; the number orders them
and is written to ``schema_migrations`` in the same transaction as the change, so a crash
mid-migration leaves the file at the previous version, never between two.
Migrations are append-only: a released file is never edited, a change is a new file.

The same machinery serves any database of the project: ``migrate(conn, package="central")``
applies ``central/schema/NNNN_name.sql`` (the reference central service's own schema).
"""
from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
TERMINAL_PACKAGE = "retail.store"  # the package whose ``schema/`` folder holds the files


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available(package: str = TERMINAL_PACKAGE) -> list[Migration]:
    """Every migration shipped with this build in ``<package>/schema/``, in order."""
    found = []
    for entry in resources.files(package).joinpath("schema").iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append(Migration(int(m[1]), m[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT"
    )
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(conn: sqlite3.Connection, *, target: int | None = None, package: str | None = None) -> int:
    """Apply every migration newer than the file's version (up to ``target``).

    ``package`` names whose ``schema/`` folder to read; the terminal's store by default.
    """
    version = current_version(conn)
    migrations = available() if package is None else available(package)
    newest = migrations[-1].version if migrations else 0
    if version > newest:
        raise RuntimeError(
            f"this database is at schema version {version}, newer than this build knows "
            f"({newest}); update Vitrina before opening it"
        )
    for mig in migrations:
        if mig.version <= version or (target is not None and mig.version > target):
            continue
        # executescript would COMMIT on its own; run the statements one by one inside
        # our transaction so the change and its record land together.
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(mig.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                (mig.version, mig.name, int(time.time())),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version = mig.version
    return version


def _statements(sql: str) -> list[str]:
    """Split a migration file into statements, using SQLite's own notion of completeness."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        raise RuntimeError(f"incomplete SQL statement at the end of a migration: {buf[:80]!r}")
    return out
