"""``python -m bench.faults [--long] [--seed N] [--only NAME] [--json FILE]``: run the fault suites.

Exit status: 0 nothing found, 1 some suite found a broken invariant (listed), 2 the run
could not be made (bad arguments, unknown suite).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from .core import FaultsError
from .registry import select, suites


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.splitlines()[0])
    p.add_argument("--long", action="store_true", help="thousands of cases instead of the quick set CI runs")
    p.add_argument("--seed", type=int, default=1, help="seed of every suite's choices (default 1); "
                   "the same seed replays the same cases")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="run only these suites (repeat or comma-separate); see --list")
    p.add_argument("--list", action="store_true", help="list the suites and exit")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the reports as JSON here")
    p.add_argument("--work", type=Path, help="keep each suite's files here (default: a temporary folder)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.list:
            for s in suites():
                print(f"{s.name:<12} {s.about}")
            return 0
        chosen = select(args.only)
        work = args.work or Path(tempfile.mkdtemp(prefix="vitrina-faults-"))
        mode = "long" if args.long else "quick"
        reports = []
        for suite in chosen:
            report = suite(mode, args.seed, work / suite.name)
            print(report.text(), flush=True)
            reports.append(report)
        if args.json:
            args.json.write_text(json.dumps({"mode": mode, "seed": args.seed,
                                             "suites": [r.as_json() for r in reports]}, indent=2,
                                            ensure_ascii=False), encoding="utf-8")
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    except FaultsError as exc:
        print(f"bench.faults: {exc}", file=sys.stderr)
        return 2
    total = sum(r.cases for r in reports)
    found = [r for r in reports if not r.ok]
    print(f"{len(reports)} suites, {total} cases, " +
          (f"findings in {', '.join(r.suite for r in found)}" if found else "nothing found"))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
