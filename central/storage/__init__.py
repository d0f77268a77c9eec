"""Central's data access: the only package that runs SQL.

Modules by subject - :mod:`.chain` (locations, settings, keys, staff), :mod:`.catalogue`,
:mod:`.stock`, :mod:`.customers`, :mod:`.orders`, :mod:`.sales`, :mod:`.terminals`,
:mod:`.ledger` (events), :mod:`.feeds` (pages) and :mod:`.bulk` (seeding) - over one
SQLite file opened by :mod:`.db`. Writers expect the caller's transaction
(``with transaction(conn):``) so an event's effects and its ledger row commit together.
"""
from .db import Database, connect, read_snapshot, transaction

__all__ = ["Database", "connect", "read_snapshot", "transaction"]
