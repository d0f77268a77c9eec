"""The attract screen: the store's current promotions in turn, and "touch to start".

Shown when nobody is using the kiosk. Slides change every few seconds; a touch anywhere
that is not one of the shortcut buttons opens the search. The language buttons are here
too, so a visitor can switch before starting.
"""
from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import ListProperty, NumericProperty, StringProperty

from .base import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

SLIDE_SECONDS = 6.0


class AttractScreen(KioskScreen):
    slides = ListProperty([])
    index = NumericProperty(0)
    title = StringProperty("")
    image = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._event = None

    def on_enter(self, *_args) -> None:
        if self._event is None:
            self._event = Clock.schedule_interval(lambda _dt: self.advance(), SLIDE_SECONDS)

    def on_leave(self, *_args) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def refresh(self) -> None:
        self.submit(self.services.promotions, self.shell.lang, on_done=self._loaded, key="attract")

    def _loaded(self, slides) -> None:
        self.slides = slides
        self.index = 0
        self._show()

    def advance(self) -> None:
        if self.slides:
            self.index = (self.index + 1) % len(self.slides)
            self._show()

    def _show(self) -> None:
        if self.slides:
            slide = self.slides[self.index]
            self.title, self.image = slide.title, slide.image
        else:
            self.title, self.image = "", ""

    def on_touch_down(self, touch) -> bool:
        if super().on_touch_down(touch):
            return True  # a shortcut button took it
        if self.collide_point(*touch.pos):
            touch.ud["attract_start"] = True
            return True
        return False

    def on_touch_up(self, touch) -> bool:
        handled = super().on_touch_up(touch)
        if touch.ud.get("attract_start") and self.manager is not None and self.manager.current == self.name:
            touch.ud["attract_start"] = False
            self.shell.start()
            return True
        return handled
