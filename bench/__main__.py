"""``python -m bench [--skus N] [--json FILE] [--only NAME]``: measure and print the figures.

Exit status: 0 measured (whatever the figures say: timing never fails a build), 2 the
run could not be made (bad arguments, a command of the run failed); the message says
which step and where its log is.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .harness import BenchError
from .procs import Launcher


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--skus", type=int, default=20_000, help="products in the demo chain (default 20000; "
                   "1000000 for the chain-scale set)")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON here")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="measure only these figure groups (repeat or comma-separate); see --list")
    p.add_argument("--list", action="store_true", help="list the figure groups and exit")
    p.add_argument("--events", type=int, default=10_000, help="sales committed and pushed (default 10000)")
    p.add_argument("--samples", type=int, default=10_000, help="barcode scans timed (default 10000)")
    p.add_argument("--delta-rows", type=int, default=10_000, help="prices changed for the delta (default 10000)")
    p.add_argument("--stores", type=int, default=4, help="stores in the demo chain besides the warehouse "
                   "(default 4, as python -m central seed)")
    p.add_argument("--work", type=Path, help="keep the run's databases and logs here (default: a temporary "
                   "folder, removed at the end)")
    p.add_argument("--central-cache", type=Path, metavar="DIR",
                   help="reuse a seeded central of the same size from DIR (and keep a new one there): "
                        "seeding a million SKUs takes minutes and is not a figure")
    return p


def _check(args: argparse.Namespace) -> None:
    limits = {"--skus": (args.skus, 100, 5_000_000), "--events": (args.events, 10, 1_000_000),
              "--samples": (args.samples, 100, 1_000_000), "--delta-rows": (args.delta_rows, 1, 1_000_000),
              "--stores": (args.stores, 1, 50)}
    for flag, (value, low, high) in limits.items():
        if not low <= value <= high:
            raise BenchError(f"{flag} must be from {low} to {high}, got {value}")
    if args.work is not None and args.work.exists() and any(args.work.iterdir()):
        raise BenchError(f"--work {args.work} is not empty; give an empty or new folder")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _check(args)
        if args.work is not None:
            args.work.mkdir(parents=True, exist_ok=True)
        work = args.work or Path(tempfile.mkdtemp(prefix="vitrina-bench-"))
        # The launcher starts first, while this process is still small (see bench.spawn).
        launcher = Launcher(work)
    except (BenchError, OSError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    try:
        return _measure(args, work, launcher)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


def _measure(args: argparse.Namespace, work: Path, launcher: Launcher) -> int:
    from . import registry, report
    from .context import Context, Options

    try:
        chosen = registry.select(args.only)
    except BenchError as exc:
        launcher.close()
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    if args.list:
        launcher.close()
        for group in registry.groups():
            print(f"{group.name:<10} {group.about}")
        return 0
    options = Options(skus=args.skus, stores=args.stores, events=args.events, samples=args.samples,
                      delta_rows=args.delta_rows, central_cache=args.central_cache)
    ctx = Context(options, work, launcher)
    info = report.machine()
    report.print_header(args.skus, info)
    figures: list[report.Figure] = []
    started = time.monotonic()
    code = 0
    try:
        for group in chosen:
            print(f"\n== {group.name}: {group.about}", flush=True)
            try:
                for figure in group.run(ctx):
                    figures.append(figure)
                    report.print_figure(figure)
            except BenchError as exc:
                print(f"bench: {group.name}: {exc} (files of the run: {work})", file=sys.stderr, flush=True)
                code = 2
            except Exception:  # noqa: BLE001 - one broken group must not hide the others' figures
                print(f"bench: {group.name} failed; the figures after it are still measured\n"
                      f"{traceback.format_exc()}", file=sys.stderr, flush=True)
                code = 2
    except KeyboardInterrupt:
        code = 130
    finally:
        ctx.close()
    took = time.monotonic() - started
    info["load_average_1m_end"] = round(os.getloadavg()[0], 2)
    notes = "".join(f"; {note}" for note in ctx.notes.values())
    print(f"\n{len(figures)} figures in {took:.0f} s{notes}; load average at the end {info['load_average_1m_end']}")
    if args.json is not None:
        try:
            report.write_json(args.json, report.document(args.skus, figures, info,
                                                         groups=[g.name for g in chosen], seconds=took))
        except BenchError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 2
        print(f"figures written to {args.json}")
    return code


if __name__ == "__main__":
    sys.exit(main())
