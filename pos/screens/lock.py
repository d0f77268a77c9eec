"""The locked till: the sale in progress waits; the same person's PIN, or a manager's, unlocks it.

Anyone else's PIN signs them in instead (the first person is signed out, their sale
stays on the till for whoever continues), so a till is never stuck behind one person.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

from .sign_in import PinScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class LockScreen(PinScreen):
    def accepted(self, member) -> None:
        if member.id != self.app.staff_id:
            self.say(self.tr("{name} took over the till", name=member.name), "info")
        self.app.signed_in(member)
