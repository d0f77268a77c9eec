"""Click-and-collect at the till: the store's orders by status, picking, ready, handover.

Marking an order ready writes an ``order_status`` event; central notifies the shopper.
Handover needs proof that the person holds the confirmation: the pickup QR (signature
checked offline) scanned anywhere on the till, or the order number and the 6-digit code.
An order not paid online is paid first (a sale carrying the order id, on the payment
screen), then handed over with that sale. Orders whose shopper checked in at the kiosk
are highlighted; expired ones are listed for putting back on the shelf.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from retail.cart import CartItem

from ..current_sale import CurrentSale
from . import popups
from .base import PosScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

class OrderRow(ButtonBehavior, BoxLayout):
    order_id = StringProperty("")
    number = StringProperty("")
    who = StringProperty("")
    status = StringProperty("")
    money = StringProperty("")
    note = StringProperty("")
    tone = StringProperty("")        # '' | 'arrived' | 'expired'
    selected = BooleanProperty(False)
    screen = ObjectProperty(None, allownone=True)

    def on_release(self) -> None:
        self.screen.select(self.order_id)


class PickupScreen(PosScreen):
    filter = StringProperty("open")
    rows = ListProperty([])
    order = ObjectProperty(None, allownone=True)
    detail = StringProperty("")
    busy = BooleanProperty(False)
    last_handed = StringProperty("")      # the number of the order handed over last

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._orders = []
        self._overdue: set[str] = set()
        self._pending_code = ""

    def on_pre_enter(self, *_args) -> None:
        self.load()

    def load(self) -> None:
        self.run(self._load, on_done=self._loaded, key="pickup-orders")

    def _load(self):
        return self.services.pickup_orders(), {o.id for o in self.services.overdue_orders()}

    def _loaded(self, result) -> None:
        self._orders, self._overdue = result
        if self.order is not None:
            self.order = next((o for o in self._orders if o.id == self.order.id), None)
        self.refresh()
        if self._pending_code:
            code, self._pending_code = self._pending_code, ""
            self.open_code(code)

    def relabel(self) -> None:
        self.refresh()

    def set_filter(self, name: str) -> None:
        self.filter = name
        self.refresh()

    def _shown(self, o) -> bool:
        if self.filter == "ready":
            return o.status == "ready"
        if self.filter == "arrived":
            return o.arrived_at is not None and o.status in ("ready", "expired")
        if self.filter == "expired":
            return o.status == "expired" or o.id in self._overdue
        return True

    def refresh(self) -> None:
        rows = []
        for o in self._orders:
            if not self._shown(o):
                continue
            tone = "arrived" if o.arrived_at and o.status == "ready" else (
                "expired" if o.status == "expired" or o.id in self._overdue else "")
            note = []
            if o.arrived_at and o.status == "ready":
                note.append(self.tr("at the store now"))
            if o.id in self._overdue:
                note.append(self.tr("pickup time is over: put back on the shelf"))
            money = self.app.money(o.total) + ("  " + self.tr("to pay {amount}", amount=self.app.money(o.due))
                                               if o.due else "  " + self.tr("paid"))
            rows.append({"order_id": o.id, "number": o.number, "who": o.contact.get("name", ""),
                         "status": self.tr(o.status), "money": money, "note": ", ".join(note), "tone": tone,
                         "selected": self.order is not None and o.id == self.order.id, "screen": self})
        self.rows = rows
        self._detail()

    def _detail(self) -> None:
        o = self.order
        if o is None:
            self.detail = self.tr("Choose an order, or scan the customer's pickup code")
            return
        lines = [f"{o.number} · {self.tr(o.status)} · {o.contact.get('name', '')} {o.contact.get('phone', '')}", ""]
        for ln in o.lines:
            lines.append(f"{ln.name}  {self.app.qty(ln.qty_milli, 'pcs' if ln.qty_milli % 1000 == 0 else 'kg')}  "
                         f"{self.app.money(ln.amount)}")
        lines += ["", f"{self.tr('Total')}: {self.app.money(o.total)}   {self.tr('To pay')}: {self.app.money(o.due)}"]
        self.detail = "\n".join(lines)

    def select(self, order_id: str) -> None:
        self.order = next((o for o in self._orders if o.id == order_id), None)
        self.refresh()

    # ---------------------------------------------------------------- status changes

    def set_status(self, status: str) -> None:
        if self.order is None:
            self.say(self.tr("Choose an order first"), "error")
            return
        self.run(self.services.set_order_status, self.order.id, status, self.app.staff_id,
                 on_done=self._status_set)

    def _status_set(self, order) -> None:
        self.say(self.tr("Order {number} is now {status}", number=order.number, status=self.tr(order.status)),
                 "success")
        self.order = order
        self.load()

    # ---------------------------------------------------------------- handover

    def ask_code(self) -> None:
        if self.order is None:
            self.say(self.tr("Choose an order first, or scan the customer's pickup code"), "error")
            return
        number = self.order.number
        popups.EntryPopup(app=self.app, mode="pin", title=self.tr("Pickup code for {number}", number=number),
                          prompt=self.tr("The 6-digit code from the customer's confirmation"),
                          then=lambda secret: self._verify(number=number, secret=secret)).open()

    def on_scan(self, data: str, symbology=None) -> None:
        text = data.strip()
        listed = next((o for o in self._orders if o.number == text.upper()), None)
        if listed is not None:
            # The order number's barcode (the kiosk's check-in slip, the handover slip): it finds the
            # order but carries no authority, so the customer's pickup code is still asked for.
            self.select(listed.id)
            self.say(self.tr("Order {number}: ask the customer for the pickup code", number=listed.number), "info")
            return
        self.open_code(text)

    def open_code(self, code: str) -> None:
        """A pickup QR scanned here or on the sale screen."""
        if not self.services:
            self._pending_code = code
            return
        self._verify(code=code)

    def _verify(self, **proof) -> None:
        self.run(self.services.verify_pickup, **proof, on_done=self._verified)

    def _verified(self, order) -> None:
        self.order = order
        self.refresh()
        if order.status not in ("ready", "expired"):
            self.say(self.tr("Order {number} is {status}, not ready for pickup yet", number=order.number,
                             status=self.tr(order.status)), "error")
            return
        if order.due:
            self._take_payment(order)
        else:
            self._hand_over(order, None)

    def _take_payment(self, order) -> None:
        sale = CurrentSale()
        sale.order = order
        self.run(self.services.order_priced_cart, order, on_done=lambda priced: self._pay(sale, priced))

    def _pay(self, sale, priced) -> None:
        version = sale.version
        sale.cart.items = [CartItem(pl.line.line_no, pl.line.sku, ol.name, ol.name, pl.line.unit, pl.line.qty_milli,
                                    pl.line.unit_price, pl.line.vat_rate_bp)
                           for pl, ol in zip(priced.lines, sale.order.lines)]
        sale.priced_for(version, priced)
        order = sale.order
        self.app.screens["payment"].begin(sale, after=lambda committed: self._hand_over(order, committed.id),
                                          title=self.tr("Payment for order {number}", number=order.number))
        self.app.go("payment")

    def _hand_over(self, order, sale_id) -> None:
        self.run(self.services.hand_over, order.id, self.app.staff_id, sale_id, on_done=self._handed)

    def _handed(self, order) -> None:
        self.last_handed = order.number
        self.say(self.tr("Order {number} handed over", number=order.number), "success")
        self.order = None
        self.load()

    def expire(self) -> None:
        if self.order is None:
            self.say(self.tr("Choose an order first"), "error")
            return
        if self.order.id not in self._overdue:
            self.say(self.tr("This order's pickup time is not over yet"), "error")
            return
        popups.ConfirmPopup(app=self.app, title=self.tr("Pickup time is over"),
                            text=self.tr("Mark order {number} expired and put its goods back on the shelf?",
                                         number=self.order.number),
                            then=lambda: self.set_status("expired")).open()
