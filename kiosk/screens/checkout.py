"""Delivery or pickup, and the shopper's contact details, typed on the on-screen keyboard.

Dates come from ``KioskServices.checkout_options`` (the whole basket routed the way
central routes it). Contact fields are checked by ``KioskServices.check_contact``; each
problem is shown under its field in words a shopper can act on, and nothing moves on
until they are fixed. The details stay only until the session ends.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import DictProperty, ListProperty, ObjectProperty, StringProperty

from retail.orders import Contact

from .base import KioskScreen, date_text

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

FIELDS = ("name", "phone", "email", "address")


class CheckoutScreen(KioskScreen):
    fulfilment = StringProperty("")          # 'delivery' | 'pickup'
    store_id = StringProperty("")
    delivery = ObjectProperty(None, allownone=True)
    pickups = ListProperty([])
    errors = DictProperty({})
    delivery_text = StringProperty("")

    def open(self, **params) -> None:
        self.errors = {}
        self.refresh()

    def refresh(self) -> None:
        if self.shell.cart.is_empty():
            return
        self.submit(self.services.checkout_options, self.shell.cart_copy(), self.shell.lang,
                    on_done=self._options, key="checkout")

    def _options(self, options) -> None:
        delivery, pickups = options
        self.delivery = delivery
        self.pickups = list(pickups)
        self.delivery_text = self.tr("Delivered {when}", when=date_text(self.tr, delivery))
        if not delivery.in_stock:
            self.delivery_text += "\n" + self.tr("Out of stock everywhere now: dates include restocking")
        if not self.store_id and pickups:
            self.store_id = pickups[0].store_id
        box = self.ids.stores
        box.clear_widgets()
        from kivy.factory import Factory

        for est in pickups:
            here = " " + self.tr("(this store)") if est.here else ""
            button = Factory.KToggle(group="store", allow_no_selection=False)
            button.base, button.min_h = 15, dp(60)  # two or three stores in view above the keyboard
            button.text = f"{est.store_name}{here}\n{self.tr('ready {when}', when=date_text(self.tr, est))}"
            button.store_id = est.store_id
            button.state = "down" if est.store_id == self.store_id else "normal"
            button.bind(on_release=lambda b: self.choose_store(b.store_id))
            box.add_widget(button)

    def choose(self, fulfilment: str) -> None:
        self.fulfilment = fulfilment
        self.errors = {}

    def choose_store(self, store_id: str) -> None:
        self.store_id = store_id

    def focus_field(self, field: str) -> None:
        widget = self.ids[field]
        for other in FIELDS:  # the on-screen keyboard types into one field: show one cursor
            if other != field and self.ids[other].focus:
                self.ids[other].focus = False
        self.ids.keyboard.target = widget
        self.ids.keyboard.layout = "en" if field == "email" else self.shell.lang
        self.ids.form_scroll.scroll_to(widget.parent, padding=dp(8), animate=False)
        if not widget.focus:
            widget.focus = True  # shows its cursor; its on_focus comes back here with nothing left to do

    def contact(self) -> Contact:
        return Contact(self.ids.name.text, self.ids.phone.text, self.ids.email.text,
                       self.ids.address.text if self.fulfilment == "delivery" else "")

    def go_on(self) -> None:
        if not self.fulfilment:
            self.shell.say(self.tr("Choose home delivery or pickup in a store"), "error")
            return
        if self.fulfilment == "pickup" and not self.store_id:
            self.shell.say(self.tr("Choose the store to pick the order up from"), "error")
            return
        contact, fulfilment = self.contact(), self.fulfilment
        self.submit(self.services.check_contact, contact, fulfilment,
                    on_done=lambda problems: self._checked(problems, contact, fulfilment))

    def _checked(self, problems: dict, contact: Contact, fulfilment: str) -> None:
        self.errors = {field: self.tr(message) for field, message in problems.items()}
        if problems:
            first = next(f for f in FIELDS if f in problems)
            self.focus_field(first)
            self.shell.say(self.tr("Please check the details marked in red"), "error")
            return
        self.shell.clear_message()
        estimate = self.delivery if fulfilment == "delivery" else next(
            (p for p in self.pickups if p.store_id == self.store_id), None)
        self.shell.show("payment", fulfilment=fulfilment, store_id=self.store_id if fulfilment == "pickup" else "",
                        contact=contact, estimate=estimate)

    def reset(self) -> None:
        for field in FIELDS:
            self.ids[field].text = ""
        self.fulfilment = ""
        self.store_id = ""
        self.errors = {}
        self.ids.stores.clear_widgets()
