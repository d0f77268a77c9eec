"""Pricing a cart against the local store: the one path the kiosk and the POS both use.

Shelf prices are re-read at ``now`` (a scheduled price change switches on mid-basket the
same way it would at the next scan), promotions come from the store's book, and the
pure engine does the rest, so a basket costs the same at the kiosk, the till and central.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from typing import NamedTuple

from .cart import Cart
from .catalogue import Product
from .money import MILLI
from .prices import ShelfPrice, prices_at
from .pricing import Customer, PricedCart, PricingContext, price_cart
from .promotions import PromotionBook


class UnitPrice(NamedTuple):
    """One unit of a product (a piece, or a kilogram of a weighed item) now, with no card."""

    shelf: ShelfPrice
    pays: int

    @property
    def saved(self) -> int:
        return self.shelf.regular - self.pays


def context_for(cart: Cart, now: int) -> PricingContext:
    customer = Customer(cart.customer_id, cart.customer_tier) if cart.customer_id else None
    return PricingContext(now=now, customer=customer, coupons=frozenset(cart.coupons))


def price(conn: sqlite3.Connection, cart: Cart, now: int, *, book: PromotionBook,
          lang: str = "ru") -> PricedCart:
    promotions = book.active(conn, now, lang, cart.customer_id)
    return price_cart(cart.cart_lines(), promotions, context_for(cart, now))


def one_unit(product: Product, shelf: ShelfPrice) -> Cart:
    """A cart of one unit of ``product`` at ``shelf``: how a product is priced alone."""
    cart = Cart()
    cart.add(sku=product.sku, name_ru=product.name_ru, name_en=product.name_en, unit=product.unit,
             unit_price=shelf.regular, vat_rate_bp=product.vat_rate_bp, qty_milli=MILLI,
             label_price=shelf.label, category_id=product.category_id, brand_id=product.brand_id)
    return cart


def unit_prices(conn: sqlite3.Connection, products: Iterable[Product], now: int, *, book: PromotionBook,
                lang: str = "ru") -> dict[str, UnitPrice]:
    """What one unit of each product costs now with the chain's promotions: the engine's total for
    that unit alone, as the product page and the till charge it, so a list of products shows the
    same price. Products with no price here are left out."""
    products = list(products)
    shelf = prices_at(conn, [p.sku for p in products], now)
    promotions = book.active(conn, now, lang, None)
    out = {}
    for product in products:
        price = shelf.get(product.sku)
        if price is None or price.regular <= 0:
            continue
        cart = one_unit(product, price)
        out[product.sku] = UnitPrice(price, price_cart(cart.cart_lines(), promotions, context_for(cart, now)).total)
    return out


def refresh_shelf_prices(conn: sqlite3.Connection, cart: Cart, now: int) -> int:
    """Re-read every line's shelf price at ``now``; returns how many lines changed."""
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
