"""The terminal's local SQLite store: connection, transactions, migrations, sequences."""
from .db import StoreError, StoreFull, connect, durable, integrity_ok, transaction

__all__ = ["StoreError", "StoreFull", "connect", "durable", "integrity_ok", "transaction"]
