"""A till on the synced store, as the POS would drive it: a shift, baskets, paid sales.

Baskets are spread over several loyalty customers (60 % of them carry a card), as in
a shop: a balance is this terminal's unacknowledged events on top of central's figure,
so one customer buying every basket would make each sale sum all earlier ones.

Everything comes from what the initial sync brought (staff, products, shelf prices,
promotions, loyalty customers) and goes through the same domain calls the apps make:
``Cart.add`` with the shelf price at ``now``, ``retail.checkout.price`` with the store's
promotion book, ``retail.sales.commit_sale``.
"""
from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass

from retail import staff as staff_rules
from retail.cart import Cart
from retail.checkout import price
from retail.prices import prices_at
from retail.pricing import PricedCart
from retail.promotions import PromotionBook
from retail.sales import CommittedSale, Tender, commit_sale
from retail.shifts import cash_in_drawer, close_shift, current_shift, open_shift

from .harness import BenchError

CUSTOMERS = 500        # loyalty customers the till's baskets are spread over
LOYALTY_SHARE = 0.6    # baskets with a loyalty card


@dataclass
class Till:
    conn: sqlite3.Connection
    staff_id: str
    shift_id: str
    customers: list[str]
    now: int
    book: PromotionBook

    @property
    def customer_id(self) -> str | None:
        """A loyalty customer for pricing figures that need one (None: the store has none)."""
        return self.customers[0] if self.customers else None


def sample_products(conn: sqlite3.Connection, count: int, rng: random.Random) -> list[sqlite3.Row]:
    """``count`` random active products, spread over the whole id range (ids are dense)."""
    top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM products").fetchone()[0]
    if not top:
        raise BenchError("the local store has no products; did the initial sync run?")
    out: list[sqlite3.Row] = []
    tries = 0
    while len(out) < count and tries < count * 20:
        tries += 1
        row = conn.execute("SELECT sku, name_ru, name_en, unit, vat_rate_bp, category_id, brand_id FROM products "
                           "WHERE id >= ? AND active = 1 ORDER BY id LIMIT 1", (rng.randint(1, top),)).fetchone()
        if row is not None:
            out.append(row)
    if len(out) < count:
        raise BenchError(f"found only {len(out)} active products for a {count}-line basket")
    return out


def open_till(conn: sqlite3.Connection, now: int) -> Till:
    """Open a shift (or use the open one) by a synced staff member who may open one."""
    people = conn.execute("SELECT id, role FROM staff WHERE active = 1 ORDER BY id").fetchall()
    opener = next((p["id"] for p in people if staff_rules.can(p["role"], "open_shift")), None)
    if opener is None:
        raise BenchError("no synced staff member may open a shift; check the staff feed")
    shift = current_shift(conn) or open_shift(conn, opener, 500_000, now)
    customers = [r["id"] for r in conn.execute("SELECT id FROM customers ORDER BY id LIMIT ?", (CUSTOMERS,))]
    return Till(conn, opener, shift.id, customers, now, PromotionBook())


def close_till(till: Till) -> None:
    """Close the shift (counted as expected), as at the end of a day.

    The bench commits its sales without queueing their receipts; a shift left open would
    have the POS started later by the apps' figures lay out every one of them as owed.
    """
    people = till.conn.execute("SELECT id, role FROM staff WHERE active = 1 ORDER BY id").fetchall()
    closer = next((p["id"] for p in people if staff_rules.can(p["role"], "close_shift")), None)
    if closer is None:
        raise BenchError("no synced staff member may close a shift; check the staff feed")
    close_shift(till.conn, till.shift_id, cash_in_drawer(till.conn, till.shift_id), staff_id=closer, now=till.now)


def basket(till: Till, products: list[sqlite3.Row], rng: random.Random, *, lines: int | None = None) -> Cart:
    """A cart of ``products`` at their shelf prices now; a piece or two, or some grams.

    Products without a shelf price now are left out; ``lines`` caps the cart's lines.
    """
    shelf = prices_at(till.conn, [p["sku"] for p in products], till.now)
    cart = Cart()
    for p in products:
        shelf_price = shelf.get(p["sku"])
        if shelf_price is None or (lines is not None and len(cart.items) >= lines):
            continue
        qty = rng.randrange(150, 2500) if p["unit"] == "kg" else rng.randrange(1, 3) * 1000
        cart.add(sku=p["sku"], name_ru=p["name_ru"], name_en=p["name_en"], unit=p["unit"],
                 unit_price=shelf_price.regular, label_price=shelf_price.label, vat_rate_bp=p["vat_rate_bp"],
                 qty_milli=qty, category_id=p["category_id"], brand_id=p["brand_id"])
    if cart.is_empty():
        raise BenchError("none of the basket's products has a shelf price now; check the prices feed")
    if till.customers and rng.random() < LOYALTY_SHARE:
        cart.identify(rng.choice(till.customers))
    return cart


def priced(till: Till, cart: Cart) -> tuple[PricedCart, str | None]:
    """``cart`` priced with the store's promotions, as the till does before payment, and its customer."""
    return price(till.conn, cart, till.now, book=till.book), cart.customer_id


def commit(till: Till, sale: tuple[PricedCart, str | None]) -> CommittedSale:
    """Commit a priced cart paid by card (sale, lines, movements, loyalty, outbox in one go)."""
    cart, customer = sale
    return commit_sale(till.conn, cart, [Tender("card", cart.total, "bench")], staff_id=till.staff_id,
                       shift_id=till.shift_id, customer=customer, now=till.now)
