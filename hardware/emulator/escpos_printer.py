"""A network ESC/POS receipt printer on loopback TCP, for tests and for technicians.

It listens like a real Ethernet thermal printer (raw port 9100), decodes what it receives
(:mod:`.escpos_decoder`), prints it onto emulated paper (:mod:`.paper`) and answers the
status queries (``DLE EOT n``, ``GS r n``) from its state, which tests and technicians change
with :meth:`EscposPrinterEmulator.set_state`:

* paper ``ok`` / ``near_end`` / ``out`` and cover open: like a real printer, it stops
  printing while the paper is out or the cover is open; what is sent then is discarded
  and kept in :attr:`~EscposPrinterEmulator.lost_jobs`, and status says why.
* ``online=False``: a hung printer. It still accepts TCP connections (the network card is
  alive) but never answers a query and prints nothing; this is the case python-escpos'
  ``paper_status()`` wrongly reports as "paper OK".
* :meth:`~EscposPrinterEmulator.paper_out_after`: the roll ends after a given number of
  further bytes, so a fault suite can run the paper out at a chosen point mid-receipt
  (deterministic, unlike flipping the state from a timer).
* :meth:`~EscposPrinterEmulator.garble_status`: every status query is answered with the
  given bytes instead of the real status (a clone with a broken firmware, line noise);
  printing itself still works.

Like a real printer it serves one connection at a time and keeps its modes (code page,
styles) between connections until ``ESC @``. A job ends at a cut, or when the connection
closes after something was printed; each job is kept in :attr:`jobs` and, with an output
directory, written as ``<n>.txt`` (text with markers) and ``<n>.png`` (the paper).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping

from .escpos_decoder import (Cut, DrawerKick, EscPosDecoder, Event, StatusQuery,
                             codepage_slots)
from .paper import Job, PaperBuilder

log = logging.getLogger(__name__)

PAPER_STATES = ("ok", "near_end", "out")


@dataclass(frozen=True)
class PrinterState:
    """What the printer's sensors say."""
    paper: str = "ok"
    cover_open: bool = False
    online: bool = True

    def __post_init__(self) -> None:
        if self.paper not in PAPER_STATES:
            raise ValueError(f"paper state must be one of {', '.join(PAPER_STATES)}, "
                             f"got {self.paper!r}")

    @property
    def can_print(self) -> bool:
        return self.online and self.paper != "out" and not self.cover_open

    def describe(self) -> str:
        if not self.online:
            return "offline (accepts connections, never answers)"
        parts = [f"paper {self.paper}", "cover open" if self.cover_open else "cover closed"]
        return ", ".join(parts)


_COMMANDS = {
    "paper ok": {"paper": "ok"}, "paper out": {"paper": "out"},
    "paper near_end": {"paper": "near_end"}, "paper near-end": {"paper": "near_end"},
    "paper near end": {"paper": "near_end"}, "paper low": {"paper": "near_end"},
    "cover open": {"cover_open": True}, "cover closed": {"cover_open": False},
    "cover close": {"cover_open": False},
    "offline": {"online": False}, "online": {"online": True},
    "ok": {"paper": "ok", "cover_open": False, "online": True},
}
STATE_COMMANDS = ("paper ok", "paper near_end", "paper out", "cover open", "cover closed",
                  "offline", "online", "ok")


def parse_state_command(line: str) -> dict:
    """``'paper out'`` -> ``{'paper': 'out'}``; ValueError naming the valid commands."""
    words = " ".join(str(line).lower().split())
    if words in _COMMANDS:
        return dict(_COMMANDS[words])
    raise ValueError(f"unknown printer state command {line!r}; use one of: "
                     + ", ".join(STATE_COMMANDS))


_PRINTER_INFO = {65: b"1.00 EMU", 66: b"Vitrina", 67: b"ESC/POS emulator", 68: b"EMU-0001"}


