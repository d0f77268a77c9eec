"""Terminals and channel tokens: who may call central, and as whom.

A token is ``vt_`` and 32 random bytes (URL-safe base64), shown once when it is made; central
keeps only its SHA-256, so a copy of the database does not hand out working tokens. Each
terminal also carries ``acked_through``: the highest N such that central holds a final
answer for all of its events 1..N (the ``included`` figure of every feed page).
"""
from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

from ..errors import Conflict, NotFound


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


TOKEN_PREFIX = "vt_"


def new_token() -> str:
    """A new token. The prefix names it for secret scanners, and keeps it from starting with "-"
    (URL-safe base64 may, one token in 64), which a command line would take for an option:
    ``--token -Xy…`` fails where a technician pastes it."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """Who a valid token belongs to: a terminal of a store, or a sales channel."""

    kind: str  # 'terminal' or 'channel'
    store_id: str | None = None
    terminal_id: str | None = None
    terminal_kind: str | None = None
    channel: str | None = None


def add_terminal(conn: sqlite3.Connection, store_id: str, terminal_id: str, kind: str, now: int) -> str:
    """Register a terminal; returns its token (the only time it is visible)."""
    old = conn.execute("SELECT revoked_at FROM terminals WHERE store_id = ? AND terminal_id = ?",
                       (store_id, terminal_id)).fetchone()
    if old is not None and old[0] is None:
        raise Conflict(f"terminal {terminal_id} of {store_id} already exists; revoke it first to issue a new token")
    token = new_token()
    if old is None:
        conn.execute("INSERT INTO terminals(store_id, terminal_id, kind, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                     (store_id, terminal_id, kind, token_hash(token), now))
    else:  # re-issued after revocation: keeps its event history and acked_through
        conn.execute("UPDATE terminals SET kind = ?, token_hash = ?, created_at = ?, revoked_at = NULL "
                     "WHERE store_id = ? AND terminal_id = ?", (kind, token_hash(token), now, store_id, terminal_id))
    return token


def revoke_terminal(conn: sqlite3.Connection, store_id: str, terminal_id: str, now: int) -> None:
    changed = conn.execute("UPDATE terminals SET revoked_at = ? WHERE store_id = ? AND terminal_id = ? "
                           "AND revoked_at IS NULL", (now, store_id, terminal_id)).rowcount
    if not changed:
        raise NotFound(f"no active terminal {terminal_id} in store {store_id}")


def terminals(conn: sqlite3.Connection, store_id: str | None = None) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT store_id, terminal_id, kind, created_at, revoked_at, acked_through FROM terminals "
        "WHERE ? IS NULL OR store_id = ? ORDER BY store_id, terminal_id", (store_id, store_id)).fetchall()


def add_channel_token(conn: sqlite3.Connection, channel: str, label: str, now: int) -> str:
    token = new_token()
    conn.execute("INSERT INTO channel_tokens(token_hash, channel, label, created_at) VALUES (?, ?, ?, ?)",
                 (token_hash(token), channel, label, now))
    return token


def revoke_channel_tokens(conn: sqlite3.Connection, channel: str, label: str, now: int) -> int:
    return conn.execute("UPDATE channel_tokens SET revoked_at = ? WHERE channel = ? AND label = ? "
                        "AND revoked_at IS NULL", (now, channel, label)).rowcount


def authenticate(conn: sqlite3.Connection, token: str) -> Principal | None:
    """The principal of a live token, or None (unknown or revoked)."""
    digest = token_hash(token)
    row = conn.execute("SELECT store_id, terminal_id, kind FROM terminals WHERE token_hash = ? AND revoked_at IS NULL",
                       (digest,)).fetchone()
    if row is not None:
        return Principal("terminal", store_id=row[0], terminal_id=row[1], terminal_kind=row[2])
    row = conn.execute("SELECT channel FROM channel_tokens WHERE token_hash = ? AND revoked_at IS NULL",
                       (digest,)).fetchone()
    return Principal("channel", channel=row[0]) if row is not None else None


def included(conn: sqlite3.Connection, store_id: str) -> dict[str, int]:
    """``{terminal: acked_through}`` for every terminal of the store."""
    return dict(conn.execute("SELECT terminal_id, acked_through FROM terminals WHERE store_id = ? ORDER BY terminal_id",
                             (store_id,)).fetchall())
