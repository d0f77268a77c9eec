"""What every kiosk screen has: injected services and shell, and the hooks the app calls.

``services`` (:class:`kiosk.services.KioskServices`) and ``shell`` (the
:class:`kiosk.app.KioskApp`) are filled in by the app when it builds the screens; a
screen reaches the worker, the basket and translations through ``shell`` and never runs a
query itself. ``open(**params)`` is called before the screen is shown, ``refresh()``
when the language or the shopper's card changes, ``basket_changed()`` after the basket
was repriced, and ``reset()`` when the session ends (every typed text must go: privacy).
``busy`` tells the app not to reset the kiosk under a shopper (a card payment running).
"""
from __future__ import annotations

from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.screenmanager import Screen


class KioskScreen(Screen):
    services = ObjectProperty(None)
    shell = ObjectProperty(None)
    busy = BooleanProperty(False)

    def open(self, **params) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Reload what this screen shows (language or customer changed)."""

    def basket_changed(self) -> None:
        """The basket was changed and priced again."""

    def reset(self) -> None:
        """Forget everything the last shopper typed or saw here."""

    # ---------------------------------------------------------------- helpers

    def tr(self, message: str, **params) -> str:
        return self.shell.tr(message, **params)

    def money(self, kopecks: int) -> str:
        return self.shell.money(kopecks)

    def submit(self, fn, *args, on_done=None, on_error=None, key: str | None = None, **kwargs):
        return self.shell.worker.submit(fn, *args, on_done=on_done, on_error=on_error or self.shell.show_error,
                                        key=key, **kwargs)

    def unit_price_text(self, price, unit: str) -> str:
        """What one unit costs after the chain's promotions, as a shopper reads it: ``119,00 ₽`` or
        ``179,00 ₽/кг``; the same figure the product page and the till give."""
        if price is None:
            return self.tr("No price here")
        return self._per_unit(self.money(price.pays), unit)

    def was_text(self, price, unit: str) -> str:
        """The regular price struck through when promotions lower it; otherwise empty."""
        if price is None or price.saved <= 0:
            return ""
        return f"[s]{self._per_unit(self.money(price.shelf.regular), unit)}[/s]"

    def _per_unit(self, text: str, unit: str) -> str:
        return f"{text}/{self.tr('kg')}" if unit == "kg" else text


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def date_text(tr, estimate) -> str:
    """``today``, ``tomorrow`` or ``Tue 24.11`` (weekday translated) for an estimate's day."""
    if estimate.days <= 0:
        return tr("today")
    if estimate.days == 1:
        return tr("tomorrow")
    day = estimate.ready_on
    return f"{tr(WEEKDAYS[day.weekday()])} {day:%d.%m}"
