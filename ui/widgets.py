"""Touch widgets both terminals use: a PIN/amount keypad, an on-screen keyboard, buttons.

The kiosk has no physical keyboard and a till's keyboard is often out of reach, so every
text and number a person types can be typed here by touch. KV layout lives beside this
file in ``widgets.kv``.
"""
from __future__ import annotations

from pathlib import Path

from kivy.core.text import LabelBase
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout

ASSETS = Path(__file__).resolve().parent.parent / "assets"
# Roboto (Kivy's default) has Cyrillic and ₽ but no ⌫ or ⇧; DejaVu has both.
LabelBase.register(name="Symbols", fn_regular=str(ASSETS / "fonts" / "DejaVuSansMono.ttf"))
Builder.load_file(str(Path(__file__).with_name("widgets.kv")))

LAYOUTS = {
    "ru": ["йцукенгшщзхъ", "фывапролджэ", "ячсмитьбюё"],
    "en": ["qwertyuiop", "asdfghjkl", "zxcvbnm"],
}
DIGITS = "1234567890"


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

    def rebuild(self) -> None:
        rows = self.ids.get("rows")
        if rows is None:
            return
        rows.clear_widgets()
        for letters in [DIGITS] + LAYOUTS[self.layout]:
            row = BoxLayout(spacing=4)
            for ch in letters:
                key = ch.upper() if self.shift else ch
                row.add_widget(Button(text=key, font_size="22sp", on_release=lambda b: self.type(b.text)))
            rows.add_widget(row)

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
