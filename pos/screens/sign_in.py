"""Signing in with a PIN on the touch keypad (or the keyboard's digits)."""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from .base import PosScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class PinScreen(PosScreen):
    """A screen whose keypad takes a PIN: checked in the worker, the reason shown if refused.

    Subclasses say what a right PIN does in :meth:`accepted`.
    """

    error = StringProperty("")
    checking = BooleanProperty(False)

    def on_pre_enter(self, *_args) -> None:
        self.error = ""
        self.ids.pad.value = ""

    def submit(self, pin: str) -> None:
        if self.checking:
            return
        if not pin:
            self.error = self.tr("Type your PIN")
            return
        self.checking = True
        self.ids.pad.value = ""
        self.run(self.services.sign_in, pin, on_done=self._accepted, on_error=self._refused)

    def _accepted(self, member) -> None:
        self.checking = False
        self.error = ""
        self.accepted(member)

    def _refused(self, exc) -> None:
        self.checking = False
        self.error = self.app.describe_error(exc)

    def on_typed(self, keys) -> None:
        """Digits typed on a physical keyboard go to the keypad; Enter submits."""
        for key in keys.keys:
            if key.isdigit():
                self.ids.pad.press(key)
            elif key in ("enter", "\r", "\n"):
                self.submit(self.ids.pad.value)
            elif key == "backspace":
                self.ids.pad.press("<")


class SignInScreen(PinScreen):
    """Nobody is signed in: a PIN signs a cashier, manager or technician in."""

    def accepted(self, member) -> None:
        self.app.signed_in(member)
        self.say(self.tr("Hello, {name}", name=member.name), "success")
