"""The store's HMAC keys for signed codes (pickup, receipt, basket hand-off).

Keys arrive in the settings feed with a key id (kid). New codes are signed with the
newest key in force; verification accepts every key not retired, so codes printed before
a rotation still work until they expire.
"""
from __future__ import annotations

import sqlite3

from .codes import signed


class NoSigningKey(RuntimeError):
    """This terminal has not received its store's signing key yet."""


def signing_key(conn: sqlite3.Connection, now: int) -> tuple[str, bytes]:
    row = conn.execute(
        "SELECT kid, secret FROM signing_keys WHERE valid_from <= ? AND retired_at IS NULL "
        "ORDER BY valid_from DESC, kid DESC LIMIT 1",
        (now,),
    ).fetchone()
    if row is None:
        raise NoSigningKey("no signing key for this store yet: let the terminal sync once with central")
    return row[0], bytes(row[1])


def verification_keys(conn: sqlite3.Connection) -> dict[str, bytes]:
    return {kid: bytes(secret) for kid, secret in
            conn.execute("SELECT kid, secret FROM signing_keys WHERE retired_at IS NULL")}


def sign(conn: sqlite3.Connection, kind: str, payload: dict, now: int, ttl_s: int) -> str:
    kid, key = signing_key(conn, now)
    return signed.sign(kind, payload, key, kid, now + ttl_s)


def verify(conn: sqlite3.Connection, code: str, now: int, expect_kind: str | None = None):
    """Verify a scanned code offline; raises ``retail.codes.signed.SignatureError``."""
    return signed.verify(code, verification_keys(conn), now, expect_kind=expect_kind)


def put_key(conn: sqlite3.Connection, kid: str, secret: bytes, valid_from: int = 0,
            retired_at: int | None = None) -> None:
    conn.execute(
        "INSERT INTO signing_keys(kid, secret, valid_from, retired_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(kid) DO UPDATE SET secret = excluded.secret, valid_from = excluded.valid_from, "
        "retired_at = excluded.retired_at",
        (kid, secret, valid_from, retired_at),
    )
