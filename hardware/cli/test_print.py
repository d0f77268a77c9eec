"""``python -m hardware test-print [--printer SPEC | --db PATH] [printer settings]``.

Prints the test page (:func:`hardware.receipts.testpage.build_test_page`: Cyrillic, the
code page check, a column ruler, an EAN-13 barcode, a QR code and a cut) straight to the
printer, not through the queue, and says what happened: the status before and after,
what was sent, and any warning. Settings given on the command line override the stored
ones, so a technician can try ``--codepage-slot 59`` before saving it with ``configure``.
Exit status 0 when it printed, 1 when the printer refused or could not be reached.
"""
from __future__ import annotations

import argparse
import sys
import time

from hardware import devices
from hardware.cli.configure import add_db, add_printer_options, printer_options
from hardware.printing import PrinterConfig, PrinterError, print_document
from hardware.receipts.testpage import build_test_page


def register(subparsers) -> None:
    parser = subparsers.add_parser("test-print", help="print the printer test page",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db(parser)
    parser.add_argument("--printer", help="printer spec, e.g. network:192.168.1.50:9100 "
                                          "(default: the printer configured in --db)")
    parser.add_argument("--lang", choices=("ru", "en"), default="ru", help="page language")
    add_printer_options(parser)
    parser.set_defaults(run=run)


def printer_from_args(args: argparse.Namespace) -> PrinterConfig:
    """The printer to use: ``--printer`` (with the given settings) or the configured one
    with the given settings over its stored ones."""
    options = printer_options(args)
    if args.printer:
        setting = devices.DeviceSetting("printer", args.printer, options)
    elif args.db:
        conn = devices.open_store(args.db)
        try:
            stored = devices.get_device(conn, "printer")
        finally:
            conn.close()
        if not stored.configured:
            raise devices.DeviceConfigError(
                f"no printer is configured in {args.db}: give --printer SPEC, or "
                f"{devices.HOW_TO.format(kind='printer')}")
        setting = devices.DeviceSetting("printer", stored.spec, {**stored.options, **options})
    else:
        raise devices.DeviceConfigError("which printer? give --printer SPEC or --db PATH")
    return devices.printer_config(setting)


def run(args: argparse.Namespace) -> int:
    try:
        config = printer_from_args(args)
    except devices.DeviceConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"printing the test page on {config.spec} ({config.width_mm} mm, {config.columns} "
          f"columns, code page {config.codepage_mode}"
          f"{'' if config.codepage_mode == 'raster' else f' slot {config.codepage_slot}'})")
    try:
        result = print_document(build_test_page(config, now=int(time.time()), lang=args.lang),
                                config)
    except PrinterError as exc:
        print(f"not printed: {exc}", file=sys.stderr)
        return 1
    print(f"printed: {result.bytes_sent} bytes in {result.seconds:.2f} s; printer "
          f"{result.status_after.detail}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    print("check the page: the Cyrillic lines must read as letters, the ruler must end at "
          "the paper's edge, the barcode and the QR code must scan, and the paper must be cut")
    return 0
