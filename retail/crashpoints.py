"""Named crash points: the fault suites' way to SIGKILL a process at an exact place.

A fault suite starts a process (the sync agent, a till) with ``VITRINA_CRASH_AT`` set to
``<point>`` or ``<point>:<n>``; the process kills itself with SIGKILL the ``n``-th time
(default first) it passes :func:`reach` with that name. No cleanup runs, nothing is
flushed: exactly a power cut at that line. Without the variable :func:`reach` is one
comparison, so the points stay in production code (the code the suites break is the
code that runs in shops).

The points (grep ``crashpoints.reach``):

* ``apply.page``        - a feed page written, its transaction not yet committed
* ``snapshot.download`` - a chunk of the store's snapshot kept in its part file, not yet unpacked
* ``snapshot.feed``     - a feed's tables copied from the store's snapshot, not yet committed
* ``push.sending``      - a batch read from the outbox, the request not yet sent
* ``push.answered``     - central committed the batch and answered; nothing recorded yet
* ``push.recording``    - the acknowledgements written, their transaction not committed
* ``sale.writing``      - a sale written, its transaction not yet committed
* ``sale.committed``    - the sale committed, its receipt not yet queued
* ``print.sending``     - a receipt job marked printing, bytes not yet sent to the printer
* ``print.sent``        - the receipt printed, the job not yet marked printed
"""
from __future__ import annotations

import os
import signal

ENV_VAR = "VITRINA_CRASH_AT"
POINTS = ("apply.page", "snapshot.download", "snapshot.feed", "push.sending", "push.answered", "push.recording", "sale.writing",
          "sale.committed", "print.sending", "print.sent")


class CrashPointError(ValueError):
    """``VITRINA_CRASH_AT`` names no known point or has a bad count."""


def parse(spec: str) -> tuple[str, int]:
    """``"push.answered:3"`` -> ("push.answered", 3); a bare name means the first time."""
    name, _, count = spec.strip().partition(":")
    if name not in POINTS:
        raise CrashPointError(f"{ENV_VAR}={spec!r}: unknown crash point {name!r}; known: {', '.join(POINTS)}")
    if not count:
        return name, 1
    if not (count.isascii() and count.isdigit()) or not 1 <= int(count) <= 1_000_000:
        raise CrashPointError(f"{ENV_VAR}={spec!r}: the count after ':' is a whole number from 1")
    return name, int(count)


_armed: tuple[str, int] | None = parse(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else None
_seen = 0


def reach(name: str) -> None:
    """Pass the point ``name``; SIGKILL this process if it is the armed one's n-th pass."""
    global _seen
    if _armed is None or _armed[0] != name:
        return
    _seen += 1
    if _seen >= _armed[1]:
        os.kill(os.getpid(), signal.SIGKILL)
