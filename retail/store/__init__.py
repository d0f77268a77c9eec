"""The terminal's local SQLite store: connection, transactions, migrations, sequences."""
from .db import StoreError, StoreFull, checkpoint, connect, durable, integrity_ok, transaction

__all__ = ["StoreError", "StoreFull", "checkpoint", "connect", "durable", "integrity_ok", "transaction"]
