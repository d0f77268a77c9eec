"""Returns: by the receipt's QR or number, of a web order looked up online, or without a receipt.

The cashier chooses lines and quantities (never more than is left: the domain counts every
earlier return), the refund goes to the original tenders or in cash, the goods go back
into stock, and the return receipt prints. Refunds are a manager's right (a cashier gets
an approval on the spot); a return without a receipt always needs a manager.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from retail.ids import new_id
from retail.money import MILLI, line_amount, round_half_up
from retail.returns import refund_share
from ui.services import ProductOffer, ScanProblem

from . import popups
from .base import PosScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class ReturnRow(BoxLayout):
    index = NumericProperty(0)
    name = StringProperty("")
    detail = StringProperty("")
    chosen = StringProperty("")
    refund = StringProperty("")
    can_less = BooleanProperty(False)
    can_more = BooleanProperty(False)
    screen = ObjectProperty(None, allownone=True)


class ReturnsScreen(PosScreen):
    """``source``: '' (nothing chosen), 'sale', 'order' or 'blind'."""

    source = StringProperty("")
    heading = StringProperty("")
    rows = ListProperty([])
    refund_text = StringProperty("")
    to_cash = BooleanProperty(False)
    busy = BooleanProperty(False)
    done_text = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._lines: list[dict] = []     # what can come back, with the chosen quantity
        self._sale = None
        self._order = None
        self._return_id = new_id()
        self._approval = None

    def on_pre_enter(self, *_args) -> None:
        self.refresh()

    def relabel(self) -> None:
        self.refresh()

    def reset(self) -> None:
        self.source, self.heading, self.done_text = "", "", ""
        self._lines, self._sale, self._order = [], None, None
        self._return_id = new_id()
        self.to_cash = False
        self.refresh()

    # ---------------------------------------------------------------- finding what comes back

    def ask_receipt(self) -> None:
        popups.TextPopup.ask(self.app, title=self.tr("Receipt number"),
                             prompt=self.tr("Type the number on the receipt, like MSK1-P1-000123"),
                             then=self.open_receipt)

    def open_receipt(self, text: str) -> None:
        self.reset()
        self.run(self.services.find_receipt, text, on_done=self._sale_found)

    def _sale_found(self, sale) -> None:
        self.run(self.services.returnable, sale.id, on_done=lambda lines: self._sale_lines(sale, lines))

    def _sale_lines(self, sale, lines) -> None:
        self._sale, self.source = sale, "sale"
        self.heading = self.tr("Receipt {number}", number=sale.number)
        self._lines = [{"key": r.line_no, "sku": r.sku, "name": r.name, "unit_price": r.unit_price,
                        "sold": r.sold_milli, "before": r.returned_milli, "left": r.left_milli,
                        "amount": r.amount, "refunded": r.refunded, "qty": 0,
                        "step": MILLI if r.sold_milli % MILLI == 0 else r.left_milli} for r in lines]
        self.refresh()

    def ask_order(self) -> None:
        popups.TextPopup.ask(self.app, title=self.tr("Web order number"),
                             prompt=self.tr("Central is asked now; this needs the connection"),
                             then=self._lookup_order)

    def _lookup_order(self, number: str) -> None:
        self.reset()
        self.say(self.tr("Asking central for order {number}…", number=number))
        self.run(self.services.lookup_order, number, on_done=self._order_found)

    def _order_found(self, order: dict) -> None:
        self._order, self.source = order, "order"
        self.heading = self.tr("Order {number}", number=order["number"])
        self._lines = []
        for line in order.get("lines", []):
            sold, back = line["qty_milli"], line.get("returned_milli", 0)
            self._lines.append({"key": line["line_no"], "sku": line["sku"], "name": line.get("name") or line["sku"],
                                "unit_price": line.get("unit_price", 0), "sold": sold, "before": back,
                                "left": sold - back, "amount": line["amount"],
                                "refunded": round_half_up(line["amount"] * back, sold) if sold else 0, "qty": 0,
                                "step": MILLI if sold % MILLI == 0 else sold - back})
        self.refresh()

    def start_blind(self) -> None:
        def go(approval) -> None:
            self.reset()
            self.source = "blind"
            self._approval = approval
            self.heading = self.tr("Return without a receipt: scan the items")
            self.refresh()

        self.app.require("blind_return", go, {"step": "start"}, always=True)

    def on_scan(self, data: str, symbology=None) -> None:
        if data.strip().upper().startswith("VT"):
            self.open_receipt(data)
            return
        if self.source == "blind":
            self.run(self.services.resolve_scan, data, symbology, on_done=self._blind_item)
            return
        self.say(self.tr("Scan the receipt's QR code, or choose a return without a receipt"), "error")

    def _blind_item(self, outcome) -> None:
        if isinstance(outcome, ScanProblem):
            self.say(self.tr(outcome.message, **outcome.params), "error")
            return
        if not isinstance(outcome, ProductOffer):
            self.say(self.tr("Scan the returned product"), "error")
            return
        p = outcome.product
        qty = outcome.qty_milli or MILLI
        for line in self._lines:
            if line["sku"] == p.sku and p.unit == "pcs":
                line["qty"] += MILLI
                line["left"] = line["sold"] = line["qty"]
                self.refresh()
                return
        self._lines.append({"key": p.sku, "sku": p.sku, "name": p.name(self.app.lang),
                            "unit_price": outcome.price.shown, "sold": qty, "before": 0, "left": qty,
                            "amount": line_amount(outcome.price.shown, qty), "refunded": 0, "qty": qty,
                            "step": MILLI if p.unit == "pcs" else qty})
        self.refresh()

    # ---------------------------------------------------------------- choosing quantities

    def change(self, index: int, direction: int) -> None:
        line = self._lines[index]
        step = line["step"] or MILLI
        if self.source == "blind":
            line["qty"] = max(0, line["qty"] + direction * step)
            line["sold"] = line["left"] = max(line["qty"], step)
        else:
            line["qty"] = min(max(0, line["qty"] + direction * step), line["left"])
        self.refresh()

    def all_lines(self) -> None:
        for line in self._lines:
            if self.source != "blind":
                line["qty"] = line["left"]
        self.refresh()

    def _refund_of(self, line: dict) -> int:
        if not line["qty"]:
            return 0
        if self.source == "blind":
            return line_amount(line["unit_price"], line["qty"])
        return refund_share(line["amount"], line["sold"], line["before"], line["refunded"], line["qty"])

    def refresh(self) -> None:
        rows, total = [], 0
        for i, line in enumerate(self._lines):
            refund = self._refund_of(line)
            total += refund
            unit = "pcs" if line["step"] == MILLI else "kg"
            if self.source == "blind":
                detail = f"{self.app.money(line['unit_price'])}"
            else:
                detail = self.tr("sold {sold}, returned {before}, left {left}",
                                 sold=self.app.qty(line["sold"], unit), before=self.app.qty(line["before"], unit),
                                 left=self.app.qty(line["left"], unit))
            rows.append({"index": i, "name": line["name"], "detail": detail,
                         "chosen": self.app.qty(line["qty"], unit), "refund": self.app.money(refund),
                         "can_less": line["qty"] > 0,
                         "can_more": self.source == "blind" or line["qty"] < line["left"], "screen": self})
        self.rows = rows
        self.refund_text = self.app.money(total)

    # ---------------------------------------------------------------- refunding

    def refund(self) -> None:
        chosen = [line for line in self._lines if line["qty"] > 0]
        if not chosen:
            self.say(self.tr("Choose what comes back first"), "error")
            return
        if not self.app.shift_id:
            self.say(self.tr("Open a shift first"), "error")
            return
        mode = "cash" if self.to_cash or self.source == "blind" else None
        if self.source == "blind":
            items = [(line["sku"], line["qty"]) for line in chosen]
            self._commit(self.services.blind_return, items, mode, approval=self._approval)
            return
        lines = [(line["key"], line["qty"]) for line in chosen]
        target = self._sale.id if self.source == "sale" else self._order
        call = self.services.return_sale if self.source == "sale" else self.services.return_order
        self.app.require("refund", lambda approval: self._commit(call, target, lines, mode, approval=approval),
                         {"what": self.heading})

    def _commit(self, call, *args, approval) -> None:
        self.busy = True
        kwargs = {"staff_id": self.app.staff_id, "shift_id": self.app.shift_id, "return_id": self._return_id,
                  "approval": approval}
        if call == self.services.blind_return:
            kwargs["lang"] = self.app.lang
        self.run(self._and_print(call), *args, on_done=self._refunded, on_error=self._failed, **kwargs)

    def _and_print(self, call):
        services, lang = self.services, self.app.lang

        def work(*args, **kwargs):
            back = call(*args, **kwargs)
            return back, services.after_sale(back, lang)
        return work

    def _failed(self, exc) -> None:
        self.busy = False
        self.app.show_error(exc)

    def _refunded(self, result) -> None:
        back, problem = result
        self.busy = False
        tenders = ", ".join(f"{self.tr(t.kind.capitalize())} {self.app.money(-t.amount)}" for t in back.tenders)
        self.reset()
        self.done_text = self.tr("Return {number}: refunded {amount} ({tenders})", number=back.number,
                                 amount=self.app.money(-back.total), tenders=tenders)
        card = sum(-t.amount for t in back.tenders if t.kind == "card")
        text = self.done_text
        if card:
            text += ". " + self.tr("Refund {amount} to the card on the payment terminal", amount=self.app.money(card))
        if problem:
            text += ". " + self.tr(problem)
        self.say(text, "error" if problem else "success")
