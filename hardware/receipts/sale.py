"""The till's receipt for a sale or a return, built from the committed record.

Everything printed comes from :class:`retail.sales.CommittedSale` as it was stored, never
from the cart on screen, so a reprint next week prints the same receipt. A sale receipt
shows each line with its quantity (``1,235 кг × 159,90 ₽``) and its promotions (labels
from :func:`retail.pricing.describe`, the same wording as on screen), the total, the VAT
included per rate, the tenders and change, the loyalty card (masked, as stored), the
points, the receipt number and a signed QR (kind ``receipt``) that a till scans to find
the sale for a return. A return receipt shows what came back and what was refunded, and
has no QR: a return is not returnable.

A cash sale (or cash refund) gets a drawer kick in the document by default; the print
queue runs it only on the first attempt, and a copy never carries it
(:func:`hardware.receipts.common.mark_copy`).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from hardware.printing import Columns, Document, DrawerKick, Separator, Text
from retail import keys
from retail.i18n import translate as _
from retail.pricing import PricingError, describe
from retail.sales import CommittedSale, SaleNotFound, get_sale
from retail.store.settings import get

from .common import (ReceiptError, StoreHeader, amount_row, finish, header_blocks, money,
                     percent, product_units, qr_block, quantity, staff_name, store_header,
                     store_lang, timestamp, unit_of)

RECEIPT_CODE_TTL_S = 365 * 86400


def tender_label(kind: str, lang: str) -> str:
    labels = {"cash": _("Cash", lang), "card": _("Card", lang), "points": _("Points", lang),
              "prepaid": _("Prepaid", lang)}
    return labels.get(kind, kind)


@dataclass(frozen=True)
class SaleReceipt:
    """What a sale or return receipt prints; :func:`load_sale_receipt` fills it."""
    sale: CommittedSale
    header: StoreHeader
    cashier: str
    shift_number: int | None
    units: Mapping[str, str]
    return_code: str | None = None   # signed ``receipt`` code; None on returns or without a key


def job_id(sale_id: str) -> str:
    """The print queue id of a sale's receipt: one receipt per sale, however often enqueued."""
    return f"receipt:{sale_id}"


def receipt_code(conn: sqlite3.Connection, sale: CommittedSale, now: int) -> str | None:
    """The signed QR payload for returns; None when the store has no signing key yet
    (the receipt still prints, and the return goes by the receipt number)."""
    store = get(conn, "store_id") or sale.number.split("-")[0]
    try:
        return keys.sign(conn, "receipt", {"receipt": sale.number, "sale_id": sale.id,
                                           "store": store}, now, RECEIPT_CODE_TTL_S)
    except keys.NoSigningKey:
        return None


def load_sale_receipt(conn: sqlite3.Connection, sale: CommittedSale | str, *, now: int,
                      lang: str) -> SaleReceipt:
    """Read what the receipt needs; ``sale`` is a CommittedSale, its id or its number."""
    if isinstance(sale, str):
        try:
            sale = get_sale(conn, sale)
        except SaleNotFound as exc:
            raise ReceiptError(str(exc)) from None
    if not isinstance(sale, CommittedSale):
        raise ReceiptError(f"a receipt is printed for a committed sale, not {type(sale).__name__}")
    row = conn.execute("SELECT number FROM shifts WHERE id = ?", (sale.shift_id,)).fetchone()
    code = receipt_code(conn, sale, now) if sale.kind == "sale" else None
    return SaleReceipt(sale, store_header(conn, lang), staff_name(conn, sale.staff_id),
                       row[0] if row else None,
                       product_units(conn, [line.sku for line in sale.lines]), code)


class _Adjustment:
    """A stored adjustment dict in the shape :func:`describe` reads."""

    def __init__(self, data: Mapping) -> None:
        self.kind = str(data.get("kind", ""))
        self.terms = tuple(tuple(term) for term in data.get("terms", ()))
        self.label = str(data.get("label") or "")
        self.amount = int(data.get("amount", 0))


def _promotion_label(adjustment: _Adjustment, lang: str) -> str:
    try:
        return describe(adjustment, lang)
    except PricingError:
        return adjustment.label or _("Discount", lang)


def _line_blocks(receipt: SaleReceipt, lang: str) -> list:
    blocks: list = []
    refund = receipt.sale.kind == "return"
    for n, line in enumerate(receipt.sale.lines, 1):
        qty = abs(line.qty_milli)
        unit = unit_of(qty, receipt.units.get(line.sku))
        blocks.append(Text(f"{n}. {line.name}"))
        blocks.append(Columns(f"{quantity(qty, unit, lang)} × {money(line.unit_price, lang)}",
                              money(abs(line.base_amount), lang)))
        if refund:
            if line.discount:
                blocks.append(amount_row(_("Discount", lang), -abs(line.discount), lang))
            continue
        for data in line.adjustments:
            adjustment = _Adjustment(data)
            if adjustment.amount:
                blocks.append(amount_row(_promotion_label(adjustment, lang), -adjustment.amount,
                                         lang))
    return blocks


