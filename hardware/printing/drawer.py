"""Open the cash drawer even when the printer cannot print.

The drawer hangs off the printer's kick connector. ``ESC p`` (a :class:`DrawerKick` block
in a receipt) goes through the print buffer, so a printer that stopped for lack of paper
or an open cover never executes it — and the cashier cannot give change. ``DLE DC4 1 m t``
is a real-time command: the printer runs it on arrival, even while stopped. A no-sale or
a cash sale with no paper uses :func:`open_drawer`.
"""
from __future__ import annotations

from .backends import close_printer, open_printer
from .config import PrinterConfig
from .errors import DocumentError, PrinterOffline
from .service import raise_for_status
from .status import PrinterStatus, query_status


def realtime_pulse(pin: int, pulse_ms: int) -> bytes:
    """``DLE DC4 1 m t``: pulse pin 2 (m=0) or 5 (m=1) for t x 100 ms (t is 1-8)."""
    if pin not in (2, 5):
        raise DocumentError(f"cash drawer pin must be 2 or 5, got {pin!r}")
    units = max(1, min(8, round(pulse_ms / 100)))
    return b"\x10\x14\x01" + bytes([0 if pin == 2 else 1, units])


def open_drawer(config: PrinterConfig, pin: int | None = None,
                pulse_ms: int | None = None) -> PrinterStatus:
    """Kick the drawer now; returns the printer status read before the kick.

    Raises :class:`PrinterOffline` when the printer does not answer (a kick sent to a dead
    connection would be lost without a word). Paper out and cover open do not stop it.
    """
    pulse = realtime_pulse(pin or config.drawer_pin, pulse_ms or config.drawer_pulse_ms)
    printer = open_printer(config)
    try:
        status = query_status(printer, config.timeout_s)
        if status.state == "offline":
            raise_for_status(status, config)
        try:
            printer._raw(pulse)
        except OSError as exc:
            raise PrinterOffline(f"the receipt printer ({config.spec}) connection failed while "
                                 f"opening the drawer: {exc}") from exc
        return status
    finally:
        close_printer(printer)
