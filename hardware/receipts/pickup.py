"""Click-and-collect slips: the handover slip at the till and the kiosk's check-in slip.

The handover slip (:func:`build_pickup_slip`) is printed at the till when an order is
handed over. The store keeps it (or the shopper does): which order, to whom, when, by
whom, what was in it and what was paid before and at pickup, with a line for the
shopper's signature.

The check-in slip (:func:`build_check_in_slip`) is printed by the kiosk when a shopper
checks in for a ready order. Nothing has been handed over or paid yet, so it is not a
receipt: it tells the shopper what happens next (go to the till, staff know you are here,
the cashier asks for the pickup code, what is left to pay) and lists what they will get.

Both print the order number as a Code 128 barcode so a slip can be scanned back to its
order at the till. The shopper's phone number is masked; no pickup code is printed (on the
handover slip it was spent; on the check-in slip it still proves the shopper's right to
the goods, so it stays with the shopper).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from hardware.printing import Barcode, Columns, Document, Feed, Separator, Text
from retail.i18n import translate as _
from retail.money import line_amount
from retail.orders import Order, get_order

from .common import (ReceiptError, StoreHeader, amount_row, finish, header_blocks, money,
                     product_units, quantity, staff_name, store_header, store_lang, timestamp,
                     unit_of)


@dataclass(frozen=True)
class PickupSlip:
    order: Order
    header: StoreHeader
    staff: str
    handed_at: int
    units: dict


def job_id(order_id: str) -> str:
    return f"pickup:{order_id}"


def mask_phone(phone: str) -> str:
    """``'+79161234567'`` -> ``'+7 *** ***-45-67'``: enough to recognise, not to call."""
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    if len(digits) < 4:
        return ""
    return f"+{digits[0]} *** ***-{digits[-4:-2]}-{digits[-2:]}"


def order_line_blocks(order: Order, units: dict, lang: str) -> list:
    """Each order line with its quantity; an order stores amounts after discounts, so the
    discount shows as the difference from quantity × price."""
    blocks: list = []
    for n, line in enumerate(order.lines, 1):
        unit = unit_of(line.qty_milli, units.get(line.sku))
        base = line_amount(line.unit_price, line.qty_milli)
        blocks.append(Text(f"{n}. {line.name}"))
        blocks.append(Columns(f"{quantity(line.qty_milli, unit, lang)} × "
                              f"{money(line.unit_price, lang)}", money(base, lang)))
        if base > line.amount:
            blocks.append(amount_row(_("Discount", lang), line.amount - base, lang))
    return blocks


def _order(conn: sqlite3.Connection, order: Order | str) -> Order:
    if isinstance(order, Order):
        return order
    if not isinstance(order, str) or not order.strip():
        raise ReceiptError("type or scan the order number")
    found = get_order(conn, order)
    if found is None:
        raise ReceiptError(f"order {order} is not known on this terminal")
    return found


def load_pickup_slip(conn: sqlite3.Connection, order: Order | str, *, now: int,
                     staff_id: str | None, lang: str) -> PickupSlip:
    order = _order(conn, order)
    return PickupSlip(order, store_header(conn, lang), staff_name(conn, staff_id), now,
                      product_units(conn, [line.sku for line in order.lines]))


def pickup_slip(slip: PickupSlip, lang: str) -> Document:
    order = slip.order
    blocks = header_blocks(slip.header, _("ORDER PICKUP", lang))
    blocks.append(Text(_("Order no. {number}", lang, number=order.number), bold=True))
    blocks.append(Barcode("CODE128", order.number, height=60, hri="none"))
    name = order.contact.get("name") if isinstance(order.contact, dict) else ""
    if name:
        blocks.append(Text(_("Customer: {name}", lang, name=name)))
    phone = mask_phone(order.contact.get("phone", "")) if isinstance(order.contact, dict) else ""
    if phone:
        blocks.append(Text(_("Phone: {phone}", lang, phone=phone)))
    blocks.append(Text(_("Handed over: {time}", lang,
                         time=timestamp(slip.handed_at, slip.header.timezone, lang))))
    if slip.staff:
        blocks.append(Text(_("Staff: {name}", lang, name=slip.staff)))
    blocks.append(Separator())
    blocks += order_line_blocks(order, slip.units, lang)
    blocks.append(Separator())
    blocks.append(amount_row(_("TOTAL", lang), order.total, lang, bold=True))
    if order.paid:
        blocks.append(amount_row(_("Paid in advance", lang), order.paid, lang))
    if order.due:
        blocks.append(amount_row(_("Paid at pickup", lang), order.due, lang))
    blocks += [Separator(), Text(_("I have received the order in full", lang)), Feed(1),
               Text(_("Customer's signature", lang) + " ____________")]
    return finish(blocks, slip.header)


def check_in_slip(slip: PickupSlip, lang: str) -> Document:
    """The kiosk's slip for a shopper who has just checked in: what to do next, not a receipt."""
    order = slip.order
    blocks = header_blocks(slip.header, _("YOUR ORDER IS READY", lang))
    blocks.append(Text(_("Order no. {number}", lang, number=order.number), bold=True, align="center"))
    blocks.append(Barcode("CODE128", order.number, height=60, hri="none"))
    blocks.append(Text(_("Checked in: {time}", lang, time=timestamp(slip.handed_at, slip.header.timezone, lang))))
    blocks.append(Separator())
    blocks.append(Text(_("Please go to the till and show this slip.", lang), bold=True))
    blocks.append(Text(_("Staff at the till already know you are here.", lang)))
    blocks.append(Text(_("The cashier will ask for your 6-digit pickup code from the order confirmation.", lang)))
    blocks.append(Separator())
    if order.due:
        blocks.append(amount_row(_("To pay at the till", lang), order.due, lang, bold=True))
    else:
        blocks.append(Text(_("Paid in advance: nothing to pay", lang), bold=True))
    blocks.append(Separator())
    blocks.append(Text(_("In your order", lang), bold=True))
    for n, line in enumerate(order.lines, 1):
        unit = unit_of(line.qty_milli, slip.units.get(line.sku))
        blocks.append(Columns(f"{n}. {line.name}", quantity(line.qty_milli, unit, lang)))
    return finish(blocks, slip.header)


def build_check_in_slip(conn: sqlite3.Connection, order: Order | str, *, now: int,
                        lang: str | None = None) -> Document:
    """The kiosk's check-in slip of a ready order (``now``: when the shopper checked in)."""
    lang = store_lang(conn, lang)
    return check_in_slip(load_pickup_slip(conn, order, now=now, staff_id=None, lang=lang), lang)


def build_pickup_slip(conn: sqlite3.Connection, order: Order | str, *, now: int,
                      staff_id: str | None = None, lang: str | None = None) -> Document:
    lang = store_lang(conn, lang)
    return pickup_slip(load_pickup_slip(conn, order, now=now, staff_id=staff_id, lang=lang), lang)
