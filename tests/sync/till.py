"""Selling on a test terminal the way the POS does: shift, priced basket, committed sale.

Staff, prices and customers come from the feeds the terminal synced, so a sale here is
exactly what central would get from a real till.
"""
from __future__ import annotations

import time

from retail import loyalty, prices
from retail.pricing import CartLine, PricingContext, price_cart
from retail.sales import Tender, commit_sale
from retail.shifts import current_shift, open_shift


def cashier(conn) -> str:
    row = conn.execute("SELECT id FROM staff WHERE active = 1 AND role IN ('cashier', 'manager') "
                       "ORDER BY role = 'manager' DESC, id LIMIT 1").fetchone()
    assert row is not None, "the staff feed brought nobody who may open a shift"
    return row[0]


def shift(conn, staff_id: str, now: int) -> str:
    open_now = current_shift(conn)
    return open_now.id if open_now else open_shift(conn, staff_id, 0, now).id


def priced_skus(conn, n: int, now: int | None = None) -> list[str]:
    """``n`` piece-sold SKUs with a regular price here now."""
    now = int(time.time()) if now is None else now
    skus = [r[0] for r in conn.execute("SELECT sku FROM products WHERE unit = 'pcs' AND active = 1 ORDER BY sku")]
    book = prices.prices_at(conn, skus, now)
    found = [s for s in skus if s in book and book[s].regular > 0]
    assert len(found) >= n, f"only {len(found)} priced products"
    return found[:n]


def sell(conn, items: list[tuple[str, int]], *, customer_id: str | None = None, points: int = 0,
         now: int | None = None, points_online: bool = True):
    """Sell ``items`` (sku, pieces); pay ``points`` with loyalty points and the rest by card."""
    now = int(time.time()) if now is None else now
    staff_id = cashier(conn)
    shift_id = shift(conn, staff_id, now)
    book = prices.prices_at(conn, [s for s, _ in items], now)
    lines = [CartLine(line_no=i, sku=sku, qty_milli=qty * 1000, unit_price=book[sku].regular,
                      vat_rate_bp=2000) for i, (sku, qty) in enumerate(items, start=1)]
    cart = price_cart(lines, [], PricingContext(now=now))
    tenders = []
    if points:
        tenders.append(Tender("points", points * loyalty.point_value(conn)))
    rest = cart.total - sum(t.amount for t in tenders)
    if rest:
        tenders.append(Tender("card", rest, "RRN-test"))
    return commit_sale(conn, cart, tenders, staff_id=staff_id, shift_id=shift_id, customer=customer_id, now=now,
                       points_online=points_online)
