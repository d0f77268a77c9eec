"""The base App both terminals share: language, idle timer, messages, screenshots.

Subclasses (``KioskApp``, ``PosApp``) get their services injected by the composition root
(``run_kiosk.py``, ``run_pos.py``) and hand them to their screens; only this class and its
subclasses call ``App.get_running_app()``-style globals.

KV binds translated text as ``app.tr("Pay by card", app.lang)`` so switching language
re-renders every label, and money as ``app.money(kopecks, app.lang)``.
"""
from __future__ import annotations

import gc
import logging
import os
import shutil
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from retail import i18n

from .worker import Worker

log = logging.getLogger(__name__)


def settle_garbage() -> None:
    """Collect now and move every object alive to the garbage collector's permanent generation.

    A terminal app holds a couple of hundred thousand long-lived objects (widgets,
    properties, KV bindings): 180 000 on the till after its first screens. Python's full
    collection walks them all, about 100 ms on a till CPU (measured: 100-110 ms on the
    till, 0.01 ms once frozen), at a moment it chooses: in the middle of a scan or a
    shopper's typing, from any thread (a worker allocating query rows triggers it just the
    same, and it holds the interpreter lock). Frozen objects are never walked again, so
    collections stay small. The apps call this when nobody waits on the screen: after
    start-up, and when the kiosk goes back to its attract screen or the till locks.

    It unfreezes first: objects frozen while alive that have since become cyclic garbage
    (a shopper's screens, a finished sale) are collected only by a full collection that
    sees them, or a terminal running for weeks would keep every one of them.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def freeze_made() -> None:
    """Freeze what was just made to stay (a screen built on first use), without a collection.

    Cheap (no walk), so it can run while a person uses the screen; what little garbage it
    freezes is collected at the next :func:`settle_garbage`.
    """
    gc.freeze()


class TerminalApp(App):
    lang = StringProperty(i18n.DEFAULT_LANGUAGE)
    message = StringProperty("")
    message_kind = StringProperty("info")  # info | error | success
    offline_text = StringProperty("")  # empty while central is reachable
    large_text = BooleanProperty(False)
    font_scale = NumericProperty(1.0)
    idle_seconds = NumericProperty(0)  # 0 = no idle timeout

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.worker = Worker()
        self._idle_event = None
        self._message_event = None
        self.screenshot_dir = Path(os.environ.get("VITRINA_SCREENSHOTS", "artifacts/screenshots"))
        # When the composition root started the sync agent beside the app (time.time()), or None:
        # the offline banner gives a starting agent a moment before it speaks (ui.services.agent_starting).
        self.agent_started_at: float | None = None

    use_kivy_settings = False

    def open_settings(self, *_args) -> bool:
        """Kivy's own settings panel (F1 on any keyboard plugged in) is no part of a terminal.

        It edits Kivy's config file - "exit on Escape", full screen, the keyboard mode - so
        a shopper at the kiosk could turn its lock off for the next start, and anyone at
        the till could change what only the technician's screen (the ``settings`` right)
        may. Devices and registration are set up on the technician screen.
        """
        return False

    # ---------------------------------------------------------------- text

    def tr(self, message: str, _lang: str = "", **params) -> str:
        return i18n.translate(message, self.lang, **params)

    def money(self, kopecks: int, _lang: str = "") -> str:
        return i18n.money(int(kopecks or 0), self.lang)

    def qty(self, qty_milli: int, unit: str, _lang: str = "") -> str:
        return i18n.qty(int(qty_milli), unit, self.lang)

    def on_lang(self, _app, lang: str) -> None:
        i18n.set_language(lang)
        # The status bar's message was written in the other language: it goes rather than stay
        # untranslated under a screen that now reads in this one.
        self.clear_message()

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "ru" else "ru"

    def on_large_text(self, _app, value: bool) -> None:
        self.font_scale = 1.35 if value else 1.0

    # ---------------------------------------------------------------- messages

    def say(self, text: str, kind: str = "info", seconds: float = 6.0) -> None:
        """Show a message in the status bar; errors stay until the next action."""
        self.message, self.message_kind = text, kind
        if self._message_event is not None:
            self._message_event.cancel()
        if kind != "error" and seconds:
            self._message_event = Clock.schedule_once(lambda _dt: self.clear_message(), seconds)

    def clear_message(self) -> None:
        self.message = ""

    # ---------------------------------------------------------------- idle timer

    def on_start(self) -> None:
        Window.bind(on_touch_down=self._activity, on_key_down=self._activity)
        self.reset_idle()

    def on_stop(self) -> None:
        self.worker.shutdown()

    def _activity(self, *_args) -> None:
        self.reset_idle()

    def reset_idle(self) -> None:
        if self._idle_event is not None:
            self._idle_event.cancel()
            self._idle_event = None
        if self.idle_seconds:
            self._idle_event = Clock.schedule_once(lambda _dt: self.on_idle(), self.idle_seconds)

    def on_idle(self) -> None:
        """Called after ``idle_seconds`` without a touch or key; subclasses lock or reset."""

    # ---------------------------------------------------------------- screenshots

    def screenshot(self, name: str) -> Path:
        """Save what the window shows now as ``<screenshot_dir>/<name>.png``."""
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        target = self.screenshot_dir / f"{name}.png"
        made = Window.screenshot(name=str(self.screenshot_dir / f".{name}.png"))
        if made:
            shutil.move(made, target)
        return target
