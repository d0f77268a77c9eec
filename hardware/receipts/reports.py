"""X and Z shift reports on paper, from :class:`retail.shifts.ShiftReport`.

The report object is the single source: an X report is made fresh by
:func:`retail.shifts.x_report`, a Z report is the one stored at closing
(:func:`retail.shifts.z_report`), so a reprinted Z report is identical. Refunds are
shown as negative amounts; a negative difference is a shortage in the drawer.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from hardware.printing import Columns, Document, Separator, Text
from retail.i18n import translate as _
from retail.shifts import ShiftReport

from .common import (ReceiptError, StoreHeader, amount_row, finish, header_blocks, money,
                     percent, staff_name, store_header, store_lang, timestamp)
from .sale import tender_label


@dataclass(frozen=True)
class ReportSheet:
    report: ShiftReport
    header: StoreHeader
    opened_by: str
    closed_by: str


def job_id(report: ShiftReport) -> str:
    """Z: one per shift; X: one per moment it was asked for."""
    if report.kind == "Z":
        return f"z_report:{report.shift_id}"
    return f"x_report:{report.shift_id}:{report.at}"


def load_report_sheet(conn: sqlite3.Connection, report: ShiftReport, *, lang: str) -> ReportSheet:
    if not isinstance(report, ShiftReport):
        raise ReceiptError(f"a shift report is printed from a ShiftReport, not "
                           f"{type(report).__name__}")
    if report.kind not in ("X", "Z"):
        raise ReceiptError(f"a shift report is an X or a Z report, not {report.kind!r}")
    return ReportSheet(report, store_header(conn, lang), staff_name(conn, report.opened_by),
                       staff_name(conn, report.closed_by))


def shift_report(sheet: ReportSheet, lang: str) -> Document:
    r, zone = sheet.report, sheet.header.timezone
    title = _("Z REPORT (SHIFT CLOSED)", lang) if r.kind == "Z" else _("X REPORT", lang)
    blocks = header_blocks(sheet.header, title)
    blocks.append(Columns(_("Shift {number}", lang, number=r.shift_number),
                          _("Terminal {terminal}", lang, terminal=r.terminal_id)))
    blocks.append(Text(_("Opened: {time}, {name}", lang, time=timestamp(r.opened_at, zone, lang),
                         name=sheet.opened_by)))
    if r.kind == "Z":
        blocks.append(Text(_("Closed: {time}, {name}", lang, time=timestamp(r.at, zone, lang),
                             name=sheet.closed_by)))
    else:
        blocks.append(Text(_("Report made: {time}", lang, time=timestamp(r.at, zone, lang))))
    blocks.append(Separator())
    blocks.append(amount_row(_("Sales ({count})", lang, count=r.sales_count), r.sales_amount, lang))
    blocks.append(amount_row(_("Returns ({count})", lang, count=r.returns_count),
                             -r.returns_amount, lang))
    blocks.append(amount_row(_("Net takings", lang), r.net_amount, lang, bold=True))
    blocks.append(amount_row(_("Discounts given", lang), r.discounts, lang))
    if r.discounts_returned:
        blocks.append(amount_row(_("Discounts on returns", lang), -r.discounts_returned, lang))
    if r.tenders:
        blocks += [Separator(), Text(_("By payment type", lang), bold=True)]
        for tender in r.tenders:
            blocks.append(amount_row(tender_label(tender.kind, lang), tender.net, lang))
            if tender.refunds:
                blocks.append(amount_row(_("  of which refunds", lang), -tender.refunds, lang))
    if r.vat:
        blocks += [Separator(), Text(_("VAT", lang), bold=True)]
        for row in r.vat:
            blocks.append(amount_row(_("VAT {rate} % on {gross}", lang, rate=percent(row.rate_bp, lang),
                                       gross=money(row.gross, lang)), row.vat, lang))
    blocks += [Separator(), Text(_("Cash drawer", lang), bold=True)]
    blocks.append(amount_row(_("Opening float", lang), r.float_amount, lang))
    blocks.append(amount_row(_("Cash sales", lang), r.cash_sales, lang))
    blocks.append(amount_row(_("Cash refunds", lang), -r.cash_refunds, lang))
    blocks.append(amount_row(_("Cash in", lang), r.cash_in, lang))
    blocks.append(amount_row(_("Cash out", lang), -r.cash_out, lang))
    blocks.append(amount_row(_("Expected in drawer", lang), r.cash_expected, lang, bold=True))
    if r.counted is not None:
        blocks.append(amount_row(_("Counted", lang), r.counted, lang))
        blocks.append(amount_row(_("Difference", lang), r.difference or 0, lang, bold=True))
    if r.points_earned or r.points_redeemed:
        blocks += [Separator(), Columns(_("Points earned", lang), str(r.points_earned)),
                   Columns(_("Points spent", lang), str(r.points_redeemed))]
    return finish(blocks + [Separator()])


def build_shift_report(conn: sqlite3.Connection, report: ShiftReport, *,
                       lang: str | None = None) -> Document:
    lang = store_lang(conn, lang)
    return shift_report(load_report_sheet(conn, report, lang=lang), lang)
