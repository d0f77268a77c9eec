"""``python -m hardware emulate-printer``: run the ESC/POS printer emulator for a technician.

It listens on TCP like a network receipt printer, writes every job to ``--out`` as
``<n>.txt`` and ``<n>.png``, and takes state changes while it runs, typed on stdin or
written to the control file ``<out>/state`` by another process:

    paper out | paper near_end | paper ok | cover open | cover closed | offline | online

Typing ``status`` shows the state, ``quit`` (or Ctrl-C, or SIGTERM) stops it.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from hardware.emulator.escpos_printer import STATE_COMMANDS, EscposPrinterEmulator
from hardware.emulator.paper import Job

_PAPER_DOTS = {58: 384, 80: 576}
_START_STATES = ("ok", "near_end", "out", "offline", "cover_open")


def _slot(text: str) -> int:
    try:
        slot = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"code page slot must be a number 0-255, got {text!r}")
    if not 0 <= slot <= 255:
        raise argparse.ArgumentTypeError(f"code page slot must be 0-255, got {slot}")
    return slot


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number 0-65535, got {text!r}")
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535 (0 picks a free one), got {port}")
    return port


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "emulate-printer", help="run an ESC/POS network printer emulator",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=9100,
                        help="TCP port (default 9100; 0 picks a free port)")
    parser.add_argument("--out", type=Path, required=True,
                        help="directory for printed jobs and the 'state' control file")
    parser.add_argument("--codepage-slot", type=_slot, default=17,
                        help="ESC t slot holding CP866: 17 Epson (default), 59 clones, 10 Star")
    parser.add_argument("--state", choices=_START_STATES, default="ok", help="state at start")
    parser.add_argument("--paper-mm", type=int, choices=sorted(_PAPER_DOTS), default=80,
                        help="paper width (default 80)")
    parser.set_defaults(run=run)


def _say(text: str) -> None:
    print(text, flush=True)


def _describe(job: Job) -> str:
    extras = []
    if job.qr_payloads:
        extras.append(f"{len(job.qr_payloads)} QR")
    if job.barcodes:
        extras.append(f"{len(job.barcodes)} barcode(s)")
    if job.cuts:
        extras.append(f"cut {job.cuts[-1]}")
    if job.drawer_kicks:
        extras.append("drawer kick")
    if job.unknown:
        extras.append(f"{len(job.unknown)} unknown command(s)")
    detail = f" ({', '.join(extras)})" if extras else ""
    return f"job {job.number}: {len(job.lines)} text line(s){detail}"


class _ControlFile:
    """Applies the commands in ``<out>/state`` whenever its content changes."""

    def __init__(self, path: Path, emulator: EscposPrinterEmulator) -> None:
        self.path = path
        self.emulator = emulator
        self.seen = self._read()  # a file left from an earlier run is not replayed

    def _read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def poll(self) -> None:
        content = self._read()
        if content is None or content == self.seen:
            return
        self.seen = content
        for number, line in enumerate(content.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                state = self.emulator.apply_command(line)
            except ValueError as exc:
                print(f"{self.path} line {number}: {exc}", file=sys.stderr, flush=True)
            else:
                _say(f"state (from {self.path.name}): {state.describe()}")


def _read_stdin(emulator: EscposPrinterEmulator, stop: threading.Event) -> None:
    for raw in sys.stdin:
        line = raw.strip()
        if not line:
            continue
        if line.lower() in ("quit", "exit", "stop"):
            stop.set()
            return
        if line.lower() in ("status", "state"):
            _say(f"state: {emulator.state.describe()}; {len(emulator.jobs)} job(s) printed, "
                 f"{len(emulator.lost_jobs)} lost")
            continue
        if line.lower() in ("help", "?"):
            _say("commands: " + ", ".join(STATE_COMMANDS) + ", status, quit")
            continue
        try:
            state = emulator.apply_command(line)
        except ValueError as exc:
            print(exc, file=sys.stderr, flush=True)
        else:
            _say(f"state: {state.describe()}")


def run(args: argparse.Namespace) -> int:
    start = {"ok": {}, "near_end": {"paper": "near_end"}, "out": {"paper": "out"},
             "offline": {"online": False}, "cover_open": {"cover_open": True}}[args.state]
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"cannot use {args.out} for printed jobs: {exc.strerror or exc}", file=sys.stderr)
        return 1
    emulator = EscposPrinterEmulator(
        host=args.host, port=args.port, out_dir=args.out, cp866_slot=args.codepage_slot,
        width_dots=_PAPER_DOTS[args.paper_mm],
        on_job=lambda job: _say(f"{_describe(job)} -> {args.out / f'{job.number}.txt'}"))
    emulator.set_state(**start)
    try:
        emulator.start()
    except OSError as exc:
        print(exc, file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, lambda *_: stop.set())
    host, port = emulator.address
    _say(f"ESC/POS printer emulator listening on {host}:{port} "
         f"(CP866 in slot {args.codepage_slot}, {args.paper_mm} mm); jobs go to {args.out}")
    _say(f"state: {emulator.state.describe()}")
    _say(f"change it by typing or writing to {args.out / 'state'}: "
         + ", ".join(STATE_COMMANDS) + "; 'quit' stops")
    control = _ControlFile(args.out / "state", emulator)
    threading.Thread(target=_read_stdin, args=(emulator, stop), daemon=True,
                     name="emulate-printer-stdin").start()
    try:
        while not stop.wait(0.2):
            control.poll()
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _say(f"stopped after {len(emulator.jobs)} job(s)")
    return 0
