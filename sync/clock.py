"""Clock offset between this terminal and central, from ``server_time`` and the Date header.

Every answer of central carries ``server_time`` (integer seconds) and a ``Date`` header.
The server read its clock somewhere between our send and our receive, so the best guess
of its clock at our midpoint is ``server_time + 0.5`` (it truncates to whole seconds)
and the offset is that minus our midpoint. The uncertainty is half the round trip plus
half a second; of the recent samples the one with the shortest round trip is the most
precise, so that one is reported. Receipts and order times are stamped with the local
clock, so a large offset is worth a warning on the manager's console.
"""
from __future__ import annotations

import email.utils
from collections import deque
from dataclasses import dataclass

SKEW_WARNING_S = 120.0


@dataclass(frozen=True)
class Sample:
    offset_s: float      # central minus local, seconds
    round_trip_s: float


def parse_http_date(value: str | None) -> float | None:
    """Seconds since the epoch from an RFC 7231 ``Date`` header, None if absent or garbled."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def sample(sent_at: float, received_at: float, server_time: float | None, date_header: str | None) -> Sample | None:
    """One measurement from a response, or None when it carries no usable server time."""
    server = server_time if isinstance(server_time, (int, float)) and not isinstance(server_time, bool) else None
    if server is None:
        server = parse_http_date(date_header)
    if server is None:
        return None
    rtt = max(0.0, received_at - sent_at)
    midpoint = sent_at + rtt / 2
    return Sample(round(server + 0.5 - midpoint, 3), rtt)


class ClockTracker:
    """Keeps the last few samples and reports the offset of the most precise one."""

    def __init__(self, keep: int = 8) -> None:
        self._samples: deque[Sample] = deque(maxlen=keep)

    def add(self, s: Sample | None) -> None:
        if s is not None:
            self._samples.append(s)

    @property
    def offset_s(self) -> float | None:
        if not self._samples:
            return None
        return min(self._samples, key=lambda s: s.round_trip_s).offset_s

    def skewed(self, limit: float = SKEW_WARNING_S) -> bool:
        off = self.offset_s
        return off is not None and abs(off) > limit
