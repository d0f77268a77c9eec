"""Continue on your phone: a QR code carrying the basket to the web shop.

The QR holds ``https://vitrina.example/basket?b=<signed basket code>``; the web shop
checks the signature, so nobody can hand a phone a doctored basket in the store's name.
Nothing about the shopper is in it: only the products and quantities.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import StringProperty

from .base import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class PhoneScreen(KioskScreen):
    url = StringProperty("")
    problem = StringProperty("")

    def refresh(self) -> None:
        self.url = ""
        self.problem = ""
        if self.shell.cart.is_empty():
            self.problem = self.tr("Your basket is empty")
            return
        self.submit(self.services.phone_url, self.shell.cart_copy(), on_done=self._made, on_error=self._failed)

    def _made(self, url: str) -> None:
        self.url = url

    def _failed(self, exc) -> None:
        self.problem = self.shell.error_text(exc)

    def reset(self) -> None:
        self.url = ""
        self.problem = ""
