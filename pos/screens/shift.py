"""The shift: open with a counted float, cash in and out, X report, close with the Z report.

Closing asks for the counted cash, shows what the drawer should hold and the difference
before anything is written, then closes (a manager's right or approval), prints the Z
report and signs the person out of the shift. Reports also show on the screen.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ObjectProperty, StringProperty

from retail.ids import new_id

from . import popups
from .base import PosScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


def report_lines(report, tr, money) -> list[str]:
    """An X or Z report as text lines for the screen (the printer has its own layout)."""
    title = tr("Z report") if report.kind == "Z" else tr("X report")
    out = [f"{title} · {tr('Shift {number}', number=report.shift_number)} · {report.store_id}-{report.terminal_id}",
           "",
           f"{tr('Sales')}: {report.sales_count}   {money(report.sales_amount)}",
           f"{tr('Returns')}: {report.returns_count}   {money(report.returns_amount)}",
           f"{tr('Net')}: {money(report.net_amount)}",
           f"{tr('Discounts given')}: {money(report.discounts)}",
           f"{tr('Points earned')}: {report.points_earned}   {tr('Points spent')}: {report.points_redeemed}",
           ""]
    for t in report.tenders:
        out.append(f"{tr(t.kind.capitalize())}: {money(t.sales)}  −{money(t.refunds)}  = {money(t.net)}")
    for v in report.vat:
        out.append(f"{tr('VAT {rate} %', rate=v.rate_bp // 100)}: {money(v.gross)} / {money(v.vat)}")
    out += ["",
            f"{tr('Opening float')}: {money(report.float_amount)}",
            f"{tr('Cash sales')}: {money(report.cash_sales)}   {tr('Cash refunds')}: {money(report.cash_refunds)}",
            f"{tr('Cash in')}: {money(report.cash_in)}   {tr('Cash out')}: {money(report.cash_out)}",
            f"{tr('Cash expected in the drawer')}: {money(report.cash_expected)}"]
    if report.counted is not None:
        out.append(f"{tr('Counted')}: {money(report.counted)}   {tr('Difference')}: {money(report.difference)}")
    return out


class ShiftScreen(PosScreen):
    shift = ObjectProperty(None, allownone=True)
    report = ObjectProperty(None, allownone=True)   # the X or Z report shown
    report_text = StringProperty("")
    info = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._closed_number = 0     # the shift closed last on this screen, to say so

    def on_report(self, *_args) -> None:
        self.report_text = "\n".join(report_lines(self.report, self.tr, self.app.money)) if self.report else ""

    def relabel(self) -> None:
        self.on_report()
        self.load()

    def on_pre_enter(self, *_args) -> None:
        self.load()

    def load(self) -> None:
        self.run(self.services.current_shift, on_done=self._loaded)

    def _loaded(self, shift) -> None:
        self.shift = shift
        self.app.set_shift(shift)
        if shift is None:
            number = self._closed_number
            self.info = self.tr("Shift {number} is closed", number=number) if number else \
                self.tr("No shift is open on this till")
            return
        self.run(self.services.x_report, shift.id, on_done=self._x_loaded)

    def _x_loaded(self, report) -> None:
        self.run(self.services.staff_name, report.opened_by, on_done=lambda name: setattr(
            self, "info", self.tr("Shift {number} opened by {name}; the drawer should hold {amount}",
                                  number=report.shift_number, name=name,
                                  amount=self.app.money(report.cash_expected))))

    # ---------------------------------------------------------------- opening

    def open_shift(self) -> None:
        popups.EntryPopup(app=self.app, mode="money", title=self.tr("Open the shift"),
                          prompt=self.tr("Count the float in the drawer"), then=self._open).open()

    def _open(self, amount: int) -> None:
        self.run(self.services.open_shift, self.app.staff_id, amount, new_id(), on_done=self._opened)

    def _opened(self, shift) -> None:
        self.app.set_shift(shift)
        self.shift = shift
        self.say(self.tr("Shift {number} is open", number=shift.number), "success")
        self.app.go("sell")

    # ---------------------------------------------------------------- cash in and out

    def cash(self, kind: str) -> None:
        if self.shift is None:
            return
        title = self.tr("Cash in") if kind == "in" else self.tr("Cash out")
        popups.EntryPopup(app=self.app, mode="money", title=title,
                          then=lambda amount: self._reason(kind, amount)).open()

    def _reason(self, kind: str, amount: int) -> None:
        popups.TextPopup.ask(self.app, title=self.tr("Why?"), prompt=self.tr("Say why the cash moves"),
                             then=lambda reason: self._cash(kind, amount, reason))

    def _cash(self, kind: str, amount: int, reason: str) -> None:
        movement_id = new_id()
        if kind == "in":
            self.run(self.services.cash_in, self.shift.id, amount, reason, self.app.staff_id, movement_id,
                     on_done=lambda _m: self._cash_done(kind, amount))
            return

        def do(approval) -> None:
            self.run(self.services.cash_out, self.shift.id, amount, reason, self.app.staff_id, approval, movement_id,
                     on_done=lambda _m: self._cash_done(kind, amount))

        self.app.require("cash_out", do, {"amount": amount, "reason": reason})

    def _cash_done(self, kind: str, amount: int) -> None:
        self.say(self.tr("Cash in: {amount}", amount=self.app.money(amount)) if kind == "in"
                 else self.tr("Cash out: {amount}", amount=self.app.money(amount)), "success")
        self.run(self.services.open_drawer_quietly)
        self.load()

    # ---------------------------------------------------------------- reports and closing

    def x_report(self) -> None:
        if self.shift is None:
            return
        self.run(self.services.print_x_report, self.shift.id, self.app.lang, on_done=self._show_report)

    def _show_report(self, result) -> None:
        report, problem = result
        self.report = report
        if problem:
            self.say(self.tr(problem), "error")

    def close_shift(self) -> None:
        if self.shift is None:
            return
        popups.EntryPopup(app=self.app, mode="money", title=self.tr("Close the shift"),
                          prompt=self.tr("Count the cash in the drawer"), then=self._counted).open()

    def _counted(self, counted: int) -> None:
        self.run(self.services.x_report, self.shift.id, on_done=lambda report: self._confirm(counted, report))

    def _confirm(self, counted: int, report) -> None:
        difference = counted - report.cash_expected
        text = self.tr("Expected {expected}, counted {counted}: difference {difference}.",
                       expected=self.app.money(report.cash_expected), counted=self.app.money(counted),
                       difference=self.app.money(difference))
        popups.ConfirmPopup(app=self.app, title=self.tr("Close the shift?"), text=text,
                            yes_text=self.tr("Close and print Z"),
                            then=lambda: self.app.require("close_shift", lambda approval: self._close(counted, approval),
                                                            {"counted": counted})).open()

    def _close(self, counted: int, approval) -> None:
        self.run(self.services.close_and_print, self.shift.id, counted, self.app.staff_id, approval, self.app.lang,
                 on_done=self._closed)

    def _closed(self, result) -> None:
        report, problem = result
        self.report = report
        self._closed_number = report.shift_number
        self.shift = None
        self.app.set_shift(None)
        self.info = self.tr("Shift {number} is closed", number=report.shift_number)
        self.say(self.tr(problem) if problem else self.tr("Shift {number} closed; Z report printed",
                                                          number=report.shift_number),
                 "error" if problem else "success")
