"""The apps' figures: the POS and the kiosk on the bench's terminal store, in a real window.

Each measurement starts the app in its own process (:mod:`bench.app_run`), composed as
``run_pos.py`` / ``run_kiosk.py`` compose it, on the store the real agent filled (a
million SKUs at chain scale), on this machine's display or a virtual one
(:mod:`bench.display`), driven through Kivy's event system.

1. ``<app>.first_frame``: process start to the first frame on screen, the median of the
   app's three starts in this group. Baseline: an empty Kivy app started the same way.
2. ``pos.scan_to_line``: a keyboard-wedge scan to the first frame showing its line.
   Baseline: ``resolve_scan`` of the same codes alone.
3. ``kiosk.search_keystroke``: a key touched on the on-screen keyboard to the first frame
   showing that text's results (1-3 letter prefixes and whole words, Cyrillic and Latin).
   Baseline: ``find`` of the same texts alone.
4. ``<app>.stall_during_sync``: the longest main-thread stall (a clock tick's gap beyond the
   frame interval) while ``python -m sync once`` re-pulls every feed beside the app in use,
   for at most :data:`MAX_SYNC_S` (the catalogue's pages, the heaviest writes, come first).
   Baseline: the longest stall over the same time of the same use with no agent.
"""
from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from .context import Context
from .display import display
from .harness import BenchError, percentile, summarise
from .procs import ROOT, child_env
from .registry import Group
from .report import Budget, Figure
from .till import sample_products

MAX_SYNC_S = 90.0
SCANS = 30
WORDS = ["молоко", "хлеб", "сыр", "кофе", "lg", "parm", "sams", "чай"]
APP_TIMEOUT_S = 600.0


def _sample_codes(ctx: Context, count: int) -> list[str]:
    """Barcodes of priced, active products sold by the piece, spread over the whole catalogue."""
    conn = ctx.open_store()
    try:
        rng = random.Random(31)
        codes: list[str] = []
        for product in sample_products(conn, count * 4, rng):
            if product["unit"] != "pcs" or len(codes) >= count:
                continue
            row = conn.execute("SELECT b.code FROM barcodes b WHERE b.sku = ? AND EXISTS "
                               "(SELECT 1 FROM prices r WHERE r.sku = b.sku AND r.price > 0) LIMIT 1",
                               (product["sku"],)).fetchone()
            if row is not None and row[0] not in codes:
                codes.append(row[0])
    finally:
        conn.close()
    if len(codes) < count // 2:
        raise BenchError(f"found only {len(codes)} priced products to scan in the terminal's store")
    return codes


class Runner:
    """Starts the app processes on one display and collects what they measured."""

    def __init__(self, ctx: Context, screen: str, virtual: bool) -> None:
        self.ctx = ctx
        self.screen = screen
        self.virtual = virtual
        self.renderer = ""
        self.count = 0
        self.first_frames: dict[str, list[float]] = {"empty": [], "pos": [], "kiosk": []}
        self.flips: dict[str, list[float]] = {"empty": [], "pos": [], "kiosk": []}

    def run(self, app: str, task: str, **extra) -> dict:
        self.count += 1
        work = self.ctx.work / "apps"
        work.mkdir(exist_ok=True)
        out = work / f"{self.count:02d}-{app}-{task}.json"
        spec = {"app": app, "task": task, "db": str(self.ctx.store_path), "out": str(out),
                "screenshots": str(work / "screens"), "timeout": APP_TIMEOUT_S, **extra}
        spec_path = out.with_suffix(".spec.json")
        env = {**child_env(), "DISPLAY": self.screen, "KIVY_NO_ARGS": "1", "KIVY_LOG_MODE": "PYTHON",
               "KIVY_NO_CONSOLELOG": "1"}
        log = work / f"{self.count:02d}-{app}-{task}.log"
        spec["started"] = time.monotonic()
        spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        spec["started"] = time.monotonic()  # written again: the clock reading nearest the start
        spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        with open(log, "wb") as sink:
            try:
                proc = subprocess.run([sys.executable, "-m", "bench.app_run", str(spec_path)], cwd=ROOT, env=env,
                                      stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                                      timeout=APP_TIMEOUT_S + 60)
            except subprocess.TimeoutExpired:
                raise BenchError(f"the {app} ({task}) did not finish in {APP_TIMEOUT_S + 60:.0f} s; see {log}") from None
        if not out.exists():
            raise BenchError(f"the {app} ({task}) ended with {proc.returncode} and measured nothing; see {log}")
        result = json.loads(out.read_text(encoding="utf-8"))
        if not result.get("ok"):
            raise BenchError(f"the {app} ({task}) failed: {result.get('error', '').strip()[-800:]} (log {log})")
        if result.get("first_frame_ms") is not None:
            self.first_frames[app].append(result["first_frame_ms"])
        self.flips[app] += result.get("flip_ms") or []
        self.renderer = result.get("renderer") or self.renderer
        return result

    @property
    def rendering(self) -> str:
        where = "Xvfb started by the bench" if self.virtual else f"display {self.screen}"
        soft = " (software OpenGL: every frame is drawn by the CPU)" if "llvmpipe" in self.renderer or \
            "softpipe" in self.renderer else ""
        return f"rendering: {self.renderer or 'unknown OpenGL'} on {where}{soft}"

    def frame_cost(self, app: str) -> str:
        """What drawing and swapping one frame costs here, this app beside the empty one."""
        mine, empty = self.flips[app], self.flips["empty"]
        if not mine or not empty:
            return self.rendering
        return (f"{self.rendering}; drawing and swapping a frame takes median {statistics.median(mine):.0f} ms for the "
                f"{app} (p95 {percentile(mine, 95):.0f}) and {statistics.median(empty):.0f} ms for an empty Kivy app")


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.1f}" if values else "?"


