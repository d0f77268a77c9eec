"""Pricing a cart against the local store: the one path the kiosk and the POS both use.

Shelf prices are re-read at ``now`` (a scheduled price change switches on mid-basket the
same way it would at the next scan), promotions come from the store's book, and the
pure engine does the rest, so a basket costs the same at the kiosk, the till and central.
"""
from __future__ import annotations

import sqlite3
from dataclasses import replace

from .cart import Cart
from .pricing import Customer, PricedCart, PricingContext, price_cart
from .promotions import PromotionBook


def context_for(cart: Cart, now: int) -> PricingContext:
    customer = Customer(cart.customer_id, cart.customer_tier) if cart.customer_id else None
    return PricingContext(now=now, customer=customer, coupons=frozenset(cart.coupons))


def price(conn: sqlite3.Connection, cart: Cart, now: int, *, book: PromotionBook,
          lang: str = "ru") -> PricedCart:
    promotions = book.active(conn, now, lang, cart.customer_id)
    return price_cart(cart.cart_lines(), promotions, context_for(cart, now))


def refresh_shelf_prices(conn: sqlite3.Connection, cart: Cart, now: int) -> int:
    """Re-read every line's shelf price at ``now``; returns how many lines changed."""
    from .prices import prices_at

    shelf = prices_at(conn, [item.sku for item in cart.items], now)
    changed = 0
    for i, item in enumerate(cart.items):
        current = shelf.get(item.sku)
        if current is None:
            continue
        if (current.regular, current.label) != (item.unit_price, item.label_price):
            cart.items[i] = replace(item, unit_price=current.regular, label_price=current.label)
            changed += 1
    return changed
