"""The apps' screen manager draws no stencil: two window-sized passes a frame under software OpenGL.

Kivy's own ScreenManager rule clips its screens with a stencil (for transitions that slide
them in). The apps switch screens without a transition, so ``ui.widgets.ScreenStack``
drops the rule; screens still switch as before.
"""
from pathlib import Path

import pytest

from ui.driver import run_in_process

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]


def _app():
    from kivy.lang import Builder

    import ui.widgets  # noqa: F401  (ScreenStack and its rule)
    from ui.app import TerminalApp

    class Two(TerminalApp):
        def build(self):
            return Builder.load_string(
                "#:import NoTransition kivy.uix.screenmanager.NoTransition\n"
                "ScreenStack:\n"
                "    transition: NoTransition()\n"
                "    Screen:\n"
                "        name: 'one'\n"
                "        Label:\n"
                "            text: 'one'\n"
                "    Screen:\n"
                "        name: 'two'\n"
                "        Label:\n"
                "            text: 'two'\n"
            )

    return Two()


def stencils_and_switching():
    from kivy.core.window import Window
    from kivy.graphics import StencilPush

    from ui.driver import run_scenario

    def count(canvas) -> int:
        n = 0
        for ins in canvas.children:
            n += isinstance(ins, StencilPush)
            if hasattr(ins, "children"):
                n += count(ins)
        return n

    def scenario(app, d):
        yield 0.3
        d.note("stencils", count(Window.canvas))
        d.note("shown", [s.name for s in app.root.children])
        app.root.current = "two"
        yield 0.3
        d.note("after", [s.name for s in app.root.children])

    return run_scenario(_app(), scenario, timeout=60)


def test_the_screen_stack_draws_no_stencil_and_still_switches():
    outcome = run_in_process(f"{__name__}:stencils_and_switching", timeout=120)
    assert outcome.ok, outcome.error
    assert outcome.notes["stencils"] == 0
    assert outcome.notes["shown"] == ["one"] and outcome.notes["after"] == ["two"]


def test_both_apps_use_it():
    for kv in ("pos/pos.kv", "kiosk/kiosk.kv"):
        text = (ROOT / kv).read_text(encoding="utf-8")
        assert "ScreenStack:" in text and "ScreenManager:" not in text, kv
