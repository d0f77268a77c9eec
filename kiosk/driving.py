"""Driving the kiosk in scripted scenarios (the demo and the GUI tests): what a finger does.

Built on :mod:`ui.driver` (touches dispatched through the window, waits with reasons; a
row in a list is tapped with ``yield d.tap(row)`` like any button):

- :func:`first_row`: the top-most row of a list that is wholly visible.
- :func:`keyboard_type`: types text on the on-screen keyboard key by key, switching
  between the Russian and Latin layouts as a shopper would.
- :func:`tap_corner`: the hidden technician gesture, five taps in the corner.
"""
from __future__ import annotations


def first_row(driver, cls: str = "ResultRow"):
    """The top-most list row of class ``cls`` that is wholly inside its list's visible area."""
    rows = driver.visible_rows(cls)
    if not rows:
        from ui.driver import ScenarioFailed

        raise ScenarioFailed(f"no {cls} is fully visible")
    return rows[0]


def _key(board, ch: str):
    for b in board.walk(restrict=True):
        if type(b).__name__ in ("Button", "BigButton") and getattr(b, "text", None) in (ch, ch.lower()):
            return b
    return None


def _laid_out(board, key) -> bool:
    """A key rebuilt a moment ago sits at 0,0 until the next layout pass puts it on the board."""
    bx, by = board.to_window(board.x, board.y)
    kx, ky = key.to_window(*key.center)
    return key.width != 100 and bx <= kx <= bx + board.width and by <= ky <= by + board.height


def keyboard_type(driver, text: str, keyboard: str = "keyboard"):
    """``yield from keyboard_type(d, text)``: tap ``text`` on the visible on-screen keyboard,
    switching RU/EN when a letter needs it, as a shopper would."""
    from ui.driver import ScenarioFailed

    board = driver.get(keyboard)
    for ch in text:
        key = _key(board, ch)
        if key is None:
            switch = next((b for b in board.walk(restrict=True) if getattr(b, "text", None) in ("RU", "EN")), None)
            if switch is None:
                raise ScenarioFailed("the on-screen keyboard has no layout switch")
            driver.tap(switch)
            key = _key(board, ch)
        if key is None:
            raise ScenarioFailed(f"the on-screen keyboard has no key {ch!r}")
        if not _laid_out(board, key):
            yield driver.until(lambda: _laid_out(board, key), 5, f"the key {ch!r} on the keyboard")
        driver.tap(key)


def tap_corner(driver, times: int = 5) -> None:
    """The hidden technician gesture: ``times`` quick taps on the bottom-left corner."""
    corner = driver.get("corner")
    for _ in range(times):
        driver.tap(corner)
