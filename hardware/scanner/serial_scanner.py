"""Serial (RS-232 / USB-CDC) barcode scanners read through pyserial in a worker thread.

The worker survives what real scanners and cables do: garbage bytes (they become a scan
that classifies as unrecognised), codes split across reads (framing buffers until the
suffix), a code without its suffix (handed out once the line has been idle), and a port
that disappears when a USB scanner is unplugged (the worker reports it and reopens the
same path every ``reconnect_s`` until it is back). Reads time out every ``timeout``
seconds and are cancelled on stop, so :meth:`SerialScanner.stop` returns promptly.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Optional

import serial

from hardware.scanner.base import ScanCallback, Scanner, deliver, log
from hardware.scanner.framing import FrameAssembler, Framing, ScannerError, Suffix

StatusCallback = Callable[[str], None]


class SerialScanner(Scanner):
    """A scanner on ``port`` (a device path or any pyserial URL such as ``loop://``).

    ``opener``, when given, replaces ``serial.serial_for_url`` for opening the port: for
    transports that need a pre-configured object, and for tests on ``loop://``.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        suffix: Suffix | str = Suffix.CR,
        prefix: str = "",
        timeout: float = 0.05,
        *,
        encoding: str = "utf-8",
        idle_flush_s: float = 0.5,
        reconnect_s: float = 1.0,
        on_status: Optional[StatusCallback] = None,
        opener: Optional[Callable[[], serial.SerialBase]] = None,
    ):
        if not isinstance(baudrate, int) or isinstance(baudrate, bool) or baudrate <= 0:
            raise ScannerError(f"baud rate must be a positive whole number, got {baudrate!r}")
        for name, value in (("timeout", timeout), ("idle_flush_s", idle_flush_s),
                            ("reconnect_s", reconnect_s)):
            if not value > 0:
                raise ScannerError(f"{name} must be a positive number of seconds, got {value!r}")
        self.port = port
        self.baudrate = baudrate
        self.framing = Framing(Suffix.parse(suffix), prefix, encoding)
        self.timeout = timeout
        self.idle_flush_s = idle_flush_s
        self.reconnect_s = reconnect_s
        self.source = f"serial:{port}"
        self.status = "stopped"
        self._on_status = on_status
        self._opener = opener
        self._on_scan: Optional[ScanCallback] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._serial: Optional[serial.SerialBase] = None
        self._connected = threading.Event()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        """Block until the port is open (for tests and diagnostics); False on timeout."""
        return self._connected.wait(timeout)

    def start(self, on_scan: ScanCallback) -> None:
        if self._thread is not None:
            raise ScannerError(f"scanner {self.source} is already running")
        self._on_scan = on_scan
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner {self.source}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        ser = self._serial
        if ser is not None and hasattr(ser, "cancel_read"):
            try:
                ser.cancel_read()
            except (OSError, serial.SerialException):
                pass
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._on_scan = None
        self._set_status("stopped")

    # -- worker ------------------------------------------------------------------------

    def _set_status(self, text: str) -> None:
        if text == self.status:
            return
        self.status = text
        log.info("%s: %s", self.source, text)
        if self._on_status is not None:
            try:
                self._on_status(text)
            except Exception:
                log.exception("scanner status callback failed")

    def _open(self) -> serial.SerialBase:
        if self._opener is not None:
            return self._opener()
        return serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=self.timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ser = self._open()
            except (serial.SerialException, OSError, ValueError) as exc:
                self._set_status(f"cannot open {self.port}: {exc}; retrying")
                self._stop.wait(self.reconnect_s)
                continue
            self._serial = ser
            self._connected.set()
            self._set_status("connected")
            try:
                self._read_loop(ser)
            except (serial.SerialException, OSError) as exc:
                self._set_status(f"lost {self.port}: {exc}; reconnecting")
            finally:
                self._connected.clear()
                self._serial = None
                try:
                    ser.close()
                except (serial.SerialException, OSError):
                    pass
            if not self._stop.is_set():
                self._stop.wait(self.reconnect_s)

    def _read_loop(self, ser: serial.SerialBase) -> None:
        # A fresh assembler per connection: half a code from before an unplug is noise.
        assembler = FrameAssembler(self.framing, self.source)
        while not self._stop.is_set():
            data = ser.read(max(1, ser.in_waiting))
            if data:
                events = assembler.feed(data)
            elif (assembler.pending and assembler.last_data_at is not None
                  and time.monotonic() - assembler.last_data_at >= self.idle_flush_s):
                events = assembler.flush()
            else:
                continue
            if not self._stop.is_set():
                deliver(self._on_scan, events)
