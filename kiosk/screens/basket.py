"""The basket, priced by the till's engine: lines, promotions, savings, total, and the ways on.

From here the shopper orders it for delivery or pickup (checkout), takes a hand-off
ticket to pay at the till (a printed, signed QR the POS scans to recall the basket), or
continues on their phone. Lines are changed on the main thread in the app's cart and
priced again in the worker; the screen shows the priced view when it arrives.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from retail.money import MILLI

from .base import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

KG_STEP = 500


class BasketRow(BoxLayout):
    line_no = NumericProperty(0)
    name = StringProperty("")
    detail = StringProperty("")
    qty_text = StringProperty("")
    amount_text = StringProperty("")
    base_text = StringProperty("")
    here = BooleanProperty(True)
    screen = ObjectProperty(None, allownone=True)


class BasketScreen(KioskScreen):
    empty = BooleanProperty(True)
    subtotal_text = StringProperty("")
    discount_text = StringProperty("")
    total_text = StringProperty("")
    savings_text = StringProperty("")
    note_text = StringProperty("")

    def open(self, **params) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.shell.reprice()
        self.basket_changed()

    def reset(self) -> None:
        self.ids.lines.data = []
        self.empty = True

    def basket_changed(self) -> None:
        view = self.shell.basket
        if self.shell.cart.is_empty() or view is None:
            self.empty = self.shell.cart.is_empty()
            if self.empty:
                self.ids.lines.data = []
                self.subtotal_text = self.discount_text = self.total_text = self.savings_text = ""
                self.note_text = ""
            return
        self.empty = False
        qty = self.shell.qty
        rows = []
        for line in view.lines:
            unit_price = self.money(line.unit_price) + (f"/{self.tr('kg')}" if line.unit == "kg" else "")
            details = [f"{qty(line.qty_milli, line.unit)} × {unit_price}"] + list(line.labels)
            if not line.here:
                details.append(self.tr("not on the shelves here: will be ordered"))
            rows.append({"line_no": line.line_no, "name": line.name, "detail": " · ".join(details),
                         "qty_text": qty(line.qty_milli, line.unit), "amount_text": self.money(line.amount),
                         "base_text": f"[s]{self.money(line.base_amount)}[/s]" if line.discount else "",
                         "here": line.here, "screen": self})
        self.ids.lines.data = rows
        self.subtotal_text = self.money(view.subtotal)
        self.discount_text = ("−" + self.money(view.discount)) if view.discount else ""
        self.total_text = self.money(view.total)
        self.savings_text = "\n".join(f"{label}: −{self.money(amount)}" for label, amount in view.savings)
        self.note_text = "" if view.all_here else self.tr(
            "Some products are not on this store's shelves: order them for delivery or pickup")

    # ---------------------------------------------------------------- line changes

    def step(self, line_no: int, direction: int) -> None:
        try:
            item = self.shell.cart.item(line_no)
        except ValueError:
            return
        step = KG_STEP if item.unit == "kg" else MILLI
        self.shell.set_qty(line_no, item.qty_milli + direction * step)

    def remove(self, line_no: int) -> None:
        self.shell.remove_line(line_no)

    # ---------------------------------------------------------------- the ways on

    def checkout(self) -> None:
        if not self.shell.cart.is_empty():
            self.shell.show("checkout")

    def pay_at_till(self) -> None:
        if self.shell.cart.is_empty():
            return
        self.busy = True
        cart = self.shell.cart_copy()
        self.submit(self.services.hand_off, cart, self.shell.lang, on_done=self._handed, on_error=self._failed)

    def _handed(self, handoff) -> None:
        self.busy = False
        self.shell.show("done", handoff_code=handoff.code, printed=handoff.printed, total=handoff.total)

    def _failed(self, exc) -> None:
        self.busy = False
        self.shell.show_error(exc)

    def phone(self) -> None:
        if not self.shell.cart.is_empty():
            self.shell.show("phone")
