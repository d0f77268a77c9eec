"""Printer errors: one base class, a subclass per thing a cashier or technician can fix.

Every message says what happened and what to do, because it is shown on the till as is.
"""
from __future__ import annotations


class PrinterError(Exception):
    """Base of every receipt-printer error; ``status`` is the last status read, if any."""

    def __init__(self, message: str, status: object | None = None) -> None:
        super().__init__(message)
        self.status = status


class PrinterSpecError(PrinterError, ValueError):
    """A printer spec string (``network:HOST:PORT`` ...) that cannot be used."""


class PrinterConfigError(PrinterError, ValueError):
    """A printer configuration value out of range (paper width, columns, slot, pulse)."""


class DocumentError(PrinterError, ValueError):
    """A receipt block that cannot be printed (bad barcode, empty QR, unknown size)."""


class PrinterOffline(PrinterError):
    """The printer cannot be reached or does not answer."""


class PaperOut(PrinterError):
    """The printer has no paper; nothing was printed (or the receipt is incomplete)."""


class CoverOpen(PrinterError):
    """The printer's cover is open."""
