"""Widgets the kiosk's screens share: result rows, product pictures, QR codes, the keyboard
with the symbols an address or e-mail needs, and the hidden corner.

Layout lives beside this file in ``widgets.kv``. Every label scales with
``app.font_scale`` (the large-text toggle) and every touch target is finger-sized.
"""
from __future__ import annotations

import time
from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.metrics import sp
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.widget import Widget

import ui.widgets  # noqa: F401  (BigButton, Keypad, TouchKeyboard and their KV)
from ui.widgets import TouchKeyboard

from .gesture import CornerTaps
from .qr import QrError, qr_texture

Builder.load_file(str(Path(__file__).with_name("widgets.kv")))

SYMBOLS = "@.,-_/"


class KioskKeyboard(TouchKeyboard):
    """The shared on-screen keyboard plus the symbols an e-mail, address or order number needs."""

    symbols = StringProperty(SYMBOLS)
    font_scale = NumericProperty(1.0)   # the app's large-text setting (bound in KV)

    def on_font_scale(self, *_args) -> None:
        self.rebuild()

    def key_rows(self) -> list[list[str]]:
        rows = super().key_rows()
        rows[-1] += list(self.symbols)
        return rows

    def key_font_size(self) -> float:
        return sp(22) * self.font_scale


class ResultRow(ButtonBehavior, BoxLayout):
    """One product in a list: picture, name, price (and the price before promotions, struck
    through, when they lower it), and whether this store has it on its shelves."""

    sku = StringProperty("")
    name = StringProperty("")
    price_text = StringProperty("")
    was_text = StringProperty("")
    stock_text = StringProperty("")
    image = StringProperty("")
    in_stock = BooleanProperty(False)
    opener = ObjectProperty(None, allownone=True)

    def on_release(self) -> None:
        if self.opener is not None and self.sku:
            self.opener(self.sku)


class Tile(ButtonBehavior, BoxLayout):
    """A picture with a caption that opens something (a category, a related product)."""

    key = StringProperty("")
    caption = StringProperty("")
    detail = StringProperty("")
    image = StringProperty("")
    opener = ObjectProperty(None, allownone=True)

    def on_release(self) -> None:
        if self.opener is not None and self.key:
            self.opener(self.key)


class QrImage(Image):
    """Shows ``data`` as a QR code; empty data shows nothing."""

    data = StringProperty("")

    def on_data(self, *_args) -> None:
        self.opacity = 1 if self.data else 0
        if not self.data:
            self.texture = None
            return
        try:
            self.texture = qr_texture(self.data)
        except QrError:
            self.texture = None


class HotCorner(Widget):
    """An invisible corner that counts taps for the technician gesture; it never eats a touch."""

    taps = ObjectProperty(None)
    __events__ = ("on_gesture",)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.taps = CornerTaps()

    def on_touch_down(self, touch) -> bool:
        if self.collide_point(*touch.pos) and self.taps.tap(time.monotonic()):
            Clock.schedule_once(lambda _dt: self.dispatch("on_gesture"), 0)
        return False

    def on_gesture(self) -> None:
        pass


class Stepper(BoxLayout):
    """Minus, the quantity, plus: for pieces one at a time, for kilograms half a kilo."""

    text = StringProperty("")
    can_decrease = BooleanProperty(True)
    __events__ = ("on_step",)

    def on_step(self, direction: int) -> None:
        pass


class HideBox(BoxLayout):
    """A box that can be hidden: no height, invisible, and deaf to touches while hidden.

    Children with a fixed height (finger-sized buttons) keep it inside a zero-height box,
    and a disabled widget still swallows touches over itself, so a bar hidden only by
    height would block whatever is drawn where its buttons still are.
    """

    shown = BooleanProperty(True)
    shown_height = NumericProperty(0)

    def on_touch_down(self, touch) -> bool:
        return super().on_touch_down(touch) if self.shown else False

    def on_touch_move(self, touch) -> bool:
        return super().on_touch_move(touch) if self.shown else False

    def on_touch_up(self, touch) -> bool:
        return super().on_touch_up(touch) if self.shown else False


class Section(BoxLayout):
    """A titled block of a page (white card on the light background)."""

    title = StringProperty("")
    hidden = BooleanProperty(False)
