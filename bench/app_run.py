"""In the app's own process: start the POS, the kiosk or an empty Kivy app and time it.

``python -m bench.app_run SPEC.json`` is started by :mod:`bench.apps` (Kivy allows one
window per process). The app is composed exactly as ``run_pos.py`` / ``run_kiosk.py``
compose it, on the bench's terminal store, and driven through Kivy's event system by
:mod:`ui.driver` (touches on the on-screen keyboard, a keyboard-wedge scanner's key
events). What it measured goes to ``SPEC["out"]`` as JSON, in milliseconds:

- ``first_frame_ms``: from the parent's clock reading just before it started this process
  (``SPEC["started"]``, ``time.monotonic``, which is one clock for every process on the
  machine) to the window's first buffer flip: Python starting, imports, the store opened,
  screens built, the first frame drawn.
- task ``scan`` (POS): sign in, open a shift, then a scan at a time: from the scanner's key
  burst to the first frame drawn after the new line is in the sale's rows; baseline the
  same code's ``resolve_scan`` alone.
- task ``search`` (kiosk): type words on the on-screen keyboard, a key at a time: from the
  key's touch to the first frame drawn with that text's results; baseline ``find`` alone.
- task ``stall``: keep using the app (scanning, or typing and browsing) for a while, with
  ``python -m sync once`` re-pulling every feed beside it (``agent``) or without; every
  clock tick's gap beyond the frame interval is a stall.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

FRAME_S = 1 / 60
THINK_S = 0.15      # between a shopper's keys, between a cashier's scans: a person's pace
SCAN_PAUSE_S = 0.4
SUSPEND_EVERY = 25  # the stall's cashier puts the sale aside now and then, as a busy till does


class Flips:
    """When a frame reached the screen (the window's buffer swap returned) and what the swap cost.

    Kivy's ``on_flip`` handlers run before the swap itself, which under software OpenGL is
    where the frame is drawn; so the window's ``flip`` is wrapped and timed instead.
    """

    def __init__(self) -> None:
        from kivy.core.window import Window

        self.times: list[float] = []
        self.costs_ms: list[float] = []
        swap = Window.flip

        def timed_flip(*args):
            started = time.monotonic()
            swap(*args)
            ended = time.monotonic()
            self.times.append(ended)
            self.costs_ms.append(_ms(ended - started))

        Window.flip = timed_flip

    def first_after(self, moment: float) -> float | None:
        return next((t for t in self.times if t >= moment), None)


class Ticks:
    """Every clock tick of the main thread while running; a gap beyond a frame is a stall."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._last: float | None = None
        self._event = None

    def start(self) -> "Ticks":
        from kivy.clock import Clock

        self._last = time.monotonic()
        self._event = Clock.schedule_interval(self._tick, 0)
        return self

    def _tick(self, _dt) -> None:
        now = time.monotonic()
        if self._last is not None:
            self.gaps.append(max(0.0, now - self._last - FRAME_S) * 1000)
        self._last = now

    def stop(self) -> list[float]:
        if self._event is not None:
            self._event.cancel()
        return self.gaps[2:]  # the first ticks after starting include the meter's own set-up


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


# ---------------------------------------------------------------- the apps


def _empty_app():
    from kivy.app import App
    from kivy.uix.label import Label

    class Empty(App):
        def build(self):
            return Label(text="Vitrina bench: an empty Kivy app")

    return Empty(), None


def _pos(db: str):
    import run_pos

    run_pos.configure_kivy()
    parts = run_pos.compose(run_pos.parse_args(["--db", db, "--no-agent"]))
    return parts.app, parts


def _kiosk(db: str):
    import run_kiosk

    run_kiosk.configure_kivy(False)
    parts = run_kiosk.compose(run_kiosk.parse_args(["--db", db, "--windowed", "--no-agent", "--idle", "0"]))
    return parts.app, parts


# ---------------------------------------------------------------- what is done with them


def _start_agent(db: str) -> subprocess.Popen:
    """``python -m sync once`` re-pulling every feed (cursors reset), at the agent's low priority."""
    from retail.store import connect, transaction
    from ui.launch import _lower_priority

    conn = connect(db)
    try:
        with transaction(conn):
            conn.execute("UPDATE feed_state SET cursor = ''")
    finally:
        conn.close()
    log = open(f"{db}.bench-agent.log", "ab")  # noqa: SIM115 (the child keeps it)
    try:
        return subprocess.Popen([sys.executable, "-m", "sync", "once", "--db", db], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, preexec_fn=_lower_priority)
    finally:
        log.close()


def _stop_agent(agent: subprocess.Popen) -> tuple[int | None, bool]:
    """(exit code, whether it was cut short) - SIGTERM rolls its open page back, as after a crash."""
    cut = agent.poll() is None
    if cut:
        agent.send_signal(signal.SIGTERM)
    try:
        return agent.wait(30), cut
    except subprocess.TimeoutExpired:
        agent.kill()
        return agent.wait(5), cut


def _cashier(app, d, result: dict):
    from pos import demo_script as ds

    yield from ds.sign_in(app, d, ds.CASHIER, shot=None)
    yield from ds.open_shift(app, d, "1000")
    yield d.until(ds.on_screen(app, "sell"), 10, "the sale screen")


def _scan(app, d, spec: dict, flips: Flips, result: dict):
    from pos import demo_script as ds

    sell = app.screens["sell"]
    changed: list[float] = []
    sell.bind(rows=lambda *_a: changed.append(time.monotonic()))
    latencies, in_tree = [], []
    for code in spec["codes"]:
        before = len(sell.rows)
        mark = len(changed)
        started = time.monotonic()
        ds.wedge_scan(code)
        yield d.until(lambda: len(sell.rows) > before, 10, f"the line of {code}")
        yield 0.1  # let the frame with the line be drawn
        added = changed[mark] if len(changed) > mark else time.monotonic()
        shown = flips.first_after(added)
        if shown is not None:
            latencies.append(_ms(shown - started))
            in_tree.append(_ms(added - started))
        yield SCAN_PAUSE_S
    result["scan_to_line_ms"] = latencies
    result["scan_to_rows_ms"] = in_tree
    base = []
    for code in spec["codes"]:
        t0 = time.perf_counter()
        app.services.resolve_scan(code)
        base.append(_ms(time.perf_counter() - t0))
    result["resolve_scan_ms"] = base


def _search(app, d, spec: dict, flips: Flips, result: dict):
    from kiosk import demo_script as kd
    from kiosk.driving import keyboard_type

    yield from kd.start(app, d)
    screen = app.screens["search"]
    shown_at: list[float] = []
    screen.bind(searches=lambda *_a: shown_at.append(time.monotonic()))
    latencies, typed, in_tree = [], [], []
    for word in spec["words"]:
        screen.ids.query.text = ""
        yield 0.3
        for n in range(1, len(word) + 1):
            text = word[:n]
            mark = len(shown_at)
            started = time.monotonic()
            yield from keyboard_type(d, word[n - 1])
            yield d.until(lambda: len(shown_at) > mark and screen.ids.query.text.strip() == text, 10,
                          f"results for {text!r}")
            yield 0.1
            drawn = flips.first_after(shown_at[-1])
            if drawn is not None:
                latencies.append(_ms(drawn - started))
                in_tree.append(_ms(shown_at[-1] - started))
                typed.append(text)
            yield THINK_S
    result["keystroke_to_results_ms"] = latencies
    result["keystroke_to_list_ms"] = in_tree
    base = []
    for text in typed:
        t0 = time.perf_counter()
        app.services.find(text, app.lang, 40)
        base.append(_ms(time.perf_counter() - t0))
    result["find_ms"] = base


def _keep_busy(app, d, spec: dict, done):
    """Use the app as its person would until ``done()``: scans at the till, typing at the kiosk."""
    if spec["app"] == "pos":
        from pos import demo_script as ds

        sell = app.screens["sell"]
        n = 0
        while not done():
            ds.wedge_scan(spec["codes"][n % len(spec["codes"])])
            n += 1
            yield SCAN_PAUSE_S
            if n % SUSPEND_EVERY == 0 and sell.rows:
                sell.suspend()
                yield d.until(ds.popup("TextPopup"), 5, "the suspend popup")
                d.tap("text_ok")
                yield d.until(lambda: not sell.rows, 10, "the sale put aside")
        return
    from kiosk.driving import keyboard_type

    screen = app.screens["search"]
    n = 0
    while not done():
        screen.ids.query.text = ""
        yield from keyboard_type(d, spec["words"][n % len(spec["words"])])
        n += 1
        yield 0.5
        if n % 3 == 0:
            d.tap("nav_categories")
            yield 0.5
            d.tap("nav_search")
            yield 0.3


def _stall(app, d, spec: dict, result: dict):
    if spec["app"] == "pos":
        yield from _cashier(app, d, result)
    else:
        from kiosk import demo_script as kd

        # The kiosk collects and freezes its start-up garbage 0.5 s after its first frame,
        # with nobody at the screen yet (ui.app.settle_garbage): measured from after that,
        # and from the search screen, so the demo script's screenshot of the attract screen
        # (reading the window back, 30 ms and more) is not counted as the app's stall.
        yield 1.0
        yield from kd.start(app, d)
    ticks = Ticks().start()
    agent = _start_agent(spec["db"]) if spec["agent"] else None
    started = time.monotonic()
    limit = spec["seconds"]

    def done() -> bool:
        if agent is not None and agent.poll() is not None:
            return True
        return time.monotonic() - started >= limit

    try:
        yield from _keep_busy(app, d, spec, done)
    finally:
        took = time.monotonic() - started
        gaps = ticks.stop()
        if agent is not None:
            rc, cut = _stop_agent(agent)
            result["agent_rc"], result["agent_cut"] = rc, cut
    result["stall_gaps_ms"] = gaps
    result["seconds"] = round(took, 1)


def _frames(app, seconds: float = 2.0):
    """The empty app changes its text every tick for a while: what a frame costs with nothing in it."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        app.root.text = f"Vitrina bench: an empty Kivy app, frame at {time.monotonic():.3f}"
        yield 0


def _scenario(spec: dict, flips: Flips, result: dict):
    def scenario(app, d):
        from kivy.graphics.opengl import GL_RENDERER, glGetString

        result["renderer"] = glGetString(GL_RENDERER).decode("utf-8", "replace")
        # The driver's touches come from Kivy's test helpers; importing them at the first
        # tap held the main thread ~140 ms (and counted as the app's stall).
        import kivy.tests.common  # noqa: F401
        yield 0.5
        if spec["app"] == "empty":
            yield from _frames(app)
        elif spec["task"] == "scan":
            yield from _cashier(app, d, result)
            yield from _scan(app, d, spec, flips, result)
        elif spec["task"] == "search":
            yield from _search(app, d, spec, flips, result)
        elif spec["task"] == "stall":
            yield from _stall(app, d, spec, result)

    return scenario


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    os.environ["VITRINA_SCREENSHOTS"] = spec.get("screenshots", str(Path(spec["out"]).parent / "screens"))
    result: dict = {"app": spec["app"], "task": spec["task"]}
    if spec["app"] == "empty":
        from run_pos import configure_kivy

        configure_kivy()
        app, parts = _empty_app()
    elif spec["app"] == "pos":
        app, parts = _pos(spec["db"])
    else:
        app, parts = _kiosk(spec["db"])
    flips = Flips()
    from ui.driver import run_scenario

    try:
        outcome = run_scenario(app, _scenario(spec, flips, result), timeout=spec.get("timeout", 900))
    finally:
        if parts is not None:
            parts.close()
    result["first_frame_ms"] = _ms(flips.times[0] - spec["started"]) if flips.times else None
    result["flip_ms"] = flips.costs_ms[1:]  # the first includes the window's set-up
    result["ok"], result["error"] = outcome.ok, outcome.error
    Path(spec["out"]).write_text(json.dumps(result), encoding="utf-8")
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
