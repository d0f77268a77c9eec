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
        app.say("Сохранено")
        app.toggle_language()
        d.note("message_after_switch", app.message)  # a message in the other language does not stay
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
    assert outcome.notes["message_after_switch"] == ""
    assert (tmp_path / "driver.png").stat().st_size > 1000


def test_a_wait_that_never_comes_fails_with_its_reason():
    outcome = run_in_process(f"{__name__}:waits_time_out", timeout=120)
    assert not outcome.ok
    assert "something that never happens" in outcome.error


def _list_app():
    from kivy.factory import Factory
    from kivy.lang import Builder
    from kivy.properties import ListProperty, NumericProperty
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label
    from kivy.uix.togglebutton import ToggleButton

    from ui.app import TerminalApp

    class ProbeRow(ButtonBehavior, Label):
        number = NumericProperty(0)

        def on_release(self):
            self.app.picked.append(self.number)

    Factory.register("ProbeRow", cls=ProbeRow)

    class ListProbe(TerminalApp):
        picked = ListProperty([])

        def build(self):
            ProbeRow.app = self
            root = Builder.load_string(
                "BoxLayout:\n"
                "    orientation: 'vertical'\n"
                "    RecycleView:\n"
                "        id: rv\n"
                "        viewclass: 'ProbeRow'\n"
                "        RecycleBoxLayout:\n"
                "            orientation: 'vertical'\n"
                "            default_size: None, dp(80)\n"
                "            default_size_hint: 1, None\n"
                "            size_hint_y: None\n"
                "            height: self.minimum_height\n"
                "    ScrollView:\n"
                "        BoxLayout:\n"
                "            id: plain\n"
                "            orientation: 'vertical'\n"
                "            size_hint_y: None\n"
                "            height: self.minimum_height\n"
            )
            root.ids.rv.data = [{"number": n, "text": f"row {n}"} for n in range(40)]
            for n in range(100, 110):  # a plain ScrollView: every row exists, most below its view
                root.ids.plain.add_widget(ProbeRow(number=n, text=f"row {n}", size_hint_y=None, height=80))
            choice = ToggleButton(group="probe", allow_no_selection=False, text="a choice", size_hint_y=None,
                                  height=80)
            choice.bind(on_release=lambda *_: self.picked.append("toggle"))
            root.ids.plain.add_widget(choice, index=len(root.ids.plain.children))  # at the top
            return root

    return ListProbe()


def tap_rows_in_a_list():
    from ui.driver import ScenarioFailed, run_scenario

    def scenario(app, d):
        yield d.until(lambda: d.find_row("ProbeRow", number=2) is not None, 10, "the list laid out")
        yield d.tap(d.find_row("ProbeRow", number=2))
        assert app.picked == [2], app.picked  # the release has come when the tap's wait ends
        yield d.tap(d.find_row("ProbeRow", number=0))
        assert app.picked == [2, 0], app.picked
        assert d.visible_rows("ProbeRow")[0].number == 0  # top-most first
        yield d.tap(d.find_row("ProbeRow", number=100))
        assert app.picked == [2, 0, 100], app.picked
        yield d.tap(d.get(text="a choice"))  # a toggle stays down after its release
        assert app.picked == [2, 0, 100, "toggle"], app.picked
        hidden = next(w for w in app.root.ids.plain.children if w.number == 109)
        try:
            d.tap(hidden)  # laid out far below the list's visible area
        except ScenarioFailed as exc:
            d.note("hidden", str(exc))
        yield 0.3
        d.note("picked", list(app.picked))

    return run_scenario(_list_app(), scenario, timeout=30)


def test_rows_inside_a_recycleview_get_real_taps():
    outcome = run_in_process(f"{__name__}:tap_rows_in_a_list", timeout=120)
    assert outcome.ok, outcome.error
    assert outcome.notes["picked"] == [2, 0, 100, "toggle"]  # the row out of view got nothing
    assert "out of its list's view" in outcome.notes["hidden"]


def dies_without_a_result():
    import os

    os._exit(3)  # as a crash in the GL driver or faulthandler's exit would end it


def unpicklable_note():
    import threading

    from ui.driver import Outcome

    return Outcome(ok=True, notes={"lock": threading.Lock(), "count": 2})


def test_an_app_process_that_dies_is_reported_at_once():
    import time

    started = time.monotonic()
    outcome = run_in_process(f"{__name__}:dies_without_a_result", timeout=120)
    assert not outcome.ok and "exit code 3" in outcome.error, outcome.error
    assert time.monotonic() - started < 30, "not after the whole timeout"


def test_a_note_that_cannot_cross_processes_arrives_as_its_repr():
    outcome = run_in_process(f"{__name__}:unpicklable_note", timeout=60)
    assert outcome.ok, outcome.error
    assert outcome.notes["count"] == 2 and "lock" in outcome.notes["lock"]
