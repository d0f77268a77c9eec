"""A one-line progress bar on stderr, for people watching a long sync in a terminal.

Only when stderr is a TTY: under a supervisor or in a log file the bar would be noise, so
:func:`for_stream` returns None there and the agent reports progress only to the status
row. Redrawn at most ten times a second.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last = 0.0
        self._label = ""

    def __call__(self, label: str, done: int, estimated: int) -> None:
        now = time.monotonic()
        finished = done >= estimated
        if not finished and now - self._last < 0.1 and label == self._label:
            return
        if label != self._label and self._label:
            self.stream.write("\n")
        self._last, self._label = now, label
        fraction = 1.0 if estimated <= 0 else min(1.0, done / estimated)
        filled = int(WIDTH * fraction)
        bar = "#" * filled + "-" * (WIDTH - filled)
        self.stream.write(f"\r{label:<11} [{bar}] {done:>9,}/{estimated:,} {fraction:4.0%}")
        self.stream.flush()

    def close(self) -> None:
        if self._label:
            self.stream.write("\n")
            self.stream.flush()
            self._label = ""


def for_stream(stream: TextIO = sys.stderr) -> ProgressBar | None:
    try:
        return ProgressBar(stream) if stream.isatty() else None
    except (AttributeError, ValueError):
        return None
