"""``python -m hardware scan-test [--scanner SPEC | --db PATH] [--count N] [--timeout S]``.

Starts the scanner and prints every scan with its symbology and what it means
(:func:`hardware.devices.describe_scan`) until Ctrl-C, ``--count`` scans, or ``--timeout``
seconds without a scan. A keyboard-wedge scanner is read from this terminal's keyboard
(scan into this window); loyalty card numbers are masked and signed codes shortened.
Exit status 0 when it ended by Ctrl-C or after ``--count`` scans, 1 on a timeout or a
scanner that could not be opened, 2 for a bad command line.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import queue
import select
import sys
import termios
import threading
import time
import tty

from hardware import devices
from hardware.cli.configure import _int, _seconds, add_db
from hardware.scanner import KeyboardWedge, ScannerConfig, ScannerError, SerialScanner

_KEY_NAMES = {"\r": "enter", "\n": "enter", "\t": "tab"}


def register(subparsers) -> None:
    parser = subparsers.add_parser("scan-test", help="show what the scanner reads",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db(parser)
    parser.add_argument("--scanner", help="scanner spec, e.g. serial:/dev/ttyUSB0:9600;suffix=CR "
                                          "or wedge (default: the scanner configured in --db)")
    parser.add_argument("--count", type=_int, help="stop after this many scans")
    parser.add_argument("--timeout", type=_seconds, help="stop after this many seconds without a scan")
    parser.set_defaults(run=run)


def scanner_from_args(args: argparse.Namespace) -> ScannerConfig:
    if args.scanner:
        return devices.scanner_config(devices.DeviceSetting("scanner", args.scanner))
    if args.db:
        conn = devices.open_store(args.db)
        try:
            config = devices.scanner_config(conn)
        finally:
            conn.close()
        if config is None:
            raise devices.DeviceConfigError(f"no scanner is configured in {args.db}: give "
                                            f"--scanner SPEC, or {devices.HOW_TO.format(kind='scanner')}")
        return config
    raise devices.DeviceConfigError("which scanner? give --scanner SPEC or --db PATH")


@contextlib.contextmanager
def _keyboard(fd: int):
    """cbreak mode on a terminal (each key arrives at once, no echo); nothing on a pipe."""
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _read_keys(wedge: KeyboardWedge, stop: threading.Event, ended: threading.Event) -> None:
    """Feed this terminal's keys to the wedge with their arrival times."""
    fd = sys.stdin.fileno()
    while not stop.is_set():
        ready, _, _ = select.select([fd], [], [], wedge.max_gap_s)
        if not ready:
            wedge.poll(time.monotonic())
            continue
        data = os.read(fd, 256)
        if not data:
            wedge.poll(time.monotonic() + 1)
            ended.set()
            return
        now = time.monotonic()
        for char in data.decode("utf-8", errors="replace"):
            wedge.feed(_KEY_NAMES.get(char, char), now)


def run(args: argparse.Namespace) -> int:
    try:
        config = scanner_from_args(args)
        if config.kind == "camera":
            raise devices.DeviceConfigError("a camera scanner is tested on the kiosk's camera "
                                            "screen; this command reads serial and wedge scanners")
        scanner = config.build()
    except (devices.DeviceConfigError, ScannerError) as exc:
        print(exc, file=sys.stderr)
        return 2
    scans: queue.Queue = queue.Queue()
    stop, input_ended = threading.Event(), threading.Event()
    scanner.start(scans.put)
    count = 0
    try:
        with _keyboard(sys.stdin.fileno()) if isinstance(scanner, KeyboardWedge) else contextlib.nullcontext():
            if isinstance(scanner, KeyboardWedge):
                threading.Thread(target=_read_keys, args=(scanner, stop, input_ended),
                                 daemon=True, name="scan-test keys").start()
            elif isinstance(scanner, SerialScanner) and not scanner.wait_connected(2.0):
                print(f"cannot open the scanner: {scanner.status}", file=sys.stderr)
                return 1
            print(f"scanner {config.to_spec()} ready: scan codes now (Ctrl-C to stop)", flush=True)
            last = time.monotonic()
            while args.count is None or count < args.count:
                try:
                    event = scans.get(timeout=0.1)
                except queue.Empty:
                    if args.timeout is not None and time.monotonic() - last > args.timeout:
                        print(f"no scan within {args.timeout:g} s; {count} scan(s) read",
                              file=sys.stderr)
                        return 1
                    if input_ended.is_set() and scans.empty():
                        break
                    continue
                count += 1
                last = time.monotonic()
                print(f"{count:>3}. {devices.describe_scan(event).line()}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        scanner.stop()
    print(f"{count} scan(s) read")
    return 0
