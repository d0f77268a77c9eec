"""``python -m hardware status [--db PATH] [--json]``: how each configured device is now.

Checks the printer (a status query, not a print), the drawer's path, the scanner's port
and the payment terminal (a ping), each bounded by ``--timeout``. Exit status 0 when no
configured device reports an error, 1 otherwise, 2 for a bad command line; so a script
can check a till before opening. The logic is :func:`hardware.devices.device_status`.
"""
from __future__ import annotations

import argparse
import json
import sys

from hardware import devices
from hardware.cli.configure import _seconds, add_db


def register(subparsers) -> None:
    parser = subparsers.add_parser("status", help="check the configured devices",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db(parser)
    parser.add_argument("--timeout", type=_seconds, default=2.0,
                        help="seconds to wait for each device (default 2)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(run=run)


def format_status(report: list[devices.DeviceStatus]) -> list[str]:
    """One aligned line per device, as the CLI and a technician screen show them."""
    return [f"{s.kind:<8} {s.state:<15} {s.spec:<32} {s.detail}" for s in report]


def run(args: argparse.Namespace) -> int:
    if not args.db:
        print(f"give the terminal's local store with --db PATH (or set ${devices.ENV_DB})",
              file=sys.stderr)
        return 2
    try:
        conn = devices.open_store(args.db)
        try:
            report = devices.device_status(conn, timeout_s=args.timeout)
        finally:
            conn.close()
    except devices.DeviceConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([s.to_dict() for s in report], ensure_ascii=False, indent=2))
    else:
        print("\n".join(format_status(report)))
    return 1 if any(s.state == "error" for s in report) else 0
