"""Ringing up a sale: scans, search, the quick category grid, quantities, voids, prices, customer.

A scan is resolved in the worker (barcode, scale label, loyalty card, signed code); a
product goes into the cart on the main thread and its line shows at once at the shelf
price, then the whole cart is priced again in the worker and the promotions appear per
line. Voids above the store's threshold and price changes need a manager (the approval
popup); every void and override is audited.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from retail.cart import CartError
from retail.money import line_amount
from retail.pricing import describe
from ui.services import CardScanned, CodeScanned, ProductOffer, ScanProblem

from ..current_sale import CurrentSale
from . import popups
from .base import PosScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class CartRow(ButtonBehavior, BoxLayout):
    line_no = NumericProperty(0)
    name = StringProperty("")
    detail = StringProperty("")
    promo = StringProperty("")
    amount = StringProperty("")
    selected = BooleanProperty(False)
    screen = ObjectProperty(None, allownone=True)

    def on_release(self) -> None:
        if self.screen is not None:
            self.screen.select(self.line_no)


class OfferButton(ButtonBehavior, BoxLayout):
    """A search result or a quick item: name and price; a tap adds it."""

    sku = StringProperty("")
    name = StringProperty("")
    price = StringProperty("")
    extra = StringProperty("")
    screen = ObjectProperty(None, allownone=True)

    def on_release(self) -> None:
        if self.screen is not None:
            self.screen.add_sku(self.sku)


class SellScreen(PosScreen):
    sale = ObjectProperty(None)
    selected = NumericProperty(0)
    rows = ListProperty([])
    panel = StringProperty("quick")          # quick | search
    category_id = StringProperty("")
    category_name = StringProperty("")
    results = ListProperty([])
    tiles = ListProperty([])                 # quick grid: categories or products
    customer_line = StringProperty("")
    offers_line = StringProperty("")
    subtotal_text = StringProperty("")
    savings_text = StringProperty("")
    vat_text = StringProperty("")
    total_text = StringProperty("")
    pricing = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._pay_when_priced = False
        self.sale = CurrentSale()
        self.sale.bind(version=lambda *_: self.refresh(), priced=lambda *_: self.refresh(),
                       customer=lambda *_: self.refresh_customer())

    def relabel(self) -> None:
        self.refresh()
        self.refresh_customer()
        if self.panel == "quick":
            self.show_categories(self.category_id or None)

    def on_pre_enter(self, *_args) -> None:
        if not self.tiles:
            self.show_categories(None)
        self.refresh()

    # ---------------------------------------------------------------- display

    def refresh(self) -> None:
        """Rows from the cart at once; amounts and promotions from the last price when it is current."""
        sale, lang = self.sale, self.app.lang if self.app else "ru"
        priced_lines = {}
        if sale.priced is not None:
            priced_lines = {pl.line.line_no: pl for pl in sale.priced.lines}
        rows = []
        for item in sale.cart.items:
            pl = priced_lines.get(item.line_no)
            unit_price = item.price_override if item.price_override is not None else item.unit_price
            qty = self.app.qty(item.qty_milli, item.unit)
            detail = f"{qty} × {self.app.money(unit_price)}" + (f"/{self.tr('kg')}" if item.unit == "kg" else "")
            if item.price_override is not None:
                detail += "  " + self.tr("(price changed)")
            amount = pl.amount if pl is not None and pl.line.qty_milli == item.qty_milli else \
                line_amount(unit_price, item.qty_milli)
            promo = ""
            if pl is not None and pl.adjustments:
                promo = "  ".join(f"{describe(a, lang)} −{self.app.money(a.amount)}" for a in pl.adjustments)
            rows.append({"line_no": item.line_no, "name": item.name(lang), "detail": detail, "promo": promo,
                         "amount": self.app.money(amount), "selected": item.line_no == self.selected,
                         "screen": self})
        self.rows = rows
        priced = sale.priced if sale.is_current else None
        if priced is not None:
            self.subtotal_text = self.app.money(priced.subtotal)
            self.savings_text = self.app.money(priced.discount_total) if priced.discount_total else ""
            self.vat_text = "  ".join(f"{row.rate_bp // 100}%: {self.app.money(row.vat)}"
                                      for row in priced.vat_breakdown)
            self.total_text = self.app.money(priced.total)
        else:
            raw = sum(line_amount(i.price_override if i.price_override is not None else i.unit_price, i.qty_milli)
                      for i in sale.cart.items)
            self.subtotal_text = self.app.money(raw)
            self.savings_text = ""
            self.vat_text = ""
            self.total_text = self.app.money(raw)

    def refresh_customer(self) -> None:
        view = self.sale.customer
        if view is None:
            self.customer_line = ""
            self.offers_line = ""
            return
        a = view.account
        self.customer_line = self.tr("{name} · {tier} · {points} points", name=a.first_name, tier=self.tr(a.tier),
                                     points=a.balance)
        self.offers_line = "; ".join(p.name for p in view.offers[:3])

    def select(self, line_no: int) -> None:
        self.selected = line_no if self.selected != line_no else 0
        self.refresh()

    # ---------------------------------------------------------------- pricing

    def reprice(self) -> None:
        version, cart = self.sale.snapshot()
        if cart.is_empty():
            self.sale.priced_for(version, _EMPTY)
            return
        self.pricing = True
        self.run(self.services.price, cart, self.app.lang, key="price",
                 on_done=lambda priced: self._priced(version, priced), on_error=self._price_failed)

    def _priced(self, version: int, priced) -> None:
        if self.sale.priced_for(version, priced):
            self.pricing = False
            if self._pay_when_priced:
                self._pay_when_priced = False
                self.pay()

    def _price_failed(self, exc) -> None:
        self.pricing = False
        self._pay_when_priced = False
        self.app.show_error(exc)

    def _changed(self) -> None:
        self.sale.changed()
        self.reprice()

    # ---------------------------------------------------------------- adding

    def _editable(self) -> bool:
        if self.sale.locked:
            self.say(self.tr("Money was already taken for this sale: finish the payment"), "error")
            return False
        return True

    def on_scan(self, data: str, symbology=None) -> None:
        self.run(self.services.resolve_scan, data, symbology, on_done=self.scanned)

    def scanned(self, outcome) -> None:
        if isinstance(outcome, ProductOffer):
            self.add_offer(outcome)
        elif isinstance(outcome, CardScanned):
            self.identify(outcome.number)
        elif isinstance(outcome, CodeScanned):
            self._code(outcome)
        elif isinstance(outcome, ScanProblem):
            text = self.tr(outcome.message, **outcome.params)
            self.say(f"{text} ({outcome.detail})" if outcome.detail else text, "error")

    def _code(self, code: CodeScanned) -> None:
        if code.kind == "basket":
            if not self.sale.cart.is_empty():
                self.say(self.tr("Finish or suspend this sale before taking over a kiosk basket"), "error")
                return
            self.run(self.services.recall_basket, code.code, self.app.staff_id, on_done=self._basket)
        elif code.kind == "receipt":
            self.app.screens["returns"].open_receipt(code.code)
            self.app.go("returns")
        elif code.kind == "pickup":
            self.app.screens["pickup"].open_code(code.code)
            self.app.go("pickup")

    def _basket(self, basket) -> None:
        self.sale.start(basket.cart)
        self.selected = 0
        self.reprice()
        text = self.tr("Kiosk basket from {kiosk}: {lines} lines", kiosk=basket.kiosk, lines=len(basket.cart.items))
        if basket.skipped:
            text += ". " + self.tr("Not available: {items}", items=", ".join(basket.skipped))
        self.say(text, "success" if not basket.skipped else "error")

    def add_sku(self, sku: str) -> None:
        self.run(self.services.offer, sku, on_done=self.add_offer)

    def add_offer(self, offer: ProductOffer, qty_milli: int | None = None) -> None:
        if not self._editable():
            return
        if offer.needs_weight and qty_milli is None:
            popups.EntryPopup(app=self.app, mode="weight", title=offer.product.name(self.app.lang),
                              prompt=self.tr("Put it on the scale and type the weight in kg"),
                              then=lambda grams: self.add_offer(offer, grams)).open()
            return
        try:
            item = offer.add_to(self.sale.cart, qty_milli)
        except CartError as exc:
            self.app.show_error(exc)
            return
        self.selected = item.line_no
        self._changed()
        self.say(self.tr("Added: {name}", name=item.name(self.app.lang)))

    # ---------------------------------------------------------------- changing lines

    def _selected_item(self):
        try:
            return self.sale.cart.item(self.selected)
        except CartError:
            if self.sale.cart.items:
                return self.sale.cart.items[-1]
            self.say(self.tr("Scan an item first"), "error")
            return None

    def change_quantity(self) -> None:
        item = self._selected_item()
        if item is None or not self._editable():
            return
        weighed = item.unit == "kg"
        popups.EntryPopup(app=self.app, mode="weight" if weighed else "qty", title=item.name(self.app.lang),
                          prompt=self.tr("Type the weight in kg") if weighed else self.tr("How many?"),
                          then=lambda qty: self._set_qty(item.line_no, qty)).open()

    def _set_qty(self, line_no: int, qty_milli: int) -> None:
        try:
            self.sale.cart.set_qty(line_no, qty_milli)
        except CartError as exc:
            self.app.show_error(exc)
            return
        self._changed()

    def void_line(self) -> None:
        item = self._selected_item()
        if item is None or not self._editable():
            return
        pl = next((p for p in (self.sale.priced.lines if self.sale.priced else ()) if p.line.line_no == item.line_no),
                  None)
        unit_price = item.price_override if item.price_override is not None else item.unit_price
        amount = pl.amount if pl is not None else line_amount(unit_price, item.qty_milli)
        details = {"sku": item.sku, "line_no": item.line_no, "qty_milli": item.qty_milli, "amount": amount,
                   "sale_id": self.sale.sale_id}

        def do(approval) -> None:
            self.sale.cart.remove(item.line_no)
            self.selected = 0
            self._changed()
            self.run(self.services.audit, self.app.staff_id, "void_line", details, approval)
            self.say(self.tr("Voided: {name}", name=item.name(self.app.lang)))

        self.run(self.services.void_threshold, on_done=lambda limit: (
            self.app.require("void_line_over_threshold", do, details) if amount > limit else do(None)))

    def override_price(self) -> None:
        item = self._selected_item()
        if item is None or not self._editable():
            return

        def typed(price: int) -> None:
            details = {"sku": item.sku, "line_no": item.line_no, "old_price": item.unit_price, "new_price": price,
                       "sale_id": self.sale.sale_id}

            def do(approval) -> None:
                try:
                    self.sale.cart.override_price(item.line_no, price)
                except CartError as exc:
                    self.app.show_error(exc)
                    return
                self._changed()
                if approval is None:  # a manager's own right: audit it here (the approval audited itself)
                    self.run(self.services.audit, self.app.staff_id, "price_override", details)

            self.app.require("price_override", do, details)

        popups.EntryPopup(app=self.app, mode="money", title=self.tr("New price for {name}", name=item.name(self.app.lang)),
                          then=typed).open()

    # ---------------------------------------------------------------- customer

    def ask_card(self) -> None:
        popups.CustomerPopup(app=self.app, then=self.identify).open()

    def identify(self, number: str) -> None:
        if self.sale.locked:
            self.say(self.tr("Money was already taken for this sale: finish the payment"), "error")
            return
        self.run(self.services.loyalty_card, number, self.app.lang, on_done=self._identified)

    def _identified(self, view) -> None:
        self.sale.identify(view)
        self.reprice()
        self.say(self.tr("Customer: {name}, {points} points", name=view.account.first_name,
                         points=view.account.balance), "success")

    def forget_customer(self) -> None:
        if self._editable():
            self.sale.identify(None)
            self.reprice()

    # ---------------------------------------------------------------- search and quick items

    def on_kv_post(self, _base) -> None:
        # Strong references (ids hold weak proxies): the hidden view leaves the tree.
        self._views = {"quick": self.ids.quick_view.__self__, "search": self.ids.search_view.__self__}
        self.ids.panel.remove_widget(self._views["search"])

    def show_panel(self, panel: str) -> None:
        """Quick items or search. The hidden view is taken out of the tree, so nothing of it
        (finger-sized keys, list rows) can sit invisibly over the view that shows."""
        self.panel = panel
        box = self.ids.panel
        for name, view in self._views.items():
            if name != panel and view.parent is not None:
                box.remove_widget(view)
        if self._views[panel].parent is None:
            box.add_widget(self._views[panel])
        if panel == "search":
            self.ids.search_box.focus = True

    def on_search_text(self, text: str) -> None:
        if len(text.strip()) < 2:
            self.results = []
            return
        self.run(self.services.search, text, self.app.lang, key="search", on_done=self._found)

    def _found(self, rows) -> None:
        self.results = [self._offer_row(r) for r in rows]

    def _offer_row(self, r) -> dict:
        price = self.app.money(r.price.shown) if r.price is not None else self.tr("no price")
        if r.price is not None and r.unit == "kg":
            price += f"/{self.tr('kg')}"
        return {"sku": r.sku, "name": r.name, "price": price, "extra": r.sku, "screen": self}

    def show_categories(self, parent_id: str | None) -> None:
        self.category_id = parent_id or ""
        self.run(self.services.categories, parent_id, key="tiles", on_done=lambda cats: self._categories(parent_id, cats))

    def _categories(self, parent_id, cats) -> None:
        if not cats and parent_id:
            self.run(self.services.browse, parent_id, self.app.lang, 0, 40, key="tiles", on_done=self._products)
            return
        lang = self.app.lang
        self.tiles = [{"sku": "", "name": c.name(lang), "price": "", "extra": "", "screen": self,
                       "category": c.id} for c in cats]

    def _products(self, rows) -> None:
        self.tiles = [self._offer_row(r) | {"category": ""} for r in rows]

    def tile(self, data: dict) -> None:
        if data.get("category"):
            self.category_name = data["name"]
            self.show_categories(data["category"])
        else:
            self.add_sku(data["sku"])

    # ---------------------------------------------------------------- suspend, resume, pay

    def suspend(self) -> None:
        if self.sale.cart.is_empty():
            self.say(self.tr("There is nothing to suspend"), "error")
            return
        if not self._editable():
            return
        popups.TextPopup.ask(self.app, title=self.tr("Suspend the sale"), required=False,
                             prompt=self.tr("A note to find it again (optional)"), then=self._suspend)

    def _suspend(self, label: str) -> None:
        cart, total = self.sale.cart, self.sale.total
        self.run(self.services.suspend, cart, total, self.app.staff_id, self.app.shift_id or None, label,
                 on_done=lambda _id: self._suspended(label))

    def _suspended(self, label: str) -> None:
        self.new_sale()
        self.say(self.tr("Sale suspended: {label}", label=label or "—"), "success")

    def resume(self) -> None:
        if not self.sale.cart.is_empty():
            self.say(self.tr("Finish or suspend this sale first"), "error")
            return
        self.run(self.services.suspended, on_done=self._choose_suspended)

    def _choose_suspended(self, rows) -> None:
        choices = [(f"{r.label or '—'} · {r.lines} · {self.app.money(r.total)}", r.id) for r in rows]
        popups.ChoicePopup(app=self.app, title=self.tr("Suspended sales"), choices=choices,
                           empty_text=self.tr("No suspended sales"), then=self._resume).open()

    def _resume(self, suspended_id: str) -> None:
        self.run(self.services.resume, suspended_id, self.app.staff_id, on_done=self._resumed)

    def _resumed(self, cart) -> None:
        self.sale.start(cart)
        if cart.customer_id and cart.card_number:
            self.identify(cart.card_number)
        self.reprice()
        self.say(self.tr("Sale resumed"), "success")

    def new_sale(self) -> None:
        self._pay_when_priced = False
        self.sale.start()
        self.selected = 0
        self.refresh()

    def pay(self) -> None:
        if not self.app.shift_id:
            self.say(self.tr("Open a shift first"), "error")
            return
        if self.sale.cart.is_empty():
            self.say(self.tr("Scan an item first"), "error")
            return
        if not self.sale.is_current:
            self._pay_when_priced = True  # the payment screen opens as soon as the price is in
            if not self.pricing:
                self.reprice()
            return
        self.app.screens["payment"].begin(self.sale)
        self.app.go("payment")

    def reprint_last(self) -> None:
        self.run(self.services.reprint_last, on_done=lambda job: self.say(self.tr("Receipt sent to the printer"),
                                                                         "success"))

    def no_sale(self) -> None:
        def do(approval) -> None:
            self.run(self.services.no_sale, self.app.staff_id, approval,
                     on_done=lambda _r: self.say(self.tr("Drawer opened"), "success"))

        self.app.require("no_sale", do, {"reason": "no sale"})


class _EmptyPriced:
    lines = ()
    subtotal = discount_total = total = 0
    vat_breakdown = ()


_EMPTY = _EmptyPriced()


__all__ = ["CartRow", "OfferButton", "SellScreen"]
