"""Identifiers for records created on a terminal.

Every record made offline gets a time-ordered unique id (UUIDv7, RFC 9562) so two
terminals can never collide and central can de-duplicate retries; records people read
also get a human number ``<store>-<terminal>-<seq>`` from a gapless per-terminal
sequence (see :mod:`retail.store.sequences`).
"""
from __future__ import annotations

import os
import re
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def new_id() -> str:
    """A UUIDv7 string: 48-bit Unix milliseconds, then randomness; monotonic per process.

    Python 3.14 ships ``uuid.uuid7``; until the project moves there this is the same
    layout, with the 12-bit ``rand_a`` field used as a counter within one millisecond
    (RFC 9562 method 1) so ids made in one process also sort in creation order.
    """
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms
            _counter += 1
            if _counter > 0xFFF:
                ms += 1
                _counter = 0
        else:
            _counter = 0
        _last_ms = ms
        counter = _counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def id_time_ms(record_id: str) -> int:
    """The Unix millisecond a UUIDv7 was made at."""
    return uuid.UUID(record_id).int >> 80


_HUMAN = re.compile(r"^(?P<store>[A-Z0-9]{1,12})-(?P<terminal>[A-Z0-9]{1,12})-(?P<seq>\d{6,})$")


def human_number(store: str, terminal: str, seq: int) -> str:
    """``human_number('MSK1', 'P1', 42)`` -> ``'MSK1-P1-000042'``."""
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    return f"{store.upper()}-{terminal.upper()}-{seq:06d}"


def parse_human_number(text: str) -> tuple[str, str, int]:
    """Split a human number back into (store, terminal, seq); ValueError if malformed."""
    m = _HUMAN.match(text.strip().upper())
    if not m:
        raise ValueError(f"not a receipt or order number: {text!r} (expected STORE-TERMINAL-000123)")
    return m["store"], m["terminal"], int(m["seq"])
