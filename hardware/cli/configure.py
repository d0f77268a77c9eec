"""``python -m hardware configure --db PATH KIND SPEC [options]``: set this terminal's devices.

    configure --db till.db printer network:192.168.1.50:9100 --width 80 --codepage-slot 59
    configure --db till.db drawer printer --pin 5 --pulse 200
    configure --db till.db drawer serial:/dev/ttyS0:9600 --trigger 07
    configure --db till.db scanner serial:/dev/ttyUSB0:9600 --suffix CR
    configure --db till.db payment tcp:127.0.0.1:8800      (or: emulator)
    configure --db till.db printer none                     (remove it)

Options not given keep their stored values (``--reset`` starts from the defaults). The
setting is checked before it is saved, then the device is checked once (``--no-check``
skips that). The logic is :func:`hardware.devices.configure`; this module only parses.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys

from hardware import devices
from hardware.scanner import ScannerConfig, ScannerError


def _slot(text: str) -> int | None:
    if text.lower() in ("none", "default"):
        return None
    if not text.isdigit() or not 0 <= int(text) <= 255:
        raise argparse.ArgumentTypeError(f"code page slot must be 0-255 or 'none', got {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"seconds must be more than 0, got {text!r}")
    return value


def _int(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return int(text)


def add_db(parser: argparse.ArgumentParser) -> None:
    """``--db PATH``, defaulting to ``$VITRINA_DB``, as the other terminal tools have it."""
    parser.add_argument("--db", default=devices.default_db(),
                        help=f"the terminal's local store (default ${devices.ENV_DB})")


def add_printer_options(parser: argparse.ArgumentParser) -> None:
    """The printer settings a technician can give on the command line."""
    group = parser.add_argument_group("printer settings")
    group.add_argument("--width", dest="width_mm", type=int, choices=(58, 80),
                       help="paper width in mm")
    group.add_argument("--columns", type=int, choices=(32, 42, 48),
                       help="characters per line (58 mm: 32; 80 mm: 48, or 42)")
    group.add_argument("--codepage-slot", type=_slot,
                       help="ESC t slot holding CP866: 17 Epson, 59 many clones, 10 Star, "
                            "'none' to trust the printer's default", default=argparse.SUPPRESS)
    group.add_argument("--codepage-mode", choices=("native", "raster"),
                       help="raster prints text as images (printers without Cyrillic)")
    group.add_argument("--drawer-pin", type=int, choices=(2, 5), help="drawer kick pin")
    group.add_argument("--drawer-pulse", dest="drawer_pulse_ms", type=_int,
                       help="drawer kick pulse in ms (2-510)")
    group.add_argument("--timeout", dest="timeout_s", type=_seconds,
                       help="seconds to wait for the printer (default 3)")
    group.add_argument("--qr", dest="qr_native", choices=("native", "raster"),
                       help="QR codes by the printer (native) or as images (raster)")


def printer_options(args: argparse.Namespace) -> dict:
    """The printer settings given on the command line (only those given)."""
    out = {name: getattr(args, name, None) for name in
           ("width_mm", "columns", "codepage_mode", "drawer_pin", "drawer_pulse_ms", "timeout_s")}
    out = {k: v for k, v in out.items() if v is not None}
    if hasattr(args, "codepage_slot"):
        out["codepage_slot"] = args.codepage_slot
    if getattr(args, "qr_native", None):
        out["qr_native"] = args.qr_native == "native"
    return out


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "configure", help="set the terminal's printer, drawer, scanner or payment terminal",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db(parser)
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind in devices.KINDS:
        sub = kinds.add_parser(kind, help=f"spec: {devices.FORMS[kind]}")
        sub.add_argument("spec", help=devices.FORMS[kind])
        sub.add_argument("--db", default=argparse.SUPPRESS, help="the terminal's local store")
        sub.add_argument("--reset", action="store_true",
                         help="start from the defaults instead of the stored options")
        sub.add_argument("--no-check", action="store_true", help="do not check the device")
        if kind == "printer":
            add_printer_options(sub)
        elif kind == "drawer":
            sub.add_argument("--pin", type=int, choices=(2, 5), help="kick pin (drawer on the printer)")
            sub.add_argument("--pulse", dest="pulse_ms", type=_int,
                             help="pulse in ms, 100-800 (drawer on the printer)")
            sub.add_argument("--trigger", help="hex bytes that open a serial drawer (default 07)")
            sub.add_argument("--timeout", dest="timeout_s", type=_seconds,
                             help="seconds to wait for a serial drawer (default 1)")
        elif kind == "scanner":
            sub.add_argument("--suffix", choices=("CR", "CRLF", "LF", "TAB"), type=str.upper,
                             help="what the scanner sends after each code")
            sub.add_argument("--prefix", help="a fixed prefix the scanner sends before each code")
            sub.add_argument("--encoding", help="text encoding of a serial scanner (default utf-8)")
        else:
            sub.add_argument("--timeout", dest="timeout_s", type=_seconds,
                             help="seconds for connecting and short answers (default 5)")
            sub.add_argument("--decision-timeout", dest="decision_timeout_s", type=_seconds,
                             help="seconds to wait for the customer's card (default 120)")
            sub.add_argument("--recovery", dest="recovery_s", type=_seconds,
                             help="seconds to chase an unknown payment outcome (default 15)")
    parser.set_defaults(run=run)


def _given_options(args: argparse.Namespace) -> dict:
    if args.kind == "printer":
        return printer_options(args)
    names = {"drawer": ("pin", "pulse_ms", "trigger", "timeout_s"),
             "payment": ("timeout_s", "decision_timeout_s", "recovery_s")}.get(args.kind, ())
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _scanner_spec(args: argparse.Namespace) -> str:
    flags = {name: getattr(args, name) for name in ("suffix", "prefix", "encoding")
             if getattr(args, name) is not None}
    if not flags or args.spec.strip().lower() == devices.NONE:
        return args.spec
    try:
        return dataclasses.replace(ScannerConfig.from_spec(args.spec), **flags).to_spec()
    except ScannerError as exc:
        raise devices.DeviceConfigError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    if not args.db:
        print(f"give the terminal's local store with --db PATH (or set ${devices.ENV_DB})",
              file=sys.stderr)
        return 2
    try:
        conn = devices.open_store(args.db, create=True)
    except devices.DeviceConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        stored = devices.get_device(conn, args.kind)
        options = {} if args.reset or not stored.configured else dict(stored.options)
        options.update(_given_options(args))
        spec = _scanner_spec(args) if args.kind == "scanner" else args.spec
        saved = devices.configure(conn, args.kind, spec, options)
        if not saved.configured:
            print(f"{args.kind}: removed (not configured) in {args.db}")
            return 0
        shown = ", ".join(f"{k}={v}" for k, v in sorted(saved.options.items()))
        print(f"{args.kind}: {saved.spec}" + (f" ({shown})" if shown else "") + f" saved in {args.db}")
        if args.no_check:
            return 0
        status = devices.check_device(conn, args.kind)
        print(f"check: {status.state}: {status.detail}")
        return 0
    except devices.DeviceConfigError as exc:
        print(f"{args.kind} not saved: {exc}", file=sys.stderr)
        return 2
    finally:
        conn.close()
