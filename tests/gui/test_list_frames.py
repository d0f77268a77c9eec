"""A list that changed draws its new rows and then leaves the screen alone.

Found by timing the till's scans frame by frame: Kivy faded a list's scroll bar with an
Animation half a second after every change, and the Animation's ``a*(1-t) + b*t`` changed
the colour by a rounding error each frame even when it had nowhere to go, so half a
second of frames (~55 ms each under software OpenGL) was drawn after every line added; a
scan that came meanwhile waited for them (line in the rows after ~58 ms instead of ~13).
"""
import pytest

from ui.driver import run_in_process

pytestmark = pytest.mark.gui


def _app():
    from kivy.lang import Builder

    import ui.widgets  # noqa: F401  (the scroll bar's resting colour and its rule)
    from ui.app import TerminalApp

    class Lines(TerminalApp):
        def build(self):
            return Builder.load_string(
                "RecycleView:\n"
                "    id: rv\n"
                "    viewclass: 'Label'\n"
                "    bar_width: dp(12)\n"
                "    RecycleBoxLayout:\n"
                "        orientation: 'vertical'\n"
                "        default_size: None, dp(48)\n"
                "        default_size_hint: 1, None\n"
                "        size_hint_y: None\n"
                "        height: self.minimum_height\n"
            )

    return Lines()


def frames_after_changes():
    import time

    from kivy.animation import Animation
    from kivy.core.window import Window

    from ui.driver import run_scenario

    flips: list[float] = []
    Window.bind(on_flip=lambda *_a: flips.append(time.monotonic()))

    def scenario(app, d):
        rv = app.root
        counts, animating = [], []
        for n in range(3):
            rv.data = [{"text": f"line {i}"} for i in range(40 + n)]   # longer than the window: a bar
            rv.scroll_y = 0
            changed = time.monotonic()
            yield 1.5
            counts.append(sum(1 for t in flips if t > changed + 0.2))
            animating.append(len(Animation._instances))
        d.note("frames_after_settling", counts)
        d.note("animations", animating)
        d.note("bar", [list(rv._bar_color), list(rv.bar_color)])

    return run_scenario(_app(), scenario, timeout=60)


def test_a_changed_list_draws_no_frames_once_its_rows_are_shown():
    outcome = run_in_process(f"{__name__}:frames_after_changes", timeout=120)
    assert outcome.ok, outcome.error
    n = outcome.notes
    assert n["frames_after_settling"] == [0, 0, 0], "nothing left to draw 0.2-1.5 s after a change"
    assert n["animations"] == [0, 0, 0]
    assert n["bar"][0] == n["bar"][1], "the bar keeps its colour: it shows there is more to scroll"
