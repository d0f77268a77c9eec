"""The endless-aisle order confirmation, printed at the kiosk or the till when an order is
placed: the order number, what was ordered, what is paid and what is due, and for a
pickup order the store, the 6-digit pickup code and the signed pickup QR
(:func:`retail.orders.pickup_code`) that any till of the store verifies offline.

The pickup code is a secret the shopper needs; it exists only in the moment the order is
placed (the store keeps a hash). If the order is printed again later, for example after a
retry, the confirmation says to pick up with the order number and the phone instead.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from hardware.printing import Document, Separator, Text
from retail.i18n import translate as _
from retail.orders import Order, PlacedOrder, get_order

from .common import (ReceiptError, StoreHeader, amount_row, finish, header_blocks,
                     product_units, qr_block, store_header, store_lang, timestamp)
from .pickup import mask_phone, order_line_blocks


@dataclass(frozen=True)
class OrderConfirmation:
    header: StoreHeader
    order: Order
    pickup_secret: str
    pickup_code: str
    pickup_store: str          # name and address of the pickup store ('' for delivery)
    units: dict
    ready_on: date | None = None


def job_id(order_id: str) -> str:
    return f"order:{order_id}"


def load_order_confirmation(conn: sqlite3.Connection, placed: PlacedOrder | Order, *, lang: str,
                            pickup_secret: str = "", pickup_code: str = "",
                            ready_on: date | None = None) -> OrderConfirmation:
    """The confirmation's data. ``placed`` is what :func:`retail.orders.place_order`
    returned (its secret and code are used), or the Order with ``pickup_secret`` and
    ``pickup_code`` given. ``ready_on``: when the order is expected, if known."""
    if isinstance(placed, PlacedOrder):
        pickup_secret, pickup_code = placed.pickup_secret, placed.pickup_code
        order = get_order(conn, placed.id)
        if order is None:
            raise ReceiptError(f"order {placed.number} is not in the local store")
    elif isinstance(placed, Order):
        order = placed
    else:
        raise ReceiptError(f"an order confirmation is printed for a placed Order, not "
                           f"{type(placed).__name__}")
    if ready_on is not None and not isinstance(ready_on, date):
        raise ReceiptError(f"the ready date must be a date, not {type(ready_on).__name__}")
    where = ""
    if order.fulfilment == "pickup" and order.pickup_store_id:
        row = conn.execute("SELECT name_ru, name_en, address FROM stores WHERE id = ?",
                           (order.pickup_store_id,)).fetchone()
        if row is None:
            where = order.pickup_store_id
        else:
            name = row[0] if lang == "ru" else (row[1] or row[0])
            where = ", ".join(part for part in (name, row[2]) if part)
    return OrderConfirmation(store_header(conn, lang), order, pickup_secret or "",
                             pickup_code or "", where,
                             product_units(conn, [line.sku for line in order.lines]), ready_on)


def order_confirmation(conf: OrderConfirmation, lang: str) -> Document:
    order, header = conf.order, conf.header
    blocks = header_blocks(header, _("ORDER CONFIRMATION", lang))
    blocks.append(Text(_("Order no. {number}", lang, number=order.number), bold=True,
                       align="center", size="tall"))
    blocks.append(Text(timestamp(order.created_at, header.timezone, lang), align="center"))
    blocks.append(Separator())
    blocks += order_line_blocks(order, conf.units, lang)
    blocks.append(Separator())
    blocks.append(amount_row(_("TOTAL", lang), order.total, lang, bold=True))
    if order.paid:
        blocks.append(amount_row(_("Paid", lang), order.paid, lang))
    if order.due:
        blocks.append(amount_row(_("To pay on receipt", lang), order.due, lang))
    blocks.append(Separator())
    phone = mask_phone(order.contact.get("phone", "")) if isinstance(order.contact, dict) else ""
    if conf.ready_on is not None:
        day = conf.ready_on.strftime("%d.%m.%Y" if lang == "ru" else "%Y-%m-%d")
        if order.fulfilment == "pickup":
            blocks.append(Text(_("Ready for pickup from {date}", lang, date=day), bold=True))
        else:
            blocks.append(Text(_("Expected delivery: {date}", lang, date=day), bold=True))
    if order.fulfilment == "pickup":
        blocks.append(Text(_("Pickup at: {store}", lang, store=conf.pickup_store)))
        blocks.append(Text(_("We will send a message when the order is ready", lang)))
        if conf.pickup_secret and conf.pickup_code:
            blocks.append(Text(_("Pickup code:", lang), align="center"))
            blocks.append(Text(conf.pickup_secret, bold=True, align="center", size="large"))
            blocks.append(qr_block(conf.pickup_code))
            blocks.append(Text(_("Show this code when you collect the order", lang),
                               align="center"))
        else:
            blocks.append(Text(_("To collect, give the order number and your phone number",
                                 lang)))
    else:
        blocks.append(Text(_("Home delivery", lang), bold=True))
        address = order.contact.get("address", "") if isinstance(order.contact, dict) else ""
        if address:
            blocks.append(Text(address))
    if phone:
        blocks.append(Text(_("Phone: {phone}", lang, phone=phone)))
    blocks.append(Text(_("Thank you for your order!", lang), bold=True, align="center"))
    return finish(blocks, header)


def build_order_confirmation(conn: sqlite3.Connection, placed: PlacedOrder | Order, *,
                             lang: str | None = None, pickup_secret: str = "",
                             pickup_code: str = "", ready_on: date | None = None) -> Document:
    lang = store_lang(conn, lang)
    return order_confirmation(load_order_confirmation(
        conn, placed, lang=lang, pickup_secret=pickup_secret, pickup_code=pickup_code,
        ready_on=ready_on), lang)
