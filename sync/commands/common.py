"""What the commands share: the ``--db`` option and opening the local store."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from retail.store import StoreError, connect

from ..errors import NotRegistered

ENV_DB = "VITRINA_DB"


def add_db(parser: argparse.ArgumentParser) -> None:
    default = os.environ.get(ENV_DB)
    parser.add_argument("--db", type=Path, default=Path(default) if default else None, required=default is None,
                        help=f"the terminal's local store (SQLite file); default ${ENV_DB}")


def open_store(path: Path, *, must_exist: bool = True):
    if must_exist and not path.exists():
        raise NotRegistered(f"no local store at {path}: run `python -m sync register --db {path} ...` first")
    try:
        return connect(path)
    except (StoreError, OSError) as exc:
        raise NotRegistered(f"cannot open the local store {path}: {exc}") from None
