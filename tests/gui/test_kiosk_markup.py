"""Text from the feeds and from shoppers is shown as typed, never read as Kivy markup.

Product, brand and store names come from central's catalogue, first names and addresses
from shoppers. The kiosk's labels render plain text; only the price labels, whose text the
app composes, strike a price through. A name carrying ``[size=400]`` is drawn at the row's
own size with its brackets showing, and a struck price is still drawn struck.
"""
import pytest

from ui.driver import run_in_process

pytestmark = pytest.mark.gui

HOSTILE = "[size=400]Сыр[/size] [b]жирный[/b] [color=ff0000]50 %[/color]"


def _app():
    from kivy.lang import Builder
    from kivy.properties import NumericProperty

    import kiosk.widgets  # noqa: F401  (ResultRow, KLabel)
    from ui.app import TerminalApp

    class Probe(TerminalApp):
        font_scale = NumericProperty(1.0)   # what the kiosk's labels bind to (large text)

        def build(self):
            return Builder.load_string(
                "BoxLayout:\n"
                "    orientation: 'vertical'\n"
                "    ResultRow:\n"
                "        id: row\n"
                f"        name: {HOSTILE!r}\n"
                "        price_text: '100,00 ₽'\n"
                "        was_text: '[s]120,00 ₽[/s]'\n"
                "        stock_text: 'Можно заказать'\n"
                "    Widget:\n"
            )

    return Probe()


def rendering():
    from ui.driver import run_scenario

    def scenario(app, d):
        row = app.root.ids.row
        labels = [w for w in row.walk(restrict=True) if type(w).__name__ == "KLabel"]
        yield d.until(lambda: all(lb.texture_size[1] > 0 for lb in labels), 10, "the row drawn")
        yield 0.3
        by_text = {lb.text: lb for lb in labels}
        name, was = by_text[HOSTILE], by_text["[s]120,00 ₽[/s]"]
        d.note("markup", sorted(lb.text for lb in labels if lb.markup))
        d.note("name", name.markup)
        d.note("was_markup", was.markup)
        d.shot("hostile-name-row")
        was.text_size = (None, None)   # the texture as wide as the text, to compare the two renderings
        yield 0.2
        d.note("was", was.texture_size[0])
        was.markup = False
        yield 0.2
        d.note("was_as_text", was.texture_size[0])

    return run_scenario(_app(), scenario, timeout=60)


def test_a_name_with_markup_is_shown_as_typed_and_prices_still_strike_through():
    outcome = run_in_process(f"{__name__}:rendering", timeout=120)
    assert outcome.ok, outcome.error
    assert outcome.notes["name"] is False
    assert outcome.notes["markup"] == ["[s]120,00 ₽[/s]"], "only the struck price reads markup"
    assert outcome.notes["was_markup"] is True
    assert outcome.notes["was"] < outcome.notes["was_as_text"], "[s]…[/s] is drawn struck, not printed"
