"""Selling on a rig terminal the way the POS does: shift, priced basket, committed sale.

Staff, prices and customers come from the feeds the terminal synced, so a sale here is
exactly what central would get from a real till (``retail.pricing.price_cart`` and
``retail.sales.commit_sale``, the calls behind ``pos.services.PosServices.commit_sale``).
"""
from __future__ import annotations

import time

from retail import loyalty, prices
from retail.pricing import CartLine, PricingContext, price_cart
from retail.sales import Tender, commit_sale
from retail.shifts import current_shift, open_shift

from .rig import RigError


def cashier(conn) -> str:
    """A member of staff who may open a shift (a manager first)."""
    row = conn.execute("SELECT id FROM staff WHERE active = 1 AND role IN ('cashier', 'manager') "
                       "ORDER BY role = 'manager' DESC, id LIMIT 1").fetchone()
    if row is None:
        raise RigError("the staff feed brought nobody who may open a shift: sync the terminal first")
    return row[0]


def shift(conn, staff_id: str, now: int) -> str:
    """The open shift, opened now with no float if there is none."""
    open_now = current_shift(conn)
    return open_now.id if open_now else open_shift(conn, staff_id, 0, now).id


def priced_skus(conn, n: int, now: int | None = None) -> list[str]:
    """``n`` piece-sold SKUs with a regular price here now."""
    now = int(time.time()) if now is None else now
    skus = [r[0] for r in conn.execute("SELECT sku FROM products WHERE unit = 'pcs' AND active = 1 ORDER BY sku")]
    book = prices.prices_at(conn, skus, now)
    found = [s for s in skus if s in book and book[s].regular > 0]
    if len(found) < n:
        raise RigError(f"only {len(found)} priced products, {n} wanted: sync the terminal first")
    return found[:n]


def priced(conn, items: list[tuple[str, int]], now: int):
    """The priced cart of ``items`` (sku, pieces) at the shelf price ``now``."""
    book = prices.prices_at(conn, [s for s, _ in items], now)
    lines = [CartLine(line_no=i, sku=sku, qty_milli=qty * 1000, unit_price=book[sku].regular,
                      vat_rate_bp=2000) for i, (sku, qty) in enumerate(items, start=1)]
    return price_cart(lines, [], PricingContext(now=now))


def tenders_for(conn, total: int, points: int) -> list[Tender]:
    """Pay ``points`` loyalty points and the rest by card."""
    tenders = []
    if points:
        tenders.append(Tender("points", points * loyalty.point_value(conn)))
    rest = total - sum(t.amount for t in tenders)
    if rest:
        tenders.append(Tender("card", rest, "RRN-test"))
    return tenders


def sell(conn, items: list[tuple[str, int]], *, customer_id: str | None = None, points: int = 0,
         now: int | None = None, points_online: bool = True, sale_id: str | None = None):
    """Sell ``items`` (sku, pieces); pay ``points`` with loyalty points and the rest by card."""
    now = int(time.time()) if now is None else now
    staff_id = cashier(conn)
    shift_id = shift(conn, staff_id, now)
    cart = priced(conn, items, now)
    return commit_sale(conn, cart, tenders_for(conn, cart.total, points), staff_id=staff_id, shift_id=shift_id,
                       customer=customer_id, now=now, points_online=points_online, sale_id=sale_id)
