"""The kiosk's three printouts in the call shape ``kiosk.services`` uses.

The kiosk signs its own basket hand-off code (it also shows it on screen and puts it in
the phone link) and knows when an order will be ready; these wrappers pass both into the
layouts of :mod:`.basket`, :mod:`.order` and :mod:`.pickup`, so what the kiosk prints is
exactly what the till prints for the same data.
"""
from __future__ import annotations

import sqlite3
from datetime import date

from hardware.printing import Document
from retail.cart import Cart
from retail.orders import Order
from retail.pricing import PricedCart

from .basket import build_basket_ticket
from .order import build_order_confirmation
from .pickup import build_pickup_slip


def basket_ticket(conn: sqlite3.Connection, cart: Cart, code: str, priced: PricedCart | None,
                  *, lang: str, now: int) -> Document:
    """The hand-off ticket for ``cart`` with the kiosk's signed basket ``code``."""
    return build_basket_ticket(conn, cart, now=now, lang=lang, priced=priced, code=code)


def order_confirmation(conn: sqlite3.Connection, order: Order, pickup_secret: str,
                       pickup_code: str, ready_on: date | None, *, lang: str,
                       now: int) -> Document:
    """The confirmation of an order placed at the kiosk (``now`` is not printed: the order
    carries its own time)."""
    return build_order_confirmation(conn, order, lang=lang, pickup_secret=pickup_secret,
                                    pickup_code=pickup_code, ready_on=ready_on)


def pickup_slip(conn: sqlite3.Connection, order: Order, *, lang: str, now: int,
                staff_id: str | None = None) -> Document:
    """The slip for a click-and-collect order handed over (or checked in) at ``now``."""
    return build_pickup_slip(conn, order, now=now, staff_id=staff_id, lang=lang)
