"""The kiosk's basket ticket: the hand-off QR a shopper carries to the till.

The QR is a signed code of kind ``basket`` (:mod:`retail.codes.signed`) holding the
basket id, the store, the kiosk and the lines as (sku, quantity); the till verifies it
offline and rebuilds the cart from it, pricing it again at its own clock (the ticket's
prices are a preview and say so). A forged or edited ticket fails the signature. The
code expires after :data:`BASKET_CODE_TTL_S`. The shopper's loyalty card is not in the
code nor on the paper: they scan the card at the till.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from hardware.printing import Columns, Document, Separator, Text
from retail import keys
from retail.cart import Cart
from retail.codes import CodeError
from retail.i18n import translate as _
from retail.pricing import PricedCart, PricingError, describe
from retail.store.settings import get

from .common import (ReceiptError, StoreHeader, amount_row, finish, header_blocks, money,
                     qr_block, quantity, store_header, store_lang, timestamp)

BASKET_CODE_TTL_S = 4 * 3600


@dataclass(frozen=True)
class BasketLine:
    name: str
    qty_milli: int
    unit: str
    unit_price: int
    amount: int | None             # priced amount before discounts (None: not priced)
    discounts: tuple[tuple[str, int], ...] = ()   # (label, kopecks)


@dataclass(frozen=True)
class BasketTicket:
    header: StoreHeader
    basket_id: str
    lines: tuple[BasketLine, ...]
    items: int
    total: int | None
    code: str
    created_at: int
    expires_at: int


def job_id(basket_id: str) -> str:
    return f"basket:{basket_id}"


def basket_code(conn: sqlite3.Connection, cart: Cart, now: int,
                ttl_s: int = BASKET_CODE_TTL_S) -> str:
    """The signed hand-off code for ``cart``; :class:`ReceiptError` if it cannot be made."""
    store, terminal = get(conn, "store_id"), get(conn, "terminal_id")
    if not store or not terminal:
        raise ReceiptError("this terminal is not registered with a store yet; register it first")
    payload = {"basket_id": cart.id, "store": store, "terminal": terminal,
               "lines": [(item.sku, item.qty_milli) for item in cart.items]}
    try:
        return keys.sign(conn, "basket", payload, now, ttl_s)
    except keys.NoSigningKey as exc:
        raise ReceiptError(f"cannot make the basket code: {exc}") from None
    except CodeError as exc:
        raise ReceiptError(f"cannot make the basket code: {exc}") from None


def _given_code(conn: sqlite3.Connection, code: str, cart: Cart, now: int) -> int:
    """Check a code the caller signed (the kiosk's hand-off) fits ``cart``; its expiry."""
    try:
        verified = keys.verify(conn, code, now, expect_kind="basket")
    except CodeError as exc:
        raise ReceiptError(f"the basket code cannot be printed: {exc}") from None
    if verified.payload["basket_id"] != cart.id:
        raise ReceiptError("the basket code belongs to another basket; make it again")
    return verified.expires_at


def load_basket_ticket(conn: sqlite3.Connection, cart: Cart, *, now: int, lang: str,
                       priced: PricedCart | None = None, code: str | None = None,
                       ttl_s: int = BASKET_CODE_TTL_S) -> BasketTicket:
    """The ticket's data; ``code`` is a basket code the caller already signed (else one is
    signed here, valid ``ttl_s``)."""
    if not isinstance(cart, Cart):
        raise ReceiptError(f"a basket ticket is printed for a Cart, not {type(cart).__name__}")
    if cart.is_empty():
        raise ReceiptError("the basket is empty; add something before handing it to the till")
    by_line = {pl.line.line_no: pl for pl in priced.lines} if priced is not None else {}
    lines = []
    for item in cart.items:
        pl = by_line.get(item.line_no)
        discounts: list[tuple[str, int]] = []
        if pl is not None:
            for adjustment in pl.adjustments:
                try:
                    label = describe(adjustment, lang)
                except PricingError:
                    label = adjustment.label or _("Discount", lang)
                discounts.append((label, adjustment.amount))
        lines.append(BasketLine(item.name(lang), item.qty_milli, item.unit, item.unit_price,
                                pl.base_amount if pl is not None else None, tuple(discounts)))
    if code is None:
        code, expires_at = basket_code(conn, cart, now, ttl_s), now + ttl_s
    else:
        expires_at = _given_code(conn, code, cart, now)
    return BasketTicket(store_header(conn, lang), cart.id, tuple(lines), cart.count(),
                        priced.total if priced is not None else None, code, now, expires_at)


def basket_ticket(ticket: BasketTicket, lang: str) -> Document:
    header = ticket.header
    blocks = header_blocks(header, _("YOUR BASKET", lang))
    blocks.append(Text(_("Show this code at the till", lang), bold=True, align="center"))
    blocks.append(qr_block(ticket.code))
    blocks.append(Text(_("Basket {id}", lang, id=ticket.basket_id[-8:].upper()), align="center"))
    blocks.append(Text(_("Valid until {time}", lang,
                         time=timestamp(ticket.expires_at, header.timezone, lang)), align="center"))
    blocks.append(Separator())
    for n, line in enumerate(ticket.lines, 1):
        blocks.append(Text(f"{n}. {line.name}"))
        left = f"{quantity(line.qty_milli, line.unit, lang)} × {money(line.unit_price, lang)}"
        blocks.append(Columns(left, money(line.amount, lang)) if line.amount is not None
                      else Text(left))
        blocks += [amount_row(label, -amount, lang) for label, amount in line.discounts if amount]
    blocks.append(Separator())
    blocks.append(Columns(_("Items", lang), str(ticket.items)))
    if ticket.total is not None:
        blocks.append(amount_row(_("TOTAL (preview)", lang), ticket.total, lang, bold=True))
        blocks.append(Text(_("Prices and discounts are confirmed at the till", lang)))
    return finish(blocks, header)


def build_basket_ticket(conn: sqlite3.Connection, cart: Cart, *, now: int,
                        lang: str | None = None, priced: PricedCart | None = None,
                        code: str | None = None) -> Document:
    lang = store_lang(conn, lang)
    return basket_ticket(load_basket_ticket(conn, cart, now=now, lang=lang, priced=priced,
                                            code=code), lang)
