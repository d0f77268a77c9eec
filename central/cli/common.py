"""Helpers shared by the commands: the --db option and opening the database."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..errors import CentralError
from ..storage import connect


def add_db(parser: argparse.ArgumentParser, *, must_exist: bool = True) -> None:
    parser.add_argument("--db", required=True, type=Path, help="central's SQLite database file")
    parser.set_defaults(db_must_exist=must_exist)


def open_db(args: argparse.Namespace):
    if args.db_must_exist and not args.db.exists():
        raise CentralError(f"no database at {args.db}; create one with: python -m central seed --db {args.db}")
    return connect(args.db)


def now() -> int:
    return int(time.time())