def status_reply(state: PrinterState, command: str, n: int) -> bytes | None:
    """The bytes an Epson TM printer answers to a status query; None = no answer."""
    if not state.online:
        return None
    out = state.paper == "out"
    near = state.paper in ("near_end", "out")  # the near-end sensor sees no paper either
    stopped = out or state.cover_open
    if command == "DLE EOT":
        # Bits 1 and 4 are always 1, bits 0 and 7 always 0 (0x12).
        if n == 1:
            return bytes([0x12 | (0x08 if stopped else 0)])
        if n == 2:
            return bytes([0x12 | (0x04 if state.cover_open else 0) | (0x20 if out else 0)])
        if n == 3:
            return b"\x12"
        if n == 4:
            return bytes([0x12 | (0x0C if near else 0) | (0x60 if out else 0)])
        return None
    if command in ("GS r", "ESC v"):
        if n in (0, 1, 49):
            return bytes([(0x03 if near else 0) | (0x0C if out else 0)])
        if n in (2, 50, 4, 52):
            return b"\x00"
        return None
    if command == "ESC u":
        return b"\x00"
    if command == "GS I":
        if n in (1, 49):
            return b"\x20"
        if n in (2, 50):
            return b"\x02"
        if n in (3, 51):
            return b"\x00"
        if n in _PRINTER_INFO:
            return b"_" + _PRINTER_INFO[n] + b"\x00"
    return None


