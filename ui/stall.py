"""Measure how long the Kivy main thread goes without getting to run.

A clock tick is scheduled every frame; the longest gap between two ticks beyond the frame
interval is the longest stall a user would have felt. The benchmarks and GUI tests read
``max_stall_ms`` while the sync agent runs a full sync.
"""
from __future__ import annotations

import time

from kivy.clock import Clock


class StallMeter:
    def __init__(self, interval: float = 1 / 60) -> None:
        self.interval = interval
        self.max_stall_ms = 0.0
        self.ticks = 0
        self._last = None
        self._event = None

    def start(self) -> "StallMeter":
        self._last = time.perf_counter()
        self._event = Clock.schedule_interval(self._tick, self.interval)
        return self

    def stop(self) -> float:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        return self.max_stall_ms

    def reset(self) -> None:
        self.max_stall_ms, self.ticks, self._last = 0.0, 0, time.perf_counter()

    def _tick(self, _dt: float) -> None:
        now = time.perf_counter()
        gap_ms = (now - self._last) * 1000.0
        self._last = now
        self.ticks += 1
        if self.ticks > 2:  # the first frames include window set-up
            self.max_stall_ms = max(self.max_stall_ms, gap_ms)
