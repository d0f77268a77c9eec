"""Driving the kiosk in scripted scenarios (the demo and the GUI tests): touches a finger makes.

A list row inside a ScrollView (RecycleView) does not get a touch at once: the ScrollView
waits ``scroll_timeout`` to see whether the finger moves (a scroll) before handing the
touch to the row. :func:`tap_held` presses, waits like a finger resting on the glass,
and lifts, so the row really gets the tap through the window's event system.
"""
from __future__ import annotations

HOLD_S = 0.15


def tap_held(widget, hold_s: float = HOLD_S):
    """``yield from tap_held(row)`` inside a scenario: a real touch held for ``hold_s``."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    yield hold_s
    touch.touch_up()
    yield 0.1


def first_row(driver, cls: str = "ResultRow"):
    """The top-most list row of class ``cls`` that is wholly inside its list's visible area."""
    rows = []
    for w in driver.find_all(cls=cls):
        view = w.parent
        while view is not None and not hasattr(view, "scroll_y"):
            view = view.parent
        x, y = w.to_window(w.x, w.y)
        top = y + w.height
        if view is not None:
            vx, vy = view.to_window(view.x, view.y)
            if y < vy or top > vy + view.height:
                continue
        rows.append((-top, w))
    if not rows:
        from ui.driver import ScenarioFailed

        raise ScenarioFailed(f"no {cls} is fully visible")
    return min(rows, key=lambda pair: pair[0])[1]
