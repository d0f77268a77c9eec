"""Paying for an endless-aisle order: by card at the kiosk's terminal, or when collecting.

The order id is made when the screen opens and kept until the order is placed: it is the
payment terminal's idempotency key, so "try again" after a lost answer asks the terminal
about the same payment instead of charging twice. While the terminal waits for the card
the screen is ``busy`` and the inactivity reset waits too.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.services import new_order_id
from retail.orders import OrderError, normalize_phone
from ui.worker import call_soon

from .base import KioskScreen, date_text

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

STATE_TEXT = {
    "pending": "Follow the instructions on the card terminal: tap, insert or swipe your card",
    "approved": "Payment approved. Saving your order…",
    "declined": "The payment was declined",
    "cancelled": "The payment was cancelled",
    "unknown": "Checking the payment with the terminal…",
}


def pretty_phone(phone: str) -> str:
    """``+79165554433`` -> ``+7 916 555-44-33``, as people write it."""
    digits = phone[2:]
    return f"+7 {digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:10]}"


class PaymentScreen(KioskScreen):
    fulfilment = StringProperty("")
    store_id = StringProperty("")
    summary = StringProperty("")
    lines_text = StringProperty("")
    total_text = StringProperty("")
    state_text = StringProperty("")
    problem = StringProperty("")
    can_retry_status = BooleanProperty(False)
    contact = ObjectProperty(None, allownone=True)
    estimate = ObjectProperty(None, allownone=True)
    order_id = StringProperty("")

    def open(self, fulfilment: str = "", store_id: str = "", contact=None, estimate=None, **params) -> None:
        if fulfilment:
            self.fulfilment, self.store_id, self.contact, self.estimate = fulfilment, store_id, contact, estimate
            self.order_id = new_order_id()
            self.state_text = self.problem = ""
            self.can_retry_status = False
        self.refresh()

    def refresh(self) -> None:
        tr = self.tr
        est = self.estimate
        if est is None or self.contact is None:
            self.summary = ""
            return
        when = date_text(tr, est)
        if self.fulfilment == "delivery":
            what = tr("Home delivery to {address}, {when}", address=self.contact.address, when=when)
        else:
            what = tr("Pickup at {store}, ready {when}", store=est.store_name, when=when)
        try:
            phone = pretty_phone(normalize_phone(self.contact.phone))
        except OrderError:
            phone = self.contact.phone
        self.summary = "\n".join([what, tr("For {name}, {phone}", name=self.contact.name, phone=phone)])
        self.basket_changed()

    def basket_changed(self) -> None:
        self.total_text = self.money(self.shell.basket_total)
        view = self.shell.basket
        self.lines_text = "\n".join(
            f"{line.name} — {self.shell.qty(line.qty_milli, line.unit)}, {self.money(line.amount)}"
            for line in (view.lines if view is not None else ()))

    def reset(self) -> None:
        self.fulfilment = self.store_id = self.summary = self.state_text = self.problem = ""
        self.contact = self.estimate = None
        self.order_id = ""
        self.busy = False

    # ---------------------------------------------------------------- paying

    def pay_card(self) -> None:
        if self.busy or not self.order_id:
            return
        self.busy = True
        self.problem = ""
        self.can_retry_status = False
        self.state_text = self.tr("Connecting to the card terminal…")
        self.submit(self.services.pay_and_place, self.shell.cart_copy(), fulfilment=self.fulfilment,
                    pickup_store_id=self.store_id or None, contact=self.contact, order_id=self.order_id,
                    lang=self.shell.lang, on_state=self._state_from_thread, on_done=self._outcome,
                    on_error=self._failed)

    def pay_later(self) -> None:
        if self.busy or not self.order_id or self.fulfilment != "pickup":
            return
        self.busy = True
        self.problem = ""
        self.submit(self.services.place_unpaid, self.shell.cart_copy(), pickup_store_id=self.store_id,
                    contact=self.contact, order_id=self.order_id, lang=self.shell.lang,
                    on_done=self._outcome, on_error=self._failed)

    def _state_from_thread(self, state) -> None:
        value = getattr(state, "value", str(state))
        call_soon(lambda: setattr(self, "state_text", self.tr(STATE_TEXT.get(value, value))))

    def _outcome(self, outcome) -> None:
        self.busy = False
        if outcome.state == "placed":
            self.shell.order_placed(outcome.placed, outcome.printed)
            return
        if outcome.state == "declined":
            self.state_text = ""
            self.problem = self.tr("The card was declined ({reason}). Try again, use another card, or go back.",
                                   reason=outcome.reason)
        elif outcome.state == "cancelled":
            self.state_text = ""
            self.problem = self.tr("The payment was cancelled. Nothing was charged.")
        else:
            self.state_text = ""
            self.problem = self.tr("We could not get an answer from the card terminal. Your card may have been "
                                   "charged: press «Check the payment» (it will not charge twice) or ask a member "
                                   "of staff.")
            self.can_retry_status = True

    def _failed(self, exc) -> None:
        from hardware.payment import PaymentError

        self.busy = False
        self.state_text = ""
        if isinstance(exc, PaymentError):  # the terminal is off or unreachable: the client says nothing was charged
            self.problem = self.tr("The card terminal is not working right now; nothing was charged. You can pay "
                                   "when you collect the order, or ask a member of staff.")
        else:
            self.problem = self.shell.error_text(exc)

    def back(self) -> None:
        if not self.busy:
            self.shell.show("checkout")
