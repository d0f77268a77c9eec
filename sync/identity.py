"""Which terminal this local store is, and its token.

``python -m sync register`` writes the identity (store, terminal, kind, central URL) into
the store's ``settings`` and the token into a file beside the database (``<db>.token``)
created with 0600 permissions: the token never goes into the database (backups, support
copies), into a log line or into the status the apps show.

A database that already holds another terminal's events cannot change identity: its
outbox sequence numbers belong to that terminal, and central would never accept them
from another one. Registering the same terminal again only replaces the token (a
revoked or rotated token) and lifts a 'bad token' stop.
"""
from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from retail.store import transaction
from retail.store.settings import get, put

from . import state
from retail.feeds.apply import FEED_KINDS, start_resync
from .errors import NotRegistered

KINDS = ("pos", "kiosk")
_ID = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,11}$")
_TOKEN = re.compile(r"^[\x21-\x7e]{8,512}$")


class RegistrationError(ValueError):
    """The registration cannot be done as asked; the message says what to fix."""


@dataclass(frozen=True)
class Identity:
    store_id: str
    terminal_id: str
    kind: str
    central_url: str
    token: str

    def __repr__(self) -> str:  # never print the token
        return (f"Identity(store_id={self.store_id!r}, terminal_id={self.terminal_id!r}, kind={self.kind!r}, "
                f"central_url={self.central_url!r}, token='***')")


def token_path(db_path: str | Path) -> Path:
    return Path(str(db_path) + ".token")


def write_token(db_path: str | Path, token: str) -> Path:
    """Write the token file atomically with 0600 permissions (never readable by others)."""
    path = token_path(db_path)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, token.encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def read_token(db_path: str | Path) -> str:
    path = token_path(db_path)
    try:
        token = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise NotRegistered(f"no token file {path}: run `python -m sync register` first") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NotRegistered(f"cannot read the token file {path}: {exc}") from None
    if not token:
        raise NotRegistered(f"the token file {path} is empty: run `python -m sync register` again")
    return token


def check(central: str, store: str, terminal: str, token: str, kind: str) -> tuple[str, str, str, str, str]:
    central = (central or "").strip().rstrip("/")
    if not re.match(r"^https?://[^\s/]+", central):
        raise RegistrationError(f"central URL must look like http://host:port, got {central!r}")
    store, terminal = (store or "").strip().upper(), (terminal or "").strip().upper()
    if not _ID.match(store):
        raise RegistrationError(f"store id must be 1-12 letters, digits, '-' or '_', got {store!r}")
    if not _ID.match(terminal):
        raise RegistrationError(f"terminal id must be 1-12 letters, digits, '-' or '_', got {terminal!r}")
    if kind not in KINDS:
        raise RegistrationError(f"terminal kind must be pos or kiosk, got {kind!r}")
    token = (token or "").strip()
    if not _TOKEN.match(token):
        raise RegistrationError("the token must be 8-512 printable characters without spaces "
                                "(as printed by `python -m central terminal add`)")
    return central, store, terminal, token, kind


def register(conn: sqlite3.Connection, db_path: str | Path, *, central: str, store: str, terminal: str,
             token: str, kind: str = "pos", now: int) -> Identity:
    central, store, terminal, token, kind = check(central, store, terminal, token, kind)
    old_store, old_terminal = get(conn, "store_id"), get(conn, "terminal_id")
    moved = (old_store, old_terminal) != (store, terminal) and old_store is not None
    if moved:
        events = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        if events:
            raise RegistrationError(
                f"this database holds {events} events of terminal {old_terminal} of store {old_store}; they "
                f"belong to that terminal, so it cannot become {terminal} of {store}. Use a new database file.")
    write_token(db_path, token)
    with transaction(conn):
        put(conn, "store_id", store)
        put(conn, "terminal_id", terminal)
        put(conn, "terminal_kind", kind)
        put(conn, "central_url", central)
    if moved:
        # Another store's reference data: fetch every feed again and drop what it lacks.
        for feed in FEED_KINDS:
            start_resync(conn, feed, now)
    state.clear_stopped(conn)
    return Identity(store, terminal, kind, central, token)


def load(conn: sqlite3.Connection, db_path: str | Path) -> Identity:
    store, terminal = get(conn, "store_id"), get(conn, "terminal_id")
    central = get(conn, "central_url")
    if not store or not terminal or not central:
        raise NotRegistered("this terminal is not registered: run `python -m sync register --central URL "
                            "--store STORE --terminal ID --token TOKEN --db PATH` first")
    return Identity(store, terminal, get(conn, "terminal_kind") or "pos", central, read_token(db_path))
