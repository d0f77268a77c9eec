"""Print a receipt and know whether it printed: status before, send, status after.

:func:`print_document` is what a POS worker thread calls. It opens the printer, refuses to
print when the status says offline, no paper or cover open (so a sale's receipt is not
silently lost; the caller keeps it for a reprint), sends the document and reads the status
again: paper that ran out mid-receipt is reported as :class:`PaperOut`, so the receipt is
not counted as printed. Each step waits at most ``config.timeout_s`` (a device file, which
has no write timeout of its own, is written from a worker thread bounded the same way).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from escpos.exceptions import Error as EscposError

from .backends import close_printer, open_printer
from .config import PrinterConfig
from .document import Document
from .errors import CoverOpen, DocumentError, PaperOut, PrinterError, PrinterOffline
from .render import render
from .status import PrinterStatus, query_status


@dataclass(frozen=True)
class PrintResult:
    """What happened. ``verified`` is False when the connection cannot report status."""
    status_before: PrinterStatus
    status_after: PrinterStatus
    bytes_sent: int
    seconds: float
    warnings: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        return self.status_after.can_print


def raise_for_status(status: PrinterStatus, config: PrinterConfig, after: bool = False) -> None:
    """Raise the :class:`PrinterError` subclass a cashier can act on, or return."""
    where = f"the receipt printer ({config.spec})"
    again = "; the receipt may be incomplete, reprint it" if after else "; then print again"
    if status.state == "paper_out":
        raise PaperOut(f"{where} is out of paper: load a new roll and close the cover{again}",
                       status)
    if status.state == "cover_open":
        raise CoverOpen(f"{where} has its cover open: close it{again}", status)
    if status.state == "offline":
        raise PrinterOffline(f"{where} is not answering ({status.detail}): check that it is on, "
                             f"connected and shows no error light{again}", status)


def _render_bounded(document: Document, printer, config: PrinterConfig) -> bool:
    """Render in a worker thread; False if it did not finish within the timeout.

    Device files (``file:/dev/usb/lp0``) have no write timeout: the kernel's lp driver
    blocks while the printer is off. The worker is left behind, blocked in the kernel,
    rather than the till; the caller must not touch the printer object afterwards.
    """
    failure: list[BaseException] = []
    abandoned = threading.Event()

    def work() -> None:
        try:
            render(document, printer, config)
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)
        if abandoned.is_set():  # the caller gave up on us: release the device ourselves
            close_printer(printer)

    worker = threading.Thread(target=work, name="receipt-file-write", daemon=True)
    worker.start()
    worker.join(config.timeout_s)
    if worker.is_alive():
        abandoned.set()
        return False
    if failure:
        raise failure[0]
    return True


class _Counter:
    """Counts the bytes python-escpos sends, by wrapping the printer's one primitive."""

    def __init__(self, printer) -> None:
        self.sent = 0
        raw = printer._raw

        def counting_raw(msg: bytes) -> None:
            raw(msg)
            self.sent += len(msg)

        printer._raw = counting_raw


def print_document(document: Document, config: PrinterConfig) -> PrintResult:
    """Print ``document`` on the printer ``config`` describes; raise a PrinterError if not.

    Raises :class:`PrinterOffline`, :class:`PaperOut`, :class:`CoverOpen` (before printing,
    nothing was sent; after printing, the receipt may be incomplete) and
    :class:`DocumentError` for a block that cannot print (nothing was sent).
    """
    if not isinstance(document, Document):
        raise DocumentError(f"expected a Document, got {type(document).__name__}")
    started = time.monotonic()
    warnings: list[str] = []
    printer = open_printer(config)
    abandoned = False
    try:
        before = query_status(printer, config.timeout_s)
        raise_for_status(before, config)
        if before.state == "paper_near_end":
            warnings.append("the paper roll is nearly used up: have a new one ready")
        elif before.state == "unknown":
            warnings.append(f"printer status is unknown: {before.detail}")
        counter = _Counter(printer)
        try:
            if config.spec.kind == "file":
                abandoned = not _render_bounded(document, printer, config)
                if abandoned:
                    raise PrinterOffline(
                        f"the receipt printer ({config.spec}) did not accept data within "
                        f"{config.timeout_s:g} s: check that it is on and has paper, then "
                        "reprint the receipt")
            else:
                render(document, printer, config)
        except (DocumentError, PrinterError):
            raise
        except (OSError, EscposError) as exc:
            raise PrinterOffline(f"the connection to the receipt printer ({config.spec}) "
                                 f"failed while printing: {exc}; the receipt may be incomplete, "
                                 "reprint it") from exc
        after = query_status(printer, config.timeout_s)
        raise_for_status(after, config, after=True)
        if after.state == "paper_near_end" and before.state != "paper_near_end":
            warnings.append("the paper roll is nearly used up: have a new one ready")
        return PrintResult(before, after, counter.sent, time.monotonic() - started,
                           tuple(warnings))
    finally:
        if not abandoned:
            close_printer(printer)
