"""What a fault suite is, what it is given, and what it reports.

A suite's ``run(ctx, report)`` tries cases drawn from ``ctx.rng`` (so a seed replays a
run exactly), records each attempt with ``report.tried(kind)`` and each broken invariant
with ``report.found(...)``. A finding is a bug to fix, never a figure: the command exits
1 when any suite found something. ``ctx.cases(quick, long)`` is how many cases the
suite should try in the current mode; ``ctx.workdir`` is an empty folder of its own.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MODES = ("quick", "long")


class FaultsError(Exception):
    """A suite could not be run at all (bad arguments, a tool missing): not a finding."""


@dataclass
class Context:
    mode: str
    seed: int
    workdir: Path
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise FaultsError(f"mode is one of {', '.join(MODES)}, not {self.mode!r}")
        self.rng = random.Random(self.seed)

    @property
    def long(self) -> bool:
        return self.mode == "long"

    def cases(self, quick: int, long: int) -> int:
        return long if self.long else quick


@dataclass
class Report:
    suite: str
    seed: int
    mode: str
    attempts: Counter[str] = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def tried(self, kind: str, n: int = 1) -> None:
        """One more case of ``kind`` was run to the end and its invariants checked."""
        self.attempts[kind] += n

    def found(self, what: str) -> None:
        """An invariant broke: say what, with the case's kind and seed so it can be replayed."""
        self.findings.append(what)

    def note(self, what: str) -> None:
        """Something worth saying that is not a broken invariant (a refusal seen, a figure)."""
        self.notes.append(what)

    @property
    def cases(self) -> int:
        return sum(self.attempts.values())

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict:
        return {"suite": self.suite, "seed": self.seed, "mode": self.mode, "cases": self.cases,
                "attempts": dict(sorted(self.attempts.items())), "findings": list(self.findings),
                "notes": list(self.notes), "seconds": round(self.seconds, 2)}

    def text(self) -> str:
        head = (f"{self.suite}: {self.cases} cases in {self.seconds:.1f} s (seed {self.seed}, {self.mode}), "
                f"{'nothing found' if self.ok else f'{len(self.findings)} FOUND'}")
        lines = [head]
        lines += [f"  tried {n:>6} × {kind}" for kind, n in sorted(self.attempts.items())]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  FOUND: {f}" for f in self.findings]
        return "\n".join(lines)


@dataclass(frozen=True)
class Suite:
    name: str
    about: str
    run: Callable[[Context, Report], None]

    def __call__(self, mode: str, seed: int, workdir: Path) -> Report:
        """Run the suite once; an exception escaping a suite is itself a finding."""
        workdir.mkdir(parents=True, exist_ok=True)
        ctx = Context(mode, seed, workdir)
        report = Report(self.name, seed, mode)
        started = time.perf_counter()
        try:
            self.run(ctx, report)
        except FaultsError:
            raise
        except Exception as exc:  # the suite's own crash is what we are looking for
            report.found(f"the suite itself crashed: {type(exc).__name__}: {exc}")
        finally:
            report.seconds = time.perf_counter() - started
        return report
