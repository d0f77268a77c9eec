"""Touch widgets both terminals use: a PIN/amount keypad, an on-screen keyboard, buttons.

The kiosk has no physical keyboard and a till's keyboard is often out of reach, so every
text and number a person types can be typed here by touch. KV layout lives beside this
file in ``widgets.kv``.
"""
from __future__ import annotations

from pathlib import Path

from kivy.core.text import LabelBase
from kivy.lang import Builder
from kivy.metrics import sp
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import ScreenManager
from kivy.uix.scrollview import ScrollView

ASSETS = Path(__file__).resolve().parent.parent / "assets"
# Roboto (Kivy's default) has Cyrillic and ₽ but no ⌫ or ⇧; DejaVu has both.
LabelBase.register(name="Symbols", fn_regular=str(ASSETS / "fonts" / "DejaVuSansMono.ttf"))
Builder.load_file(str(Path(__file__).with_name("widgets.kv")))


def _bind_inactive_bar_color(self, *_args) -> None:  # replaces ScrollView's (Kivy 2.3), same name
    """A list's scroll bar goes to its resting colour at once, without Kivy's fade.

    Kivy fades the bar with an Animation half a second after every change of a list (a line
    added at the till, new results at the kiosk). The Animation computes ``a*(1-t) + b*t``,
    which differs from ``a`` by a rounding error even when both colours are the same, so
    every frame of that half second was redrawn (~55 ms each under software OpenGL) and a
    scan or key that came meanwhile waited for them: at the till the scan's line reached
    the sale's rows after ~58 ms instead of ~13. widgets.kv makes the resting colour the
    bar's own, so nothing changes at all.
    """
    self.funbind("bar_color", self._change_bar_color)
    self.fbind("bar_inactive_color", self._change_bar_color)
    self._bar_color = self.bar_inactive_color


ScrollView._bind_inactive_bar_color = _bind_inactive_bar_color

LAYOUTS = {
    "ru": ["йцукенгшщзхъ", "фывапролджэ", "ячсмитьбюё"],
    "en": ["qwertyuiop", "asdfghjkl", "zxcvbnm"],
}
DIGITS = "1234567890"


class ScreenStack(ScreenManager):
    """The apps' screens, one at a time with no transition, and no clipping stencil.

    Kivy's own rule for ScreenManager clips its screens (for transitions that slide them in)
    with a stencil: a rectangle the size of the manager is drawn into the stencil buffer
    before its screens and again after, every frame. Under software OpenGL that was 1.7
    window-sized layers of the till's ~4.3 (a window's worth of pixels costs ~6 ms here).
    With no transition there is nothing to clip; widgets.kv drops the rule.
    """


class BigButton(Button):
    """A finger-sized button (at least 64 px high)."""

    kind = StringProperty("normal")  # normal | primary | danger | quiet


class Keypad(GridLayout):
    """Digits, clear and backspace for PINs, quantities and amounts.

    ``value`` holds what was typed; ``secret`` shows dots instead (PINs); ``on_enter``
    fires with the value when OK is pressed.
    """

    value = StringProperty("")
    shown = StringProperty("")
    secret = BooleanProperty(False)
    max_length = NumericProperty(12)
    allow_decimal = BooleanProperty(False)

    __events__ = ("on_enter",)

    def press(self, key: str) -> None:
        if key == "C":
            self.value = ""
        elif key == "<":
            self.value = self.value[:-1]
        elif key == "OK":
            self.dispatch("on_enter", self.value)
            return
        elif key in ",." and self.allow_decimal:
            if "," not in self.value:
                self.value += ","
        elif key.isdigit() and len(self.value) < self.max_length:
            self.value += key

    def on_value(self, *_args) -> None:
        self.shown = "•" * len(self.value) if self.secret else self.value

    def on_enter(self, value: str) -> None:
        pass


class TouchKeyboard(BoxLayout):
    """An on-screen keyboard, Cyrillic or Latin, typing into ``target`` (a TextInput)."""

    target = ObjectProperty(None, allownone=True)
    layout = StringProperty("ru")
    shift = BooleanProperty(False)

    __events__ = ("on_enter",)

    def on_kv_post(self, _base) -> None:
        self.rebuild()

    def on_layout(self, *_args) -> None:
        self.rebuild()

    def on_shift(self, *_args) -> None:
        self.rebuild()

    def key_rows(self) -> list[list[str]]:
        """The keys' labels, row by row, for this layout and shift."""
        return [[ch.upper() if self.shift else ch for ch in letters] for letters in [DIGITS] + LAYOUTS[self.layout]]

    def key_font_size(self) -> float:
        return sp(22)

    def rebuild(self) -> None:
        """Label the keys for the layout and shift.

        Keys are relabelled in place and only missing ones are made: making ~60 buttons anew
        held the main thread for 140-210 ms (software OpenGL) at every layout or shift change,
        in the middle of a shopper's typing.
        """
        rows = self.ids.get("rows")
        if rows is None:
            return
        wanted = self.key_rows()
        size = self.key_font_size()
        while len(rows.children) > len(wanted):
            rows.remove_widget(rows.children[0])          # children are stored last-first
        while len(rows.children) < len(wanted):
            rows.add_widget(BoxLayout(spacing=4))
        for row, labels in zip(reversed(rows.children), wanted):
            keys = list(reversed(row.children))
            for key, label in zip(keys, labels):
                key.text = label
                key.font_size = size
            for label in labels[len(keys):]:
                row.add_widget(Button(text=label, font_size=size, on_release=lambda b: self.type(b.text)))
            for key in keys[len(labels):]:
                row.remove_widget(key)

    def type(self, text: str) -> None:
        if self.target is not None:
            self.target.insert_text(text)
            self.target.focus = True

    def backspace(self) -> None:
        if self.target is not None:
            self.target.do_backspace()

    def clear(self) -> None:
        if self.target is not None:
            self.target.text = ""

    def switch_layout(self) -> None:
        self.layout = "en" if self.layout == "ru" else "ru"

    def enter(self) -> None:
        self.dispatch("on_enter", self.target.text if self.target is not None else "")

    def on_enter(self, text: str) -> None:
        pass
