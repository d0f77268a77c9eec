"""The product page: price and savings, the shopper's card price, where it is, how to get it.

Everything comes from one ``KioskServices.product_page`` call in the worker: the one-unit
price by the till's engine (and again with the identified shopper's customer context),
stock on this store's shelves with its aisle and shelf, stock in the other stores and
the warehouse, pickup and delivery dates, and related products. The shopper chooses a
quantity and adds it to the basket, whether or not this store has it (endless aisle).
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from retail.money import MILLI

from .base import KioskScreen, date_text

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

KG_STEP = 500


class ProductScreen(KioskScreen):
    sku = StringProperty("")
    page = ObjectProperty(None, allownone=True)
    product_name = StringProperty("")
    brand = StringProperty("")
    description = StringProperty("")
    image = StringProperty("")
    price_text = StringProperty("")
    old_price_text = StringProperty("")
    saving_text = StringProperty("")
    offers_text = StringProperty("")
    member_text = StringProperty("")
    here_text = StringProperty("")
    here_ok = BooleanProperty(False)
    network_text = StringProperty("")
    options_text = StringProperty("")
    qty_milli = NumericProperty(MILLI)
    qty_text = StringProperty("")
    can_add = BooleanProperty(False)
    loading = BooleanProperty(False)

    def open(self, sku: str = "", **params) -> None:
        if sku and sku != self.sku:
            self.sku = sku
            self.qty_milli = MILLI
            self.page = None
            self._clear()
        self.refresh()

    def reset(self) -> None:
        self.sku = ""
        self.page = None
        self._clear()

    def _clear(self) -> None:
        for name in ("product_name", "brand", "description", "image", "price_text", "old_price_text", "saving_text",
                     "offers_text", "member_text", "here_text", "network_text", "options_text"):
            setattr(self, name, "")
        self.can_add = False
        self.ids.related.clear_widgets()

    def refresh(self) -> None:
        if not self.sku:
            return
        customer = self.shell.customer
        account = customer.account if customer is not None else None
        self.loading = True
        self.submit(self.services.product_page, self.sku, self.shell.lang,
                    account.customer_id if account else None, account.tier if account else None,
                    on_done=self._loaded, on_error=self._failed, key="product")

    def _failed(self, exc) -> None:
        self.loading = False
        self.shell.show_error(exc)

    def _loaded(self, page) -> None:
        if page.sku != self.sku:
            return
        self.loading = False
        self.page = page
        tr = self.tr
        self.product_name, self.brand, self.description, self.image = page.name, page.brand, page.description, page.image
        price = page.price
        per = tr("per kg") if page.unit == "kg" else tr("each")
        if not page.active:
            self.price_text, self.old_price_text, self.saving_text = tr("No longer sold"), "", ""
        elif price is None:
            self.price_text, self.old_price_text, self.saving_text = tr("Not sold in this store"), "", ""
        else:
            self.price_text = f"{self.money(price.pays)} [size={int(18 * self.shell.font_scale)}sp]{per}[/size]"
            self.old_price_text = f"[s]{self.money(price.regular)}[/s]" if price.saved else ""
            self.saving_text = tr("You save {amount}: {why}", amount=self.money(price.saved),
                                  why=", ".join(label for label, _ in price.savings)) if price.saved else ""
        self.offers_text = "\n".join(tr("Offer: {name}", name=o) for o in (price.offers if price else ()))
        if price is not None and price.member_pays is not None and self.shell.customer is not None:
            self.member_text = tr("With your card, {name}: {amount}", name=self.shell.greeting,
                                  amount=self.money(price.member_pays))
        elif price is not None and self.shell.customer is None:
            self.member_text = tr("Scan your loyalty card to see your personal price")
        else:
            self.member_text = ""
        self._availability(page)
        self._related(page)
        self._qty()

    def _availability(self, page) -> None:
        tr = self.tr
        qty = self.shell.qty(page.here.available, page.unit)
        where = ""
        if page.aisle:
            where = tr("aisle {aisle}, shelf {shelf}", aisle=page.aisle, shelf=page.shelf or "-")
        if page.here.available > 0:
            self.here_ok = True
            self.here_text = tr("In stock in this store: {qty}", qty=qty) + (f" · {where}" if where else "")
        else:
            self.here_ok = False
            self.here_text = tr("Not on the shelves of this store now: you can order it below")
        lines = []
        for net in page.network:
            amount = self.shell.qty(max(net.available_milli, 0), page.unit) if net.available_milli > 0 \
                else tr("none")
            label = tr("Warehouse") if net.kind == "warehouse" else net.name
            lines.append(f"{label}: {amount}")
        self.network_text = "\n".join(lines) or tr("No stock information from other stores yet")
        options = []
        if page.pickup_here is not None:
            est = page.pickup_here
            if est.fulfilment == "shelf":
                options.append(tr("Take it from the shelf today, or pick up an order here today"))
            else:
                options.append(tr("Pick up in this store: {when}", when=date_text(tr, est)))
        for est in page.pickup_elsewhere:
            options.append(tr("Pick up at {store}: {when}", store=est.store_name, when=date_text(tr, est)))
        options.append(tr("Home delivery: {when}", when=date_text(tr, page.delivery)))
        if not page.delivery.in_stock:
            options.append(tr("Out of stock everywhere now: dates include restocking"))
        self.options_text = "\n".join(options)

    def _related(self, page) -> None:
        from kiosk.widgets import Tile

        box = self.ids.related
        box.clear_widgets()
        for row in page.related:
            box.add_widget(Tile(key=row.sku, caption=row.name, image=row.image,
                                detail=self.unit_price_text(row.price, row.unit), opener=self.open_related,
                                size_hint_x=None, width=dp(240)))

    def open_related(self, sku: str) -> None:
        self.shell.show("product", sku=sku)

    # ---------------------------------------------------------------- quantity and basket

    def _qty(self) -> None:
        page = self.page
        unit = page.unit if page is not None else "pcs"
        self.qty_text = self.shell.qty(self.qty_milli, unit)
        self.can_add = bool(page is not None and page.active and page.price is not None)

    def step(self, direction: int) -> None:
        page = self.page
        step = KG_STEP if page is not None and page.unit == "kg" else MILLI
        self.qty_milli = max(step, min(self.qty_milli + direction * step, 99 * MILLI))
        self._qty()

    def add(self) -> None:
        if self.can_add:
            self.shell.add_to_basket(self.sku, int(self.qty_milli))

    def go_back(self) -> None:
        self.shell.show("search")
