"""Drive a running terminal app the way a person would: touches, typing, waiting, looking.

The GUI tests and the scripted demo both use this. A scenario is a generator function
``scenario(app, d)`` that yields what to wait for between steps:

- a number: let the app run that many seconds (frames render, workers answer);
- a callable: wait until it returns true (``d.until(...)`` adds a timeout message).

Touches go through Kivy's real event system (``UnitTestTouch`` dispatched to the window),
so a button that is covered, disabled or off-screen does not get pressed, exactly as for a
finger. ``run_scenario`` runs the app with a scenario and returns what it recorded;
``run_in_process`` does that in a fresh process, because Kivy allows one window per process.
"""
from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

Step = float | Callable[[], bool]


class ScenarioFailed(AssertionError):
    pass


@dataclass
class Wait:
    predicate: Callable[[], bool]
    timeout: float
    what: str


@dataclass
class Outcome:
    ok: bool
    error: str = ""
    screenshots: list[str] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)
    max_stall_ms: float = 0.0


class Driver:
    def __init__(self, app) -> None:
        self.app = app
        self.outcome = Outcome(ok=False)

    # ---------------------------------------------------------------- finding widgets

    def _roots(self):
        from kivy.core.window import Window

        # Popups and modal views sit on the window above the root: search them first.
        return list(Window.children)

    def walk(self):
        stack = self._roots()
        while stack:
            w = stack.pop(0)
            yield w
            stack.extend(w.children)

    def find(self, name: str | None = None, *, text: str | None = None, cls: str | None = None,
             visible: bool = True):
        """A widget by its ``name`` (the ``vid`` property or an ``ids`` key), text or class name."""
        for w in self.walk():
            if name is not None and getattr(w, "vid", None) != name and not self._has_id(w, name):
                continue
            if text is not None and getattr(w, "text", None) != text:
                continue
            if cls is not None and type(w).__name__ != cls:
                continue
            if visible and not self._on_screen(w):
                continue
            return w
        return None

    def find_all(self, *, cls: str | None = None, name: str | None = None) -> list:
        return [w for w in self.walk() if (cls is None or type(w).__name__ == cls)
                and (name is None or getattr(w, "vid", None) == name) and self._on_screen(w)]

    def get(self, name: str | None = None, **kw):
        w = self.find(name, **kw)
        if w is None:
            raise ScenarioFailed(f"no visible widget {name or kw} on the screen")
        return w

    @staticmethod
    def _has_id(widget, name: str) -> bool:
        parent, seen = widget.parent, set()
        while parent is not None and id(parent) not in seen:  # the Window is its own parent
            seen.add(id(parent))
            ids = getattr(parent, "ids", None)
            if ids and name in ids and ids[name] == widget:  # ids hold weak proxies
                return True
            parent = getattr(parent, "parent", None)
        return False

    @staticmethod
    def _on_screen(widget) -> bool:
        from kivy.core.window import Window

        if getattr(widget, "opacity", 1) == 0 or widget.width <= 1 or widget.height <= 1:
            return False
        x, y = widget.to_window(*widget.center)
        return 0 <= x <= Window.width and 0 <= y <= Window.height

    # ---------------------------------------------------------------- acting

    def tap(self, target=None, **kw) -> Step:
        """Touch the middle of a widget (by object, name or text) through the window.

        A plain button gets its press and release at once. A row inside a ScrollView (a
        RecycleView list, the kiosk's store list) does not: the list holds a touch to see
        whether the finger scrolls, and hands a touch that ends without moving to the row
        under it, whose release follows 0.2 s later (Kivy's ``on_scroll_stop``). For such a
        row ``tap`` returns a wait for that release, so ``yield d.tap(row)`` goes on once the
        row has acted; for a plain button it returns 0 (yielding it is harmless). Either way a
        touch that lands on something else (a cover, a row scrolled out of the list's view)
        raises :class:`ScenarioFailed` saying so.
        """
        from kivy.tests.common import UnitTestTouch

        widget = target if target is not None and not isinstance(target, str) else self.get(target, **kw)
        if getattr(widget, "disabled", False):
            raise ScenarioFailed(f"{self._describe(widget)} is disabled")
        x, y = widget.to_window(*widget.center)
        scroller = self.scroller(widget)
        if scroller is not None and not self._in_view(scroller, x, y):
            raise ScenarioFailed(f"{self._describe(widget)} is scrolled out of its list's view: "
                                 "scroll it into view first (ScrollView.scroll_to)")
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        if scroller is None:
            reached = self._reached(widget, touch)
            touch.touch_up()
            if not reached:
                raise ScenarioFailed(f"the touch at {x:.0f},{y:.0f} did not reach {self._describe(widget)}: "
                                     "something covers it")
            return 0
        touch.touch_up()  # the list hands the unmoved touch to what lies under it now
        if not self._reached(widget, touch):
            raise ScenarioFailed(f"the touch at {x:.0f},{y:.0f} on a list did not reach {self._describe(widget)}: "
                                 "the list kept it (still scrolling?) or something covers the row")
        return self.until(lambda: self._released(widget, touch), 2, f"the release of {self._describe(widget)} in its list")

    def _released(self, widget, touch) -> bool:
        """The list has passed the touch's end on: the widget lets go of the touch (a toggle stays down)."""
        from kivy.uix.behaviors import ToggleButtonBehavior

        if self._grabbed(widget, touch):
            return False
        return isinstance(widget, ToggleButtonBehavior) or getattr(widget, "state", "normal") != "down"

    @staticmethod
    def _grabbed(widget, touch) -> bool:
        return any(ref() is widget for ref in touch.grab_list)

    def _reached(self, widget, touch) -> bool:
        """Whether ``touch`` is pressing ``widget`` (only a widget with a ``state`` can tell)."""
        return not hasattr(widget, "state") or widget.state == "down" or self._grabbed(widget, touch)

    @staticmethod
    def scroller(widget):
        """The nearest ScrollView (a RecycleView is one) that ``widget`` lies in, or None."""
        from kivy.uix.scrollview import ScrollView

        parent, seen = widget.parent, set()
        while parent is not None and id(parent) not in seen:
            if isinstance(parent, ScrollView):
                return parent
            seen.add(id(parent))
            parent = getattr(parent, "parent", None)
        return None

    @staticmethod
    def _in_view(view, x: float, y: float) -> bool:
        vx, vy = view.to_window(view.x, view.y)
        return vx < x < vx + view.width and vy < y < vy + view.height

    def visible_rows(self, cls: str) -> list:
        """Widgets of class ``cls`` wholly inside their list's visible area, top-most first."""
        rows = []
        for w in self.find_all(cls=cls):
            view = self.scroller(w)
            _x, y = w.to_window(w.x, w.y)
            top = y + w.height
            if view is not None:
                _vx, vy = view.to_window(view.x, view.y)
                if y < vy - 1 or top > vy + view.height + 1:
                    continue
            rows.append((top, w))
        return [w for _top, w in sorted(rows, key=lambda pair: -pair[0])]

    def type_into(self, target, text: str) -> None:
        """Put text into a TextInput as typing does (focus, insert_text, validators run)."""
        widget = target if not isinstance(target, str) else self.get(target)
        widget.focus = True
        widget.insert_text(text)

    def find_row(self, cls: str, **attrs):
        """The row of class ``cls`` in a list's visible area whose attributes equal ``attrs``
        (``d.find_row("OrderRow", number="WEB-1")``), or None while it is not shown."""
        return next((w for w in self.visible_rows(cls)
                     if all(getattr(w, k, None) == v for k, v in attrs.items())), None)

    def press_keys(self, text: str, keyboard: str = "keyboard") -> None:
        """Type on an on-screen keyboard by tapping its keys."""
        board = self.get(keyboard)
        for ch in text:
            key = " " if ch == " " else ch
            button = next((b for b in board.walk() if getattr(b, "text", None) in (key, key.upper())
                           and type(b).__name__ in ("Button", "BigButton")), None)
            if button is None:
                raise ScenarioFailed(f"the on-screen keyboard has no key {ch!r}")
            self.tap(button)

    def until(self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> Wait:
        return Wait(predicate, timeout, what or getattr(predicate, "__name__", "condition"))

    def shot(self, name: str) -> None:
        self.outcome.screenshots.append(str(self.app.screenshot(name)))

    def note(self, key: str, value: Any) -> None:
        self.outcome.notes[key] = value

    @staticmethod
    def _describe(widget) -> str:
        return f"{type(widget).__name__}({getattr(widget, 'text', '')!r})"


def run_scenario(app, scenario: Callable[[Any, Driver], Iterator[Step]], *, timeout: float = 120.0,
                 measure_stalls: bool = False) -> Outcome:
    """Run ``app`` and step ``scenario`` on its clock; stop the app when it ends or fails."""
    from kivy.clock import Clock

    driver = Driver(app)
    steps = None
    deadline = time.monotonic() + timeout
    meter = None

    def finish(error: str = "") -> None:
        driver.outcome.ok = not error
        driver.outcome.error = error
        if meter is not None:
            driver.outcome.max_stall_ms = meter.stop()
        Clock.schedule_once(lambda _dt: app.stop(), 0.1)

    def advance(_dt=None, waiting: Wait | None = None, wait_deadline: float = 0.0) -> None:
        nonlocal steps
        try:
            if waiting is not None:
                if not waiting.predicate():
                    if time.monotonic() > wait_deadline:
                        raise ScenarioFailed(f"timed out after {waiting.timeout:.0f} s waiting for {waiting.what}"
                                             f"; app says: {getattr(app, 'message', '')!r}")
                    Clock.schedule_once(lambda dt: advance(dt, waiting, wait_deadline), 0.05)
                    return
            if time.monotonic() > deadline:
                raise ScenarioFailed(f"scenario ran longer than {timeout:.0f} s")
            if steps is None:
                steps = scenario(app, driver)
            step = next(steps)
        except StopIteration:
            finish()
            return
        except Exception:  # a failed assertion or a crash in the app: report, then stop
            finish(traceback.format_exc())
            return
        if isinstance(step, Wait):
            Clock.schedule_once(lambda dt: advance(dt, step, time.monotonic() + step.timeout), 0)
        elif callable(step):
            wait = driver.until(step)
            Clock.schedule_once(lambda dt: advance(dt, wait, time.monotonic() + wait.timeout), 0)
        else:
            Clock.schedule_once(advance, float(step or 0))

    def begin(_dt) -> None:
        nonlocal meter
        if measure_stalls:
            from .stall import StallMeter

            meter = StallMeter().start()
        advance()

    Clock.schedule_once(begin, 1.0)  # after the first frames have laid the screen out
    app.run()
    return driver.outcome


def _child(target: str, kwargs: dict, queue) -> None:
    import faulthandler

    # A crash in native code (SDL, Mesa) ends the child with no result; its stack then goes
    # to stderr, which the test shows, instead of only "exit code -11".
    faulthandler.enable()
    module, _, name = target.partition(":")
    try:
        import importlib

        fn = getattr(importlib.import_module(module), name)
        outcome = fn(**kwargs)
    except Exception:
        outcome = Outcome(ok=False, error=traceback.format_exc())
    queue.put(_sendable(outcome))


def _sendable(outcome):
    """``outcome`` as it can cross to the parent: a note that cannot be pickled goes as its repr.

    The queue pickles in a feeder thread; a pickling error there is only printed, and the
    parent would wait its whole timeout for a result that never comes.
    """
    import pickle

    try:
        pickle.dumps(outcome)
        return outcome
    except Exception:
        notes = {}
        for key, value in getattr(outcome, "notes", {}).items():
            try:
                pickle.dumps(value)
                notes[key] = value
            except Exception:
                notes[key] = repr(value)
        if isinstance(outcome, Outcome):
            return Outcome(outcome.ok, outcome.error, list(outcome.screenshots), notes, outcome.max_stall_ms)
        return Outcome(ok=False, error=f"the scenario returned {type(outcome).__name__}, not an Outcome: {outcome!r}")


def run_in_process(target: str, timeout: float = 300.0, **kwargs) -> Outcome:
    """Call ``module:function(**kwargs)`` (which runs an app scenario) in a fresh process."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    env_before = os.environ.get("KIVY_NO_ARGS")
    os.environ["KIVY_NO_ARGS"] = "1"
    proc = ctx.Process(target=_child, args=(target, kwargs, queue))
    proc.start()
    outcome = _result(proc, queue, timeout)
    proc.join(10)
    if proc.is_alive():
        proc.kill()
    if env_before is None:
        os.environ.pop("KIVY_NO_ARGS", None)
    return outcome


def _result(proc, queue, timeout: float) -> Outcome:
    """The child's outcome; if the child ends without one (a crash in the GL driver, a
    faulthandler exit, a kill), say so at once instead of waiting out ``timeout``."""
    import queue as queue_module

    deadline = time.monotonic() + timeout
    ended_at = None
    while time.monotonic() < deadline:
        try:
            return queue.get(timeout=0.5)
        except queue_module.Empty:
            pass
        if not proc.is_alive():
            # A result put just before the end may still be in the pipe: give it a moment.
            ended_at = ended_at or time.monotonic()
            if time.monotonic() - ended_at > 2.0:
                return Outcome(ok=False, error=f"the app process ended (exit code {proc.exitcode}) without a result")
    return Outcome(ok=False, error=f"the app did not finish within {timeout:.0f} s")
