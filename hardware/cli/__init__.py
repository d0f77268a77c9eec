"""Subcommands of ``python -m hardware``: one module per subcommand, each registers itself.

The dispatcher knows no subcommand by name. To add one, create ``hardware/cli/<name>.py``::

    def register(subparsers) -> None:
        parser = subparsers.add_parser("my-command", help="one line for the command list")
        parser.add_argument(...)
        parser.set_defaults(run=run)       # run(args) -> int exit status

Every module in this package whose name does not start with ``_`` is imported and its
``register`` called, in name order. A module that fails to import is reported on stderr
and skipped, so one broken subcommand (a missing optional driver, say) does not take the
technician's other tools down with it.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

PROG = "python -m hardware"


def _subcommand_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(__path__)
                  if not info.name.startswith("_"))


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand module registered."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Vitrina store hardware: printers, scanners, drawer, payment "
                               "terminal, and their emulators.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _subcommand_modules():
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except Exception as exc:  # report and keep the other subcommands usable
            print(f"{PROG}: the '{name}' subcommand is unavailable: {exc}", file=sys.stderr)
            continue
        register = getattr(module, "register", None)
        if callable(register):
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen subcommand; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    return int(run(args) or 0)
