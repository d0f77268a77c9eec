"""The chain-wide change counter, tombstones and the tombstone horizon.

Every write to a row a feed serves takes the next number of one counter (``clock``) and
stores it in the row's ``version`` column; a delete leaves a tombstone with its own
number. Because one writer at a time holds SQLite's write lock and numbers are taken
inside the writing transaction, a reader's snapshot never sees version v without every
version below it: a cursor "last version delivered" is exact.

Tombstones live for :data:`TOMBSTONE_TTL_S` (90 days); :func:`purge_tombstones` drops
older ones and raises the horizon of their feed, so a terminal whose cursor is older than
the horizon (it might have missed a delete) is told to start that feed again.
"""
from __future__ import annotations

import sqlite3

TOMBSTONE_TTL_S = 90 * 86400
CHAIN = ""  # the scope of chain-wide rows


def next_versions(conn: sqlite3.Connection, n: int = 1) -> int:
    """Take ``n`` consecutive versions in the caller's transaction; returns the first."""
    if n < 1:
        raise ValueError("take at least one version")
    if not conn.in_transaction:
        raise RuntimeError("versions must be taken inside the writing transaction")
    last = conn.execute("UPDATE clock SET version = version + ? WHERE id = 1 RETURNING version", (n,)).fetchone()[0]
    return last - n + 1


def next_version(conn: sqlite3.Connection) -> int:
    return next_versions(conn, 1)


def current(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT version FROM clock WHERE id = 1").fetchone()[0]


def tombstone(conn: sqlite3.Connection, feed: str, scope: str, key: str, at: int) -> int:
    """Record that ``key`` left ``feed`` (for ``scope``); returns the tombstone's version."""
    version = next_version(conn)
    conn.execute(
        "INSERT INTO tombstones(feed, scope, key, version, at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(feed, scope, key) DO UPDATE SET version = excluded.version, at = excluded.at",
        (feed, scope, key, version, at),
    )
    return version


def revive(conn: sqlite3.Connection, feed: str, scope: str, key: str) -> None:
    """A deleted key is written again: its tombstone goes, so a page holds the key once."""
    conn.execute("DELETE FROM tombstones WHERE feed = ? AND scope = ? AND key = ?", (feed, scope, key))


def revive_many(conn: sqlite3.Connection, feed: str, items: list[tuple[str, str]]) -> None:
    """:func:`revive` for many ``(scope, key)`` pairs (bulk imports)."""
    conn.executemany(
        "DELETE FROM tombstones WHERE feed = ? AND scope = ? AND key = ?",
        [(feed, scope, key) for scope, key in items],
    )


def horizon(conn: sqlite3.Connection, feed: str, scopes: tuple[str, ...]) -> int:
    """The highest version of a purged tombstone among ``scopes`` of ``feed`` (0 if none)."""
    best = 0
    for scope in scopes:
        row = conn.execute(
            "SELECT version FROM tombstone_horizon WHERE feed = ? AND scope = ?", (feed, scope)
        ).fetchone()
        if row and row[0] > best:
            best = row[0]
    return best


def purge_tombstones(conn: sqlite3.Connection, now: int, ttl_s: int = TOMBSTONE_TTL_S) -> int:
    """Drop tombstones older than ``ttl_s``; returns how many. Run in a transaction."""
    cutoff = now - ttl_s
    groups = conn.execute(
        "SELECT feed, scope, MAX(version) FROM tombstones WHERE at < ? GROUP BY feed, scope", (cutoff,)
    ).fetchall()
    for feed, scope, version in groups:
        conn.execute(
            "INSERT INTO tombstone_horizon(feed, scope, version) VALUES (?, ?, ?) "
            "ON CONFLICT(feed, scope) DO UPDATE SET version = MAX(version, excluded.version)",
            (feed, scope, version),
        )
    return conn.execute("DELETE FROM tombstones WHERE at < ?", (cutoff,)).rowcount


def next_sequence(conn: sqlite3.Connection, name: str) -> int:
    """A gapless named counter (web order numbers), taken in the caller's transaction."""
    return conn.execute(
        "INSERT INTO sequences(name, value) VALUES (?, 1) "
        "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
        (name,),
    ).fetchone()[0]
