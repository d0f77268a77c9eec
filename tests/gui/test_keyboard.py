"""The on-screen keyboards: layout and shift relabel the keys in place, and type what they show.

Found by the bench's stall figure: the kiosk's keyboard made all its ~60 buttons anew at
every RU/EN switch, 140-210 ms of the main thread under software OpenGL while a shopper
typed. Now the keys are relabelled; only keys a longer row needs are made.
"""
import pytest

from ui.driver import run_in_process

pytestmark = pytest.mark.gui


def _app():
    from kivy.lang import Builder
    from kivy.properties import NumericProperty

    import kiosk.widgets  # noqa: F401  (KioskKeyboard)
    import ui.widgets  # noqa: F401  (TouchKeyboard)
    from ui.app import TerminalApp

    class Probe(TerminalApp):
        font_scale = NumericProperty(1.0)   # what KioskKeyboard binds to (the kiosk's large text)

        def build(self):
            return Builder.load_string(
                "BoxLayout:\n"
                "    orientation: 'vertical'\n"
                "    TextInput:\n"
                "        id: box\n"
                "    TouchKeyboard:\n"
                "        id: till_keys\n"
                "        target: box\n"
                "    KioskKeyboard:\n"
                "        id: kiosk_keys\n"
                "        target: box\n"
            )

    return Probe()


def _labels(keyboard) -> list[str]:
    return ["".join(k.text for k in reversed(row.children)) for row in reversed(keyboard.ids.rows.children)]


def _keys(keyboard) -> list:
    return [k for row in reversed(keyboard.ids.rows.children) for k in reversed(row.children)]


def switching():
    import time

    from ui.driver import run_scenario

    def scenario(app, d):
        till, kiosk = d.get("till_keys"), d.get("kiosk_keys")
        yield d.until(lambda: _keys(kiosk) and _keys(kiosk)[0].width > 1, 10, "the keyboards laid out")
        d.note("ru", _labels(till))
        first = {id(k) for k in _keys(till)}
        took = []
        started = time.perf_counter()
        till.switch_layout()
        took.append(time.perf_counter() - started)
        d.note("en", _labels(till))
        d.note("kept", sum(id(k) in first for k in _keys(till)))
        yield 0.2
        for ch in "qz":
            d.tap(next(k for k in _keys(till) if k.text == ch))
        till.shift = True
        d.note("en_shift", _labels(till))
        d.tap(next(k for k in _keys(till) if k.text == "Q"))
        till.shift = False
        started = time.perf_counter()
        till.switch_layout()
        took.append(time.perf_counter() - started)
        d.note("ru_again", _labels(till))
        yield 0.2
        d.tap(next(k for k in _keys(till) if k.text == "ё"))
        d.note("typed", app.root.ids.box.text)

        kiosk.switch_layout()
        d.note("kiosk_en", _labels(kiosk))
        app.font_scale = 1.5
        kiosk.switch_layout()
        d.note("kiosk_ru", _labels(kiosk))
        d.note("kiosk_sizes", sorted({round(k.font_size / _keys(till)[0].font_size, 2) for k in _keys(kiosk)}))
        d.note("switch_ms", [round(t * 1000, 1) for t in took])

    return run_scenario(_app(), scenario, timeout=60)


def test_layout_and_shift_relabel_the_keys_and_type_what_they_show():
    outcome = run_in_process(f"{__name__}:switching", timeout=120)
    assert outcome.ok, outcome.error
    n = outcome.notes
    assert n["ru"] == ["1234567890", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбюё"]
    assert n["en"] == ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]
    assert n["kept"] == 10 + 10 + 9 + 7, "the keys the English rows have were relabelled, not made again"
    assert n["en_shift"] == ["1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"]
    assert n["ru_again"] == n["ru"]
    assert n["typed"] == "qzQё"
    assert n["kiosk_en"] == ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm@.,-_/"]
    assert n["kiosk_ru"] == ["1234567890", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбюё@.,-_/"]
    assert n["kiosk_sizes"] == [1.5], "every key follows large text, the ones made after it too"
    print("layout switch:", n["switch_ms"], "ms")


def text_popup_twice():
    from pos.screens import popups
    from ui.driver import run_scenario

    def scenario(app, d):
        yield 0.2
        answers = []
        first = popups.TextPopup.ask(app, title="Suspend the sale", required=False, prompt="A note",
                                     then=answers.append)
        yield 0.2
        first.ids.keyboard.shift = True
        d.tap(next(k for row in first.ids.keyboard.ids.rows.children for k in row.children if k.text == "Й"))
        first.submit(first.ids.box.text)
        second = popups.TextPopup.ask(app, title="Receipt number", then=answers.append)
        yield 0.2
        d.note("same", second is first)
        d.note("second", [second.title, second.prompt, second.ids.box.text, second.ids.keyboard.shift,
                          second.required])
        second.submit("")
        d.note("error", second.error)
        second.submit(" MSK1-P1-000001 ")
        d.note("answers", answers)
        d.note("open", popups.top() is not None)

    return run_scenario(_app(), scenario, timeout=60)


def test_the_text_popup_is_made_once_and_asks_each_question_afresh():
    outcome = run_in_process(f"{__name__}:text_popup_twice", timeout=120)
    assert outcome.ok, outcome.error
    n = outcome.notes
    assert n["same"] is True
    assert n["second"] == ["Receipt number", "", "", False, True], "nothing of the first question is left"
    assert n["error"] == "Сначала введите текст"  # "Type something first", in the app's Russian
    assert n["answers"] == ["Й", "MSK1-P1-000001"]
    assert n["open"] is False
