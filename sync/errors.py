"""What can go wrong while syncing, as exception types the agent and the CLI tell apart.

The split decides what the agent does next: a :class:`TransportError` (central or the
network is down, slow or failing) changes nothing locally and is retried with backoff;
an :class:`AuthError` (401/403) stops the agent with a status a technician can act on,
instead of hammering central with a token it refuses; a :class:`CursorGone` (410)
restarts one feed from the beginning; a :class:`ProtocolError` means central answered
something this agent cannot use.
"""
from __future__ import annotations


class SyncError(RuntimeError):
    """Base of every sync failure; the message is meant for a manager or technician."""


class NotRegistered(SyncError):
    """The local store has no terminal identity or token yet."""


class TransportError(SyncError):
    """Central could not be reached or failed (timeout, reset, 5xx): retry later, change nothing."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ServerError(TransportError):
    """Central answered 500 (or another 5xx that is not an outage): possibly caused by the request."""


class TooLarge(SyncError):
    """Central refused the request body as too large (413): send fewer events at once."""


class AuthError(SyncError):
    """Central refused the token (401) or what it was used for (403); the agent stops."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status

    @property
    def reason(self) -> str:
        """The short stopped_reason for the status row ('bad token' / 'forbidden')."""
        return "bad token" if self.status == 401 else "forbidden"


class CursorGone(SyncError):
    """410 Gone: the feed cursor is older than central's tombstones; start the feed from ""."""


class ProtocolError(SyncError):
    """Central's answer cannot be used (bad JSON, a 4xx other than auth, a malformed page)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
