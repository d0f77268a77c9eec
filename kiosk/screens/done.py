"""The end of a visit: the order number and pickup code, or the ticket to take to the till.

After an order: its number, what happens next and when, the 6-digit pickup code and its
QR (the same one the printed confirmation carries), and whether the confirmation
printed (if not, the shopper is asked to photograph the screen). After a hand-off: the
basket's QR, which the till scans, also shown on screen in case the ticket did not
print. "Finish" clears the session for the next shopper.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from .base import KioskScreen, date_text

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class DoneScreen(KioskScreen):
    mode = StringProperty("")            # 'order' | 'handoff'
    headline = StringProperty("")
    number = StringProperty("")
    details = StringProperty("")
    code_text = StringProperty("")
    qr = StringProperty("")
    print_text = StringProperty("")
    printed = BooleanProperty(False)

    def open(self, placed=None, handoff_code: str = "", printed: bool = False, total: int = 0, **params) -> None:
        tr = self.tr
        self.printed = printed
        if placed is not None:
            self._placed = placed
            self.mode = "order"
            self._order_texts()
        elif handoff_code:
            self._placed = None
            self.mode = "handoff"
            self.headline = tr("Take your ticket to the till")
            self.number = ""
            self.details = tr("The cashier scans the QR code on the ticket and your basket opens at the till. "
                              "Total now: {total}", total=self.money(total))
            self.code_text = ""
            self.qr = handoff_code
            self.print_text = tr("Your ticket is printing below the screen.") if printed else tr(
                "The printer is not working: show this screen at the till, the cashier can scan it here.")

    def _order_texts(self) -> None:
        tr = self.tr
        placed = self._placed
        order = placed.order
        when = date_text(tr, placed.estimate)
        self.headline = tr("Thank you! Your order is placed")
        self.number = tr("Order {number}", number=order.number)
        if order.fulfilment == "pickup":
            pay = tr("Paid: {amount}", amount=self.money(order.paid)) if order.paid else tr(
                "To pay when you collect it: {amount}", amount=self.money(order.total))
            self.details = "\n".join([
                tr("Pick it up at {store}, from {when}. We will send an SMS when it is ready.",
                   store=placed.store_name, when=when), pay])
            self.code_text = tr("Your pickup code: {code}", code=placed.pickup_secret)
            self.qr = placed.pickup_code
        else:
            self.details = "\n".join([tr("Delivery to {address}, {when}.", address=order.contact.get("address", ""),
                                         when=when),
                                      tr("Paid: {amount}", amount=self.money(order.paid))])
            self.code_text = ""
            self.qr = ""
        self.print_text = tr("Your confirmation is printing below the screen.") if self.printed else tr(
            "The printer is not working: please photograph this screen or write down the order number and code.")

    _placed = None

    def refresh(self) -> None:
        if self.mode == "order" and self._placed is not None:
            self._order_texts()

    def finish(self) -> None:
        self.shell.reset_session()

    def reset(self) -> None:
        self._placed = None
        self.mode = self.headline = self.number = self.details = self.code_text = self.qr = self.print_text = ""
