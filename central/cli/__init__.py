"""Central's command line: one module per command, each with ``register(subparsers)``.

``main(argv)`` returns the exit status: 0 done, 1 done with rejected rows (import) or a
refused request, 2 could not run (bad arguments, missing file, unknown store). Errors
are printed as one line a person can act on, never as a traceback.
"""
from __future__ import annotations

import argparse
import logging
import sys

from ..errors import CentralError
from . import channel, import_cmd, seed, serve, snapshot, stores, terminal, web_order

COMMANDS = (serve, seed, stores, terminal, channel, import_cmd, web_order, snapshot)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m central",
                                     description="Vitrina central: the reference HQ service terminals sync with.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.run(args)
    except CentralError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
