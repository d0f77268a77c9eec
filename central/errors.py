"""Central's exception types; each message is written for the person who has to act on it.

The API maps them to HTTP statuses (``Invalid`` 422, ``NotFound`` 404, ``Conflict`` 409,
``Gone`` 410); the CLI prints the message and exits non-zero.
"""
from __future__ import annotations


class CentralError(RuntimeError):
    """Central cannot do what was asked."""


class Invalid(CentralError, ValueError):
    """The input is wrong: a field missing, a bad type, an unknown reference."""


class NotFound(CentralError, LookupError):
    """No such store, terminal, order, product..."""


class Conflict(CentralError):
    """The request contradicts what central already holds (a reused id, too much returned)."""


class Gone(CentralError):
    """A feed cursor older than the tombstone horizon (or from another database)."""
