"""Asking central one question now, for a till: a web order by its number.

A return of a web or app order needs the order as central knows it (lines, what came back
already), so the till asks online with the terminal's own identity and token. It must
fail fast when central is away, because a cashier and a customer are waiting: the
connect timeout is short and the whole call is bounded. Errors are the agent's types
(:mod:`sync.errors`) with messages a cashier can act on; an unknown number is
:class:`OrderNotFound`.
"""
from __future__ import annotations

from pathlib import Path

from retail.store import connect

from . import identity
from .client import CentralClient
from .errors import ProtocolError, SyncError, TransportError

TIMEOUT_S = (2.0, 4.0)   # (connect, read): the customer is standing at the till


class OrderNotFound(SyncError):
    """Central has no order with that number."""


def order(db_path: str | Path, number: str, *, central_url: str | None = None,
          timeout: tuple[float, float] = TIMEOUT_S) -> dict:
    """The chain's order ``number`` in the orders feed's shape, asked of central now.

    ``central_url`` overrides the registered URL (``run_pos.py --central``).
    """
    number = (number or "").strip().upper()
    if not number:
        raise OrderNotFound("type the order number")
    conn = connect(db_path, migrate_schema=False)
    try:
        ident = identity.load(conn, db_path)
    finally:
        conn.close()
    client = CentralClient(central_url or ident.central_url, ident.store_id, ident.terminal_id, ident.token,
                           timeout=timeout)
    try:
        return client.order(number)
    except TransportError as exc:
        raise TransportError(f"central cannot be reached now, so web orders cannot be looked up; "
                             f"try again when the till is online ({exc})") from None
    except ProtocolError as exc:
        if exc.status == 404:
            raise OrderNotFound(f"central has no order {number}; check the number in the confirmation") from None
        raise
    finally:
        client.close()
