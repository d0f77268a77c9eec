"""The suites there are: every module of :mod:`bench.faults.suites` with a ``SUITE``."""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from . import suites as _pkg
from .core import FaultsError, Suite


def suites() -> tuple[Suite, ...]:
    found = []
    for info in sorted(pkgutil.iter_modules(_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{_pkg.__name__}.{info.name}")
        suite = getattr(module, "SUITE", None)
        if isinstance(suite, Suite):
            found.append(suite)
    return tuple(found)


def select(names: Iterable[str]) -> tuple[Suite, ...]:
    known = suites()
    wanted = {n.strip() for name in names for n in name.split(",") if n.strip()}
    if not wanted:
        return known
    unknown = wanted - {s.name for s in known}
    if unknown:
        raise FaultsError(f"unknown suite {', '.join(sorted(unknown))}; "
                          f"suites are {', '.join(s.name for s in known) or 'none'}")
    return tuple(s for s in known if s.name in wanted)
