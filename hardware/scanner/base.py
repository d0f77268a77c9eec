"""The one interface every scanner transport offers the apps.

A scanner delivers :class:`~hardware.scanner.framing.ScanEvent` objects to a callback.
Serial and camera scanners call it from their own worker thread, so a Kivy app wraps the
callback to hop onto its UI thread (``Clock.schedule_once`` / ``@mainthread``); the
keyboard wedge calls it from whichever thread feeds it keys.
"""
from __future__ import annotations

import abc
import logging
from typing import Callable, Iterable

from hardware.scanner.framing import ScanEvent

ScanCallback = Callable[[ScanEvent], None]
log = logging.getLogger("hardware.scanner")


class Scanner(abc.ABC):
    """A source of scans: ``start(on_scan)`` begins delivering, ``stop()`` ends promptly."""

    source: str

    @abc.abstractmethod
    def start(self, on_scan: ScanCallback) -> None:
        """Begin delivering scans to ``on_scan``."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop delivering; returns once no further callback will run."""


def deliver(on_scan: ScanCallback | None, events: Iterable[ScanEvent]) -> None:
    """Hand events to the app; an exception in the app's callback never kills a reader."""
    if on_scan is None:
        return
    for event in events:
        try:
            on_scan(event)
        except Exception:  # the app's bug must not stop the scanner
            log.exception("scan callback failed for a scan from %s", event.source)
