"""``python -m hardware emulate-payment --port N``: a card terminal emulator on loopback.

For trying the POS without a real terminal: every payment gets the chosen behaviour
(approve, decline, timeout, drop, decline_after_delay). The protocol is documented in
hardware/payment/protocol.py.
"""
from __future__ import annotations

import argparse

from hardware.emulator import payment_terminal


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "emulate-payment", help="run a card payment terminal emulator on loopback TCP",
        description=__doc__.split("\n\n")[1], formatter_class=argparse.RawTextHelpFormatter)
    payment_terminal.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    payment_terminal.serve(args.host, args.port, behaviour=args.behaviour, delay_s=args.delay)
    return 0
