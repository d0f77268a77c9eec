"""``python -m hardware emulate-scanner [--suffix CR|CRLF|TAB] [--aim]``: a serial scanner.

Opens a pseudo-terminal, prints its device path (give it to the POS as
``serial:/dev/pts/N``), then sends every line typed or piped on stdin as one scan; write
``<GS>`` for the GS1 separator.
"""
from __future__ import annotations

import argparse

from hardware.emulator import serial_scanner


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "emulate-scanner", help="run a serial barcode scanner emulator on a pseudo-terminal",
        description=__doc__.split("\n\n")[1], formatter_class=argparse.RawTextHelpFormatter)
    serial_scanner.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return serial_scanner.run(args)
