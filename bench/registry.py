"""The figure groups a run can measure, in the order they run.

A group is a small module with a ``GROUP = Group(name, about, run)`` at its end; ``run``
takes the run's :class:`bench.context.Context` and yields :class:`bench.report.Figure`
objects as it measures them. Adding figures (the POS or kiosk apps, say) is one such
module plus one line in :data:`GROUPS`. Groups that change the terminal store in ways
others would notice run late (``sales`` rewrites the store with a full resync), and
``memory`` runs last because it reports the peaks of everything before it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import Context
    from .report import Figure


@dataclass(frozen=True)
class Group:
    name: str
    about: str
    run: Callable[["Context"], Iterable["Figure"]]


def groups() -> tuple[Group, ...]:
    from . import apps, lookup, memory, pricing, sales, sync_figures

    return (sync_figures.GROUP, lookup.GROUP, pricing.GROUP, sales.GROUP, apps.GROUP, memory.GROUP)


def select(names: Iterable[str]) -> tuple[Group, ...]:
    """The groups named (all when none), in run order; an unknown name is an error."""
    from .harness import BenchError

    known = groups()
    wanted = {n.strip() for name in names for n in name.split(",") if n.strip()}
    if not wanted:
        return known
    unknown = wanted - {g.name for g in known}
    if unknown:
        raise BenchError(f"unknown figure group {', '.join(sorted(unknown))}; "
                         f"groups are {', '.join(g.name for g in known)}")
    return tuple(g for g in known if g.name in wanted)
