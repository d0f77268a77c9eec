"""Exponential backoff with jitter, capped: how long to wait after the n-th failure in a row.

"Equal jitter": half of the exponential step is fixed, half random, so a fleet of
terminals that lost central at the same moment does not come back in lock-step, and a
single terminal still waits at least ``base`` seconds. After ``cap`` (5 minutes) the
delay stops growing: a store that was offline all night reconnects within minutes of the
network coming back.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 1.0
    cap: float = 300.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.base <= self.cap:
            raise ValueError(f"backoff needs 0 < base <= cap, got base={self.base} cap={self.cap}")

    def next_delay(self, retry_after: float | None = None) -> float:
        """Record one more failure and return the seconds to wait before the next try.

        A server's ``Retry-After`` is honoured when it asks for longer (up to the cap).
        """
        step = min(self.cap, self.base * 2 ** min(self.failures, 32))
        self.failures += 1
        delay = max(self.base, step / 2 + self.rng.uniform(0, step / 2))
        if retry_after is not None and retry_after > delay:
            delay = min(self.cap, retry_after)
        return delay

    def reset(self) -> None:
        self.failures = 0
