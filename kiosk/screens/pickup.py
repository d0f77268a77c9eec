"""Click-and-collect check-in: scan the confirmation's QR, or type the order number and code.

The signature of a scanned code and the hash of a typed code are checked offline by
``KioskServices.check_in``. A ready order gets its arrival recorded (the till's handover
list shows it) and a pickup slip printed; anything else is said plainly with what to do
next: not ready yet, pickup time over, already collected, cancelled, another store, or a
code that is not valid.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from .base import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

STATUS = {"placed": "Order received", "picking": "Being picked", "ready": "Ready for pickup",
          "collected": "Collected", "expired": "Pickup time over", "cancelled": "Cancelled"}


class PickupScreen(KioskScreen):
    headline = StringProperty("")
    advice = StringProperty("")
    lines_text = StringProperty("")
    problem = StringProperty("")
    state = StringProperty("")
    checking = BooleanProperty(False)

    def open(self, code: str = "", **params) -> None:
        if code:
            self.check(code=code)
        else:
            self.focus("number")

    def focus(self, field: str) -> None:
        """The on-screen keyboard types into ``field``; the other field lets go of its cursor."""
        other = "secret" if field == "number" else "number"
        self.ids[other].focus = False
        self.ids.keyboard.target = self.ids[field]
        self.ids.keyboard.layout = "en"

    def typed(self) -> None:
        number, secret = self.ids.number.text.strip(), self.ids.secret.text.strip()
        if not number or not secret:
            self.problem = self.tr("Type the order number and the 6-digit code from your confirmation")
            return
        self.check(number=number, secret=secret)

    def check(self, **proof) -> None:
        self.problem = ""
        self.checking = True
        self.submit(self.services.check_in, lang=self.shell.lang, on_done=self._checked, on_error=self._failed,
                    key="pickup", **proof)

    def _failed(self, exc) -> None:
        self.checking = False
        self.state = "refused"
        self.headline = self.advice = self.lines_text = ""
        self.problem = self.shell.error_text(exc)

    def _checked(self, view) -> None:
        self.checking = False
        tr = self.tr
        order = view.order
        self.state = view.state
        self.ids.number.text = self.ids.secret.text = ""
        self.headline = tr("Order {number}: {status}", number=order.number,
                           status=tr(STATUS.get(order.status, order.status)))
        qty = self.shell.qty
        items = [f"• {line.name} — {qty(line.qty_milli, view.units.get(line.sku, 'pcs'))}" for line in order.lines]
        self.lines_text = "\n".join(items)
        due = order.due
        pay = tr("To pay at the till: {amount}", amount=self.money(due)) if due else tr("Already paid")
        advice = {
            "ready": tr("Welcome! Staff at the till have been told you are here; please go to the till. Your "
                        "pickup slip is printing.") + "\n" + pay,
            "arrived": tr("You have already checked in; staff know you are here. Please go to the till.") + "\n" + pay,
            "not_ready": tr("Your order is not ready yet. We will send an SMS when it is; please come back then."),
            "expired": tr("The pickup time for this order is over. Please ask at the till: staff will check whether "
                          "it can still be handed over."),
            "collected": tr("This order has already been collected. If that was not you, please ask at the till."),
            "cancelled": tr("This order was cancelled. If you paid for it, the money is returned to your card; "
                            "ask at the till if you have questions."),
            "elsewhere": tr("This order is to be collected at {store}, not in this store.", store=view.store_name),
        }
        self.advice = advice.get(view.state, "")

    def reset(self) -> None:
        self.ids.number.text = self.ids.secret.text = ""
        self.headline = self.advice = self.lines_text = self.problem = self.state = ""
