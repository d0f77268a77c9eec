"""``python -m hardware list [--db PATH] [--json]``: what devices this machine has.

Serial ports (scanners, drawers, serial printers, USB-serial adapters), USB printers when
pyusb has a libusb backend to look with (otherwise it says so), and, with ``--db``, the
terminal's configured devices and their status. The logic is :func:`hardware.devices.discover`.
"""
from __future__ import annotations

import argparse
import json
import sys

from hardware import devices
from hardware.cli.configure import add_db
from hardware.cli.status import format_status


def register(subparsers) -> None:
    parser = subparsers.add_parser("list", help="list serial ports, USB printers and configured devices",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db(parser)
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        conn = devices.open_store(args.db) if args.db else None
    except devices.DeviceConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        found = devices.discover(conn)
    finally:
        if conn is not None:
            conn.close()
    if args.json:
        print(json.dumps(dict(found, db=args.db and str(args.db)), ensure_ascii=False, indent=2))
        return 0
    print("Serial ports:")
    for port in found["serial_ports"]:
        print(f"  {port['device']:<20} {port['description']}  {port['hwid']}")
    if not found["serial_ports"]:
        print("  (none)")
    print("USB printers:")
    for printer in found["usb_printers"]:
        print(f"  {printer['spec']:<20} {printer['description']}")
    if not found["usb_printers"]:
        print(f"  {found['usb_note'] or '(none)'}")
    if found["configured"] is None:
        print(f"Configured devices: give --db PATH (or set ${devices.ENV_DB}) to see them")
    else:
        print(f"Configured devices ({args.db}):")
        report = [devices.DeviceStatus(**s) for s in found["configured"]]
        print("\n".join("  " + line for line in format_status(report)))
    return 0
