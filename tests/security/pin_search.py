"""Finding a staff PIN in text that also holds ids, timestamps and amounts.

A PIN is four digits standing alone: not inside a longer number (a timestamp, an amount in
kopecks) and not inside an id. Ids are UUIDv7, random hex: one may hold "2222" between
hex letters or hyphens, which is no PIN, so they are masked before the search.
"""
from __future__ import annotations

import re

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def pin_in(text: str, pin: str) -> str:
    """The PIN with up to 60 characters either side where it stands in ``text``, or ``""``."""
    masked = UUID.sub("<id>", text)
    found = re.search(rf"(?<![0-9A-Za-z]){re.escape(pin)}(?![0-9A-Za-z])", masked)
    return masked[max(0, found.start() - 60):found.end() + 60] if found else ""
