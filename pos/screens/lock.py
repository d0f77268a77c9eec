"""The locked till: the sale in progress waits; the same person's PIN, or a manager's, unlocks it.

Anyone else's PIN signs them in instead (the first person is signed out, their sale
stays on the till for whoever continues), so a till is never stuck behind one person.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from .base import PosScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class LockScreen(PosScreen):
    error = StringProperty("")
    checking = BooleanProperty(False)

    def on_pre_enter(self, *_args) -> None:
        self.error = ""
        self.ids.pad.value = ""

    def submit(self, pin: str) -> None:
        if self.checking or not pin:
            if not pin:
                self.error = self.tr("Type your PIN")
            return
        self.checking = True
        self.ids.pad.value = ""
        self.run(self.services.sign_in, pin, on_done=self._unlocked, on_error=self._refused)

    def _unlocked(self, member) -> None:
        self.checking = False
        if member.id != self.app.staff_id:
            self.say(self.tr("{name} took over the till", name=member.name), "info")
        self.app.signed_in(member)

    def _refused(self, exc) -> None:
        self.checking = False
        self.error = self.app.describe_error(exc)

    def on_typed(self, keys) -> None:
        for key in keys.keys:
            if key.isdigit():
                self.ids.pad.press(key)
            elif key in ("enter", "\r", "\n"):
                self.submit(self.ids.pad.value)
            elif key == "backspace":
                self.ids.pad.press("<")
