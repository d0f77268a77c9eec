"""``python -m sync COMMAND`` / ``vitrina-sync COMMAND``: a thin dispatcher.

Each command is a module in :mod:`sync.commands` with ``register(subparsers)`` that sets
``run``. Exit status: 0 done, 1 the sync failed (central unreachable, a feed rejected),
2 cannot run (not registered, bad arguments), 3 stopped by central (401/403).
"""
from __future__ import annotations

import argparse
import logging
import sys

from .commands import COMMANDS
from .errors import NotRegistered, SyncError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sync",
                                     description="Vitrina sync agent: keeps this terminal's store in step with central.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.run(args)
    except NotRegistered as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (SyncError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
