"""Taking the money: cash with change, card through the payment terminal, points, split.

Card and points tenders are taken first and kept on the sale (a card once charged is
never lost by going back); cash comes last and may exceed what is left (the change).
When what is left reaches zero the sale is committed once (its id is the idempotency
key), the receipt goes to the print queue (cash sales kick the drawer) and the change
is shown big.

A card payment runs in the worker; its states (pending at the reader) come back through
``ui.worker.call_soon``. Declined or cancelled: say so and take another tender. Unknown (the link
broke, the terminal did not say): the sale stays open and "Retry card" asks again with
the *same* key and amount, so the customer is never charged twice.
"""
from __future__ import annotations

import logging
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from hardware.payment import Approved, Cancelled, Declined, PaymentError, TerminalUnavailable, Unknown
from retail.money import KOPECKS_PER_RUBLE
from retail.sales import Tender
from ui.worker import call_soon

from . import popups
from .base import PosScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))
log = logging.getLogger(__name__)

ROUND_TO = (100 * KOPECKS_PER_RUBLE, 500 * KOPECKS_PER_RUBLE, 1000 * KOPECKS_PER_RUBLE, 5000 * KOPECKS_PER_RUBLE)


class PaymentScreen(PosScreen):
    sale = ObjectProperty(None, allownone=True)
    total_text = StringProperty("")
    paid_text = StringProperty("")
    remaining_text = StringProperty("")
    tender_lines = ListProperty([])
    card_state = StringProperty("")
    busy = BooleanProperty(False)
    done = BooleanProperty(False)
    receipt_number = StringProperty("")
    change_text = StringProperty("")
    retry_card = BooleanProperty(False)
    can_points = BooleanProperty(False)
    title_text = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._after = None
        self._unknown_amount = 0

    def begin(self, sale, after=None, title: str = "") -> None:
        """Pay ``sale`` (a CurrentSale); ``after(committed)`` runs once it is committed."""
        self.sale = sale
        self._after = after
        self.done = False
        self.busy = False
        self.receipt_number = self.change_text = self.card_state = ""
        self.retry_card = bool(sale.unknown_key)
        self.can_points = sale.customer is not None
        self.title_text = title
        self.refresh()

    def relabel(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        sale = self.sale
        if sale is None:
            return
        m = self.app.money
        self.total_text = m(sale.total)
        self.paid_text = m(sale.paid)
        self.remaining_text = m(sale.remaining)
        self.tender_lines = [f"{self.tr(t.kind.capitalize())}: {m(t.amount)}" for t in sale.tenders]

    # ---------------------------------------------------------------- cash

    def ask_cash(self) -> None:
        if not self._ready():
            return
        left = self.sale.remaining
        quick = [(self.tr("Exact"), self._rub(left))]
        for step in ROUND_TO:
            up = -(-left // step) * step
            if up > left and self._rub(up) not in [q[1] for q in quick]:
                quick.append((self.app.money(up), self._rub(up)))
        popups.EntryPopup(app=self.app, mode="money", title=self.tr("Cash handed over"), quick=quick[:4],
                          prompt=self.tr("To pay: {amount}", amount=self.app.money(left)), then=self.pay_cash).open()

    @staticmethod
    def _rub(kopecks: int) -> str:
        rub, kop = divmod(kopecks, KOPECKS_PER_RUBLE)
        return f"{rub},{kop:02d}" if kop else str(rub)

    def pay_cash(self, handed: int) -> None:
        if handed < self.sale.remaining:
            self.say(self.tr("{amount} is still to pay", amount=self.app.money(self.sale.remaining - handed)), "error")
            return
        self.commit([Tender("cash", handed)])

    # ---------------------------------------------------------------- card

    def pay_card(self, amount: int | None = None) -> None:
        if not self._ready():
            return
        amount = self.sale.remaining if amount is None else amount
        if amount <= 0 or amount > self.sale.remaining:
            self.say(self.tr("The card amount must be between 0 and what is left to pay"), "error")
            return
        self._card(self.sale.card_key(), amount)

    def ask_card_amount(self) -> None:
        if not self._ready():
            return
        popups.EntryPopup(app=self.app, mode="money", title=self.tr("Amount to pay by card"),
                          initial=self._rub(self.sale.remaining), then=self.pay_card).open()

    def retry(self) -> None:
        if self.sale is not None and self.sale.unknown_key:
            self._card(self.sale.unknown_key, self._unknown_amount)

    def _card(self, key: str, amount: int) -> None:
        self.busy = True
        self._unknown_amount = amount
        self.card_state = self.tr("Connecting to the card terminal…")

        def on_state(state) -> None:  # from the payment thread
            call_soon(lambda: self._card_state(state.value))

        self.run(self.services.pay_card, key, amount, on_state,
                 on_done=lambda result: self._card_result(amount, result), on_error=self._card_failed)

    def _card_state(self, state: str) -> None:
        if self.busy:
            self.card_state = {"pending": self.tr("Waiting for the customer's card…"),
                               "unknown": self.tr("Checking the payment with the terminal…")}.get(state, state)

    def _card_result(self, amount: int, result) -> None:
        self.busy = False
        sale = self.sale
        if isinstance(result, Approved):
            sale.card_finished(True)
            self.retry_card = False
            reference = f"{result.scheme} {result.masked_pan} {result.txn_id}/{result.auth_code}".strip()
            sale.add_tender(Tender("card", result.amount, reference))
            self.card_state = self.tr("Card approved: {amount}", amount=self.app.money(result.amount))
            self.refresh()
            if sale.remaining == 0:
                self.commit([])
        elif isinstance(result, (Declined, Cancelled)):
            sale.card_finished(True)
            self.retry_card = False
            reason = getattr(result, "reason", "") or self.tr("cancelled")
            self.card_state = ""
            self.say(self.tr("Card declined: {reason}", reason=reason), "error")
        elif isinstance(result, Unknown):
            self._unknown(result.reason)

    def _unknown(self, reason: str) -> None:
        self.sale.card_finished(False)
        self.retry_card = True
        self.card_state = self.tr("Card payment outcome unknown")
        log.warning("card payment %s: outcome unknown: %s", self.sale.unknown_key, reason)
        self.say(self.tr("The card terminal did not confirm the payment; the sale stays open. "
                         "Press Retry card: the customer will not be charged twice."), "error")

    def _card_failed(self, exc) -> None:
        self.busy = False
        self.card_state = ""
        if isinstance(exc, TerminalUnavailable):
            self.say(self.tr("The card terminal cannot be reached; nothing was charged. ({error})", error=str(exc)),
                     "error")
        elif isinstance(exc, PaymentError):
            self._unknown(str(exc))
        else:
            self.app.show_error(exc)

    # ---------------------------------------------------------------- points

    def ask_points(self) -> None:
        if not self._ready() or self.sale.customer is None:
            return
        customer_id = self.sale.customer.account.customer_id
        self.run(self.services.redeemable_points, customer_id,
                 on_done=lambda result: self._points_allowed(*result))

    def _points_allowed(self, points: int, online: bool) -> None:
        self.run(self.services.point_value, on_done=lambda value: self._points_popup(points, online, value))

    def _points_popup(self, points: int, online: bool, value: int) -> None:
        most = min(points * value, self.sale.remaining // value * value)
        if most <= 0:
            self.say(self.tr("No points can be spent on this sale"), "error")
            return
        note = "" if online else self.tr(" (central is unreachable: offline limit)")
        popups.EntryPopup(app=self.app, mode="money", title=self.tr("Pay with points"),
                          prompt=self.tr("Up to {amount}", amount=self.app.money(most)) + note,
                          initial=self._rub(most), quick=[(self.app.money(most), self._rub(most))],
                          then=lambda amount: self._points(amount, most, value)).open()

    def _points(self, amount: int, most: int, value: int) -> None:
        if amount > most or amount % value:
            self.say(self.tr("Points pay up to {amount}, in whole points", amount=self.app.money(most)), "error")
            return
        self.sale.add_tender(Tender("points", amount))
        self.refresh()
        if self.sale.remaining == 0:
            self.commit([])

    # ---------------------------------------------------------------- committing

    def _ready(self) -> bool:
        if self.sale is None or self.done:
            return False
        if self.busy:
            self.say(self.tr("Wait for the card terminal"), "info")
            return False
        if self.sale.unknown_key:
            self.say(self.tr("First press Retry card to learn what happened to the last card payment"), "error")
            return False
        return True

    def commit(self, extra: list[Tender]) -> None:
        sale = self.sale
        self.busy = True
        names = {i.line_no: i.name(self.app.lang) for i in sale.cart.items}
        customer = sale.customer
        self.run(self.services.finish_sale, sale.priced, list(sale.tenders) + extra, staff_id=self.app.staff_id,
                 shift_id=self.app.shift_id, sale_id=sale.sale_id,
                 customer_id=customer.account.customer_id if customer else None,
                 card_number=customer.number if customer else None,
                 order_id=sale.order.id if sale.order is not None else None, names=names or None,
                 lang=self.app.lang, on_done=self._committed, on_error=self._commit_failed)

    def _commit_failed(self, exc) -> None:
        self.busy = False
        self.app.show_error(exc)

    def _committed(self, result) -> None:
        committed, printed = result
        self.busy = False
        self.done = True
        self.receipt_number = committed.number
        self.change_text = self.app.money(committed.change) if committed.change else ""
        self.card_state = ""
        text = self.tr("Sale {number} done", number=committed.number)
        if printed:
            text += ". " + self.tr(printed)
        self.say(text, "success" if not printed else "error")
        after, self._after = self._after, None
        if after is not None:
            after(committed)

    def new_sale(self) -> None:
        if self.sale is not None:
            self.sale.start()
        self.sale = None
        self.app.go("sell")

    def back(self) -> None:
        if self.sale is not None and self.sale.locked and not self.done:
            self.say(self.tr("Money was already taken for this sale: finish the payment"), "error")
            return
        if self.done:
            self.new_sale()
            return
        self.app.go("sell" if self.sale is None or self.sale.order is None else "pickup")
