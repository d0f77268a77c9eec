"""The GUI driver itself: real touches reach buttons, disabled ones refuse, waits time out."""
import pytest

from ui.driver import run_in_process

pytestmark = pytest.mark.gui


def _app():
    from kivy.lang import Builder
    from kivy.properties import NumericProperty

    from ui.app import TerminalApp

    class Probe(TerminalApp):
        taps = NumericProperty(0)

        def build(self):
            return Builder.load_string(
                "BoxLayout:\n"
                "    orientation: 'vertical'\n"
                "    BigButton:\n"
                "        id: plus\n"
                "        text: app.tr('Add', app.lang)\n"
                "        on_release: app.taps += 1\n"
                "    BigButton:\n"
                "        id: off\n"
                "        text: 'Off'\n"
                "        disabled: True\n"
                "    TextInput:\n"
                "        id: box\n"
                "    TouchKeyboard:\n"
                "        id: keyboard\n"
                "        target: box\n"
            )

    import ui.widgets  # noqa: F401  (registers BigButton, TouchKeyboard)
    return Probe()


def tap_and_type(shots_dir):
    import os

    os.environ["VITRINA_SCREENSHOTS"] = shots_dir
    from ui.driver import run_scenario

    def scenario(app, d):
        yield d.until(lambda: d.find("plus") is not None and d.get("plus").y > 0, 10, "the first layout")
        d.tap("plus")
        d.tap("plus")
        yield d.until(lambda: app.taps == 2, 5, "two taps")
        d.press_keys("мол")
        yield 0.2
        assert d.get("box").text == "мол", d.get("box").text
        d.shot("driver")
        try:
            d.tap("off")
        except AssertionError as exc:
            d.note("disabled", str(exc))

    return run_scenario(_app(), scenario, timeout=30)


def waits_time_out():
    from ui.driver import run_scenario

    def scenario(app, d):
        yield d.until(lambda: False, 0.5, "something that never happens")

    return run_scenario(_app(), scenario, timeout=30)


def test_touches_and_on_screen_typing_reach_the_app(tmp_path):
    outcome = run_in_process(f"{__name__}:tap_and_type", timeout=120, shots_dir=str(tmp_path))
    assert outcome.ok, outcome.error
    assert "disabled" in outcome.notes["disabled"]
    assert (tmp_path / "driver.png").stat().st_size > 1000


def test_a_wait_that_never_comes_fails_with_its_reason():
    outcome = run_in_process(f"{__name__}:waits_time_out", timeout=120)
    assert not outcome.ok
    assert "something that never happens" in outcome.error