class EscposPrinterEmulator:
    """The emulated printer. ``start()``/``stop()`` or use it as a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9100,
                 out_dir: str | os.PathLike | None = None, cp866_slot: int = 17,
                 codepages: Mapping[int, str] | None = None, default_slot: int = 0,
                 width_dots: int = 576, paper: str = "ok", cover_open: bool = False,
                 online: bool = True, idle_timeout: float = 60.0,
                 on_job: Callable[[Job], None] | None = None) -> None:
        self.host = host
        self._requested_port = port
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.codepages = dict(codepages) if codepages is not None else codepage_slots(cp866_slot)
        self.default_slot = default_slot
        self.width_dots = width_dots
        self.idle_timeout = idle_timeout
        self.on_job = on_job
        self._state = PrinterState(paper, cover_open, online)
        self._decoder = EscPosDecoder(self._on_event, self.codepages, default_slot)
        self.jobs: list[Job] = []
        self.lost_jobs: list[Job] = []
        self.connections = 0
        self.bytes_received = 0
        self.bytes_discarded_offline = 0
        self.status_queries = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._conn: socket.socket | None = None
        self._page: PaperBuilder | None = None
        self._lost_page: PaperBuilder | None = None
        self._lost_reason = ""
        self._paper_left: int | None = None
        self._garbage: bytes | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> "EscposPrinterEmulator":
        if self._thread is not None:
            raise RuntimeError("the printer emulator is already running")
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError as exc:
            sock.close()
            raise OSError(f"printer emulator cannot listen on {self.host}:"
                          f"{self._requested_port}: {exc.strerror or exc}") from exc
        sock.listen(64)
        sock.settimeout(0.05)
        self._sock = sock
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="escpos-printer-emulator",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> "EscposPrinterEmulator":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        if self._sock is None:
            raise RuntimeError("the printer emulator is not running; call start() first")
        return self._sock.getsockname()[:2]

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def spec(self) -> str:
        """The printer spec our driver uses to reach this emulator."""
        host, port = self.address
        return f"network:{host}:{port}"

    # -- state -------------------------------------------------------------------------

    @property
    def state(self) -> PrinterState:
        with self._lock:
            return self._state

    def set_state(self, paper: str | None = None, cover_open: bool | None = None,
                  online: bool | None = None) -> PrinterState:
        """Change what the sensors say; takes effect for the next byte received."""
        changes = {k: v for k, v in (("paper", paper), ("cover_open", cover_open),
                                     ("online", online)) if v is not None}
        with self._lock:
            self._state = replace(self._state, **changes)
            return self._state

    def paper_out_after(self, n_bytes: int | None) -> None:
        """Run out of paper after ``n_bytes`` more bytes are received (None: the roll is long)."""
        if n_bytes is not None and (isinstance(n_bytes, bool) or not isinstance(n_bytes, int) or n_bytes < 0):
            raise ValueError(f"paper_out_after takes a byte count >= 0 or None, got {n_bytes!r}")
        with self._lock:
            self._paper_left = n_bytes

    def garble_status(self, reply: bytes | None) -> None:
        """Answer every status query with ``reply`` instead of the real status (None: stop)."""
        if reply is not None and (not isinstance(reply, (bytes, bytearray)) or not reply):
            raise ValueError(f"garble_status takes non-empty bytes or None, got {reply!r}")
        with self._lock:
            self._garbage = bytes(reply) if reply is not None else None

    def apply_command(self, line: str) -> PrinterState:
        """Apply a technician's command such as ``'paper out'`` (see :data:`STATE_COMMANDS`)."""
        return self.set_state(**parse_state_command(line))

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[Job]:
        """Block until ``count`` jobs were printed (or lost, counting both); return printed."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.jobs) + len(self.lost_jobs) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"expected {count} jobs, the printer has "
                                       f"{len(self.jobs)} printed and {len(self.lost_jobs)} lost")
                self._changed.wait(remaining)
            return list(self.jobs)

    # -- serving -----------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                time.sleep(0.05)
                continue
            try:
                self._handle(conn)
            except Exception:  # one bad connection must not take the printer down
                log.exception("printer emulator: error while handling a connection")
            finally:
                self._conn = None
                try:
                    conn.close()
                except OSError:
                    pass

    def _handle(self, conn: socket.socket) -> None:
        with self._lock:
            self.connections += 1
        conn.settimeout(0.05)
        self._conn = conn
        last_data = time.monotonic()
        while not self._stop.is_set():
            try:
                data = conn.recv(65536)
            except socket.timeout:
                if time.monotonic() - last_data > self.idle_timeout:
                    log.info("printer emulator: closing idle connection")
                    break
                continue
            except OSError:
                break
            if not data:
                break
            last_data = time.monotonic()
            with self._lock:
                self.bytes_received += len(data)
                online = self._state.online
                if not online:
                    self.bytes_discarded_offline += len(data)
            if online:
                self._feed(data)
        self._decoder.close()
        self._finish_page()
        self._finish_lost()

    def _feed(self, data: bytes) -> None:
        """Decode ``data``; if the roll ends inside it, the rest meets a printer out of paper."""
        with self._lock:
            left = self._paper_left
            if left is not None and left < len(data):
                self._paper_left = None
            elif left is not None:
                self._paper_left = left - len(data)
        if left is None or left >= len(data):
            self._decoder.feed(data)
            return
        if left:
            self._decoder.feed(data[:left])
        self.set_state(paper="out")
        self._decoder.feed(data[left:])

    def _on_event(self, event: Event) -> None:
        state = self.state
        if isinstance(event, StatusQuery):
            with self._lock:
                self.status_queries += 1
                garbage = self._garbage
            reply = status_reply(state, event.command, event.n) if garbage is None or not state.online else garbage
            if reply is not None and self._conn is not None:
                try:
                    self._conn.sendall(reply)
                except OSError:
                    log.info("printer emulator: client went away before the status reply")
            return
        realtime_kick = isinstance(event, DrawerKick) and event.realtime
        if state.can_print or realtime_kick:  # real-time commands run even with paper out
            if self._page is None:
                self._page = PaperBuilder(self.width_dots)
            self._page.add(event)
            if isinstance(event, Cut):
                self._finish_page()
        else:
            reason = "cover open" if state.cover_open else "paper out"
            if self._lost_page is None:
                self._lost_page = PaperBuilder(self.width_dots)
                self._lost_reason = reason
            self._lost_page.add(event)
            if isinstance(event, Cut):
                self._finish_lost()

    def _finish_page(self) -> None:
        page, self._page = self._page, None
        if page is None or not page.has_content:
            return
        with self._lock:
            number = len(self.jobs) + 1
        job = page.finish(number)
        if self.out_dir is not None:
            self._write(job)
        with self._changed:
            self.jobs.append(job)
            self._changed.notify_all()
        log.info("printer emulator: job %d printed", number)
        if self.on_job is not None:
            self.on_job(job)

    def _finish_lost(self) -> None:
        page, self._lost_page = self._lost_page, None
        if page is None or not page.has_content:
            return
        job = page.finish(0)
        job.lost, job.lost_reason = True, self._lost_reason
        with self._changed:
            self.lost_jobs.append(job)
            self._changed.notify_all()
        log.warning("printer emulator: a job was lost (%s)", job.lost_reason)

    def _write(self, job: Job) -> None:
        """PNG first, then text, each via rename: when ``<n>.txt`` exists, both are whole."""
        assert self.out_dir is not None
        png = self.out_dir / f"{job.number}.png"
        txt = self.out_dir / f"{job.number}.txt"
        tmp_png = png.with_suffix(".png.tmp")
        job.image.save(tmp_png, format="PNG")
        os.replace(tmp_png, png)
        tmp_txt = txt.with_suffix(".txt.tmp")
        tmp_txt.write_text(job.text, encoding="utf-8")
        os.replace(tmp_txt, txt)
