"""The hidden technician gesture: several taps in one corner within a few seconds.

A kiosk must offer shoppers no way out to the desktop, yet a technician needs one. Five
taps in the bottom-left corner within three seconds open a PIN pad; only a technician's
PIN gets further (see ``KioskServices.technician``). A shopper who brushes the corner
once or twice, or taps it slowly, opens nothing. Pure logic, so it is tested without a
window; the app feeds it the touch times.
"""
from __future__ import annotations

from collections import deque

TAPS = 5
WINDOW_S = 3.0


class CornerTaps:
    """Counts taps; :meth:`tap` returns True on the tap that completes the gesture."""

    def __init__(self, taps: int = TAPS, window_s: float = WINDOW_S) -> None:
        if taps < 2:
            raise ValueError(f"the gesture needs at least 2 taps, got {taps}")
        if not window_s > 0:
            raise ValueError(f"the gesture window must be a positive number of seconds, got {window_s!r}")
        self.taps = taps
        self.window_s = window_s
        self._times: deque[float] = deque(maxlen=taps)

    def tap(self, at: float) -> bool:
        if self._times and at < self._times[-1]:
            self._times.clear()  # the clock went backwards: start counting again
        self._times.append(at)
        if len(self._times) == self.taps and self._times[-1] - self._times[0] <= self.window_s:
            self._times.clear()
            return True
        return False

    def reset(self) -> None:
        self._times.clear()