def _latency(name: str, samples: list[float], base: list[float], baseline: str, budget: Budget, note: str) -> Figure:
    ns = [int(v * 1e6) for v in samples]
    base_ns = [int(v * 1e6) for v in base]
    return Figure.latency(name, "ms", summarise(ns), baseline=baseline, baseline_summary=summarise(base_ns),
                          budget=budget, note=note)


def _stall_figure(name: str, agent: dict, quiet: dict, frames: str) -> Figure:
    gaps, base = agent["stall_gaps_ms"], quiet["stall_gaps_ms"]
    if not gaps or not base:
        raise BenchError(f"{name}: the app drew no frames to measure")
    cut = (f"the first {agent['seconds']:.0f} s of python -m sync once re-pulling every feed (then stopped)"
           if agent.get("agent_cut") else f"python -m sync once re-pulling every feed ({agent['seconds']:.0f} s)")
    return Figure(name, "ms", round(max(gaps), 1), baseline="the longest stall of the same use with no agent",
                  baseline_median=round(max(base), 1), budget=Budget("median", 100.0),
                  note=f"the longest main-thread stall (a tick's gap beyond {1000 / 60:.1f} ms) during {cut}, "
                       f"{len(gaps)} frames, p99 gap {percentile(gaps, 99):.1f} ms (no agent: "
                       f"{percentile(base, 99):.1f} ms over {quiet['seconds']:.0f} s); {frames}")


def run(ctx: Context) -> Iterator[Figure]:
    ctx.initial_sync()
    codes = _sample_codes(ctx, SCANS)
    virtual = not os.environ.get("DISPLAY")
    with display() as screen:
        r = Runner(ctx, screen, virtual)
        r.run("empty", "first_frame")
        scan = r.run("pos", "scan", codes=codes)
        yield _latency("pos.scan_to_line", scan["scan_to_line_ms"], scan["resolve_scan_ms"],
                       "resolve_scan of the same codes alone (the store's lookup)", Budget("p95", 50.0),
                       f"{len(scan['scan_to_line_ms'])} keyboard-wedge scans of catalogue barcodes, one line "
                       f"each, to the end of the first frame that shows it; the line is in the sale's rows after "
                       f"median {_median(scan['scan_to_rows_ms'])} ms, the rest is frames; {r.frame_cost('pos')}")
        r.run("empty", "first_frame")
        search = r.run("kiosk", "search", words=WORDS)
        yield _latency("kiosk.search_keystroke", search["keystroke_to_results_ms"], search["find_ms"],
                       "find() of the same texts alone (ranked FTS and prices)", Budget("p95", 100.0),
                       f"{len(search['keystroke_to_results_ms'])} keys touched on the on-screen keyboard "
                       f"({', '.join(WORDS)}: every prefix), to the end of the first frame with that text's "
                       f"results; the results are in the list after median "
                       f"{_median(search['keystroke_to_list_ms'])} ms, the rest is frames; {r.frame_cost('kiosk')}")
        r.run("empty", "first_frame")
        for app in ("pos", "kiosk"):
            busy = {"codes": codes, "words": WORDS}
            agent = r.run(app, "stall", agent=True, seconds=MAX_SYNC_S, **busy)
            quiet = r.run(app, "stall", agent=False, seconds=min(agent["seconds"], MAX_SYNC_S), **busy)
            yield _stall_figure(f"{app}.stall_during_sync", agent, quiet, r.frame_cost(app))
        empty = statistics.median(r.first_frames["empty"])
        for app in ("pos", "kiosk"):
            starts = r.first_frames[app]
            yield Figure(f"{app}.first_frame", "s", round(statistics.median(starts) / 1000, 2),
                         baseline="an empty Kivy app started the same way", baseline_median=round(empty / 1000, 2),
                         budget=Budget("median", 3.0),
                         note=f"process start to the first frame on screen, median of {len(starts)} starts "
                              f"({', '.join(f'{s / 1000:.2f}' for s in starts)} s; empty app "
                              f"{', '.join(f'{s / 1000:.2f}' for s in r.first_frames['empty'])} s); {r.rendering}")


GROUP = Group("apps", "the POS and the kiosk in a window: first frame, scan to line, search per keystroke, "
                      "stalls during a full sync", run)
