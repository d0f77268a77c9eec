"""Ask the printer how it is, and never mistake silence for "OK".

python-escpos' ``paper_status()`` returns 2 ("paper adequate") when the printer sends
nothing back, and its reads use the connection's long timeout. :func:`query_status` sends
the real-time queries ``DLE EOT 1`` (printer), ``DLE EOT 2`` (offline cause) and
``DLE EOT 4`` (paper sensor) itself and waits for each reply against one deadline. No reply
means ``offline`` on a connection that can carry replies and ``unknown`` on one that cannot
(a device file, CUPS, the dummy printer): never ``online``.

Replies follow Epson's ESC/POS reference: bits 1 and 4 of every byte are 1 and bits 0 and
7 are 0, which we use to tell a status byte from stray data.
"""
from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from escpos import printer as escpos_printer
from escpos.escpos import Escpos

STATES = ("online", "paper_near_end", "paper_out", "cover_open", "offline", "unknown")
_QUERY = {1: b"\x10\x04\x01", 2: b"\x10\x04\x02", 4: b"\x10\x04\x04"}


@dataclass(frozen=True)
class PrinterStatus:
    """``state`` is one of :data:`STATES`; ``detail`` says it in words for the technician."""
    state: str
    detail: str
    raw: bytes = b""

    @property
    def can_print(self) -> bool:
        return self.state in ("online", "paper_near_end")


class _SocketChannel:
    """Status replies over TCP (network printers)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.saved = sock.gettimeout()

    def drain(self) -> None:
        self.sock.setblocking(False)
        try:
            while self.sock.recv(256):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            self.sock.settimeout(self.saved)

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_byte(self, deadline: float) -> int | None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1)
        except socket.timeout:
            return None
        if not data:
            raise ConnectionError("the printer closed the connection")
        return data[0]

    def restore(self) -> None:
        self.sock.settimeout(self.saved)


class _SerialChannel:
    """Status replies over a serial port."""

    def __init__(self, port) -> None:
        self.port = port
        self.saved = port.timeout

    def drain(self) -> None:
        self.port.reset_input_buffer()

    def write(self, data: bytes) -> None:
        self.port.write(data)
        self.port.flush()

    def read_byte(self, deadline: float) -> int | None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        self.port.timeout = remaining
        data = self.port.read(1)
        return data[0] if data else None

    def restore(self) -> None:
        self.port.timeout = self.saved


class _UsbChannel:
    """Status replies from the USB bulk-in endpoint."""

    def __init__(self, printer) -> None:
        self.printer = printer
        self.pending = bytearray()

    def _read(self, timeout_ms: int) -> bytes:
        import usb.core  # pyusb is only needed when a USB printer is configured
        try:
            return bytes(self.printer.device.read(self.printer.in_ep, 16, timeout=timeout_ms))
        except usb.core.USBTimeoutError:
            return b""

    def drain(self) -> None:
        self.pending.clear()
        while self._read(1):
            pass

    def write(self, data: bytes) -> None:
        self.printer.device.write(self.printer.out_ep, data, self.printer.timeout)

    def read_byte(self, deadline: float) -> int | None:
        if not self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.pending += self._read(max(1, int(remaining * 1000)))
        if not self.pending:
            return None
        return self.pending.pop(0)


def _channel(printer: Escpos) -> _SocketChannel | _SerialChannel | _UsbChannel | None:
    if isinstance(printer, escpos_printer.Network):
        return _SocketChannel(printer.device)
    if isinstance(printer, escpos_printer.Serial):
        return _SerialChannel(printer.device)
    if isinstance(printer, escpos_printer.Usb):
        return _UsbChannel(printer)
    return None


def _valid(byte: int) -> bool:
    return byte & 0x93 == 0x12


def interpret(printer_byte: int, cause_byte: int | None, paper_byte: int | None) -> PrinterStatus:
    """Turn DLE EOT 1/2/4 reply bytes into a status (None: that reply did not come)."""
    raw = bytes(b for b in (printer_byte, cause_byte, paper_byte) if b is not None)
    offline = bool(printer_byte & 0x08)
    cover = cause_byte is not None and bool(cause_byte & 0x04)
    paper_end = (paper_byte is not None and bool(paper_byte & 0x60)) or \
                (cause_byte is not None and bool(cause_byte & 0x20))
    near_end = paper_byte is not None and bool(paper_byte & 0x0C)
    if cover:
        return PrinterStatus("cover_open", "the printer cover is open", raw)
    if paper_end:
        return PrinterStatus("paper_out", "the printer is out of paper", raw)
    if offline:
        if cause_byte is not None and cause_byte & 0x40:
            return PrinterStatus("offline", "the printer reports an error (cutter jam or "
                                            "overheating); switch it off and on", raw)
        return PrinterStatus("offline", "the printer says it is offline", raw)
    if near_end:
        return PrinterStatus("paper_near_end", "the paper roll is nearly used up", raw)
    if paper_byte is None:
        return PrinterStatus("online", "the printer is online (paper sensor did not answer)", raw)
    return PrinterStatus("online", "the printer is online", raw)


def query_status(printer: Escpos, timeout: float = 2.0) -> PrinterStatus:
    """Send DLE EOT 1, 2 and 4 and read the replies within ``timeout`` seconds in total."""
    try:
        channel = _channel(printer)
    except Exception as exc:  # opening the connection failed inside python-escpos
        return PrinterStatus("offline", f"cannot connect to the printer: {exc}")
    if channel is None:
        return PrinterStatus("unknown", f"a {type(printer).__name__} printer connection cannot "
                                        "report status; whether it printed is not known")
    deadline = time.monotonic() + timeout
    replies: dict[int, int | None] = {}
    try:
        channel.drain()
        for n in (1, 2, 4):
            channel.write(_QUERY[n])
            byte = channel.read_byte(deadline)
            if byte is not None and not _valid(byte):
                return PrinterStatus("unknown", f"unexpected reply 0x{byte:02x} to a status "
                                                "query; is this an ESC/POS printer?", bytes([byte]))
            replies[n] = byte
            if n == 1 and byte is None:
                return PrinterStatus("offline", f"the printer did not answer a status query "
                                                f"within {timeout:g} s")
    except Exception as exc:  # socket, serial and USB libraries each raise their own types
        return PrinterStatus("offline", f"the connection to the printer failed: {exc}")
    finally:
        try:
            channel.restore()
        except OSError:
            pass
    return interpret(replies[1], replies.get(2), replies.get(4))
