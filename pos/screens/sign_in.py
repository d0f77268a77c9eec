"""Signing in with a PIN on the touch keypad (or the keyboard's digits)."""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from .base import PosScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class SignInScreen(PosScreen):
    """Nobody is signed in: a PIN signs a cashier, manager or technician in."""

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
        self.run(self.services.sign_in, pin, on_done=self._signed_in, on_error=self._refused)

    def _signed_in(self, member) -> None:
        self.checking = False
        self.error = ""
        self.app.signed_in(member)
        self.say(self.tr("Hello, {name}", name=member.name), "success")

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