def _totals_blocks(sale: CommittedSale, lang: str) -> list:
    refund = sale.kind == "return"
    blocks: list = [Separator()]
    if sale.discount:
        blocks.append(amount_row(_("Subtotal", lang), abs(sale.subtotal), lang))
        blocks.append(amount_row(_("Discount", lang), -abs(sale.discount), lang))
    blocks.append(amount_row(_("REFUND", lang) if refund else _("TOTAL", lang), abs(sale.total),
                             lang, bold=True))
    for rate, _gross, vat in sale.vat_breakdown():
        label = _("incl. VAT {rate} %", lang, rate=percent(rate, lang))
        blocks.append(amount_row(label, abs(vat), lang))
    return blocks


def _tender_blocks(sale: CommittedSale, lang: str) -> list:
    blocks: list = [Separator()]
    refund = sale.kind == "return"
    for tender in sale.tenders:
        label = tender_label(tender.kind, lang)
        if refund:
            label = _("Refunded: {tender}", lang, tender=label)
        blocks.append(amount_row(label, abs(tender.tendered), lang))
        if tender.reference:
            blocks.append(Text(tender.reference))
    if sale.change:
        blocks.append(amount_row(_("Change", lang), sale.change, lang, bold=True))
    return blocks


def _loyalty_blocks(sale: CommittedSale, lang: str) -> list:
    rows = []
    if sale.points_earned > 0:
        rows.append(Columns(_("Points earned", lang), str(sale.points_earned)))
    elif sale.points_earned < 0:
        rows.append(Columns(_("Points taken back", lang), str(-sale.points_earned)))
    if sale.points_redeemed > 0:
        rows.append(Columns(_("Points spent", lang), str(sale.points_redeemed)))
    elif sale.points_redeemed < 0:
        rows.append(Columns(_("Points given back", lang), str(-sale.points_redeemed)))
    if not sale.card_masked and not rows:
        return []
    blocks: list = [Separator()]
    if sale.card_masked:
        blocks.append(Text(_("Loyalty card {card}", lang, card=sale.card_masked)))
    return blocks + rows


def sale_receipt(receipt: SaleReceipt, lang: str, *, kick_drawer: bool | None = None) -> Document:
    """The receipt as a Document. ``kick_drawer`` None: kick when cash changed hands."""
    sale, header = receipt.sale, receipt.header
    refund = sale.kind == "return"
    title = _("RETURN RECEIPT", lang) if refund else _("SALE RECEIPT", lang)
    blocks = header_blocks(header, title)
    blocks.append(Text(_("Receipt no. {number}", lang, number=sale.number)))
    if refund and sale.original_number:
        blocks.append(Text(_("Return for receipt no. {number}", lang, number=sale.original_number)))
    blocks.append(Text(timestamp(sale.created_at, header.timezone, lang)))
    staff = _("Cashier: {name}", lang, name=receipt.cashier)
    if receipt.shift_number is not None:
        blocks.append(Columns(staff, _("Shift {number}", lang, number=receipt.shift_number)))
    else:
        blocks.append(Text(staff))
    blocks.append(Separator())
    blocks += _line_blocks(receipt, lang)
    blocks += _totals_blocks(sale, lang)
    blocks += _tender_blocks(sale, lang)
    blocks += _loyalty_blocks(sale, lang)
    blocks.append(Separator())
    if receipt.return_code:
        blocks.append(qr_block(receipt.return_code))
        blocks.append(Text(_("Scan this code at the till to return goods", lang), align="center"))
    if not refund:
        blocks.append(Text(_("Thank you for your purchase!", lang), bold=True, align="center"))
    if kick_drawer is None:
        kick_drawer = any(t.kind == "cash" for t in sale.tenders)
    if kick_drawer:
        blocks.append(DrawerKick())
    return finish(blocks, header)


def build_sale_receipt(conn: sqlite3.Connection, sale: CommittedSale | str, *, now: int,
                       lang: str | None = None, kick_drawer: bool | None = None) -> Document:
    """Load and lay out in one call: the Document for a sale's (or return's) receipt."""
    lang = store_lang(conn, lang)
    return sale_receipt(load_sale_receipt(conn, sale, now=now, lang=lang), lang,
                        kick_drawer=kick_drawer)
