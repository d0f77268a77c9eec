"""Small builders shared by the pricing tests (a unique module name, not a conftest)."""
from __future__ import annotations

from retail.pricing import CartLine, Customer, PricingContext, Promotion, price_cart

NOW = 1_767_225_600  # 2026-01-01 00:00:00 UTC


def pcs(no: int, sku: str, qty: int, price: int, **kw) -> CartLine:
    """``qty`` whole pieces at ``price`` kopecks each (VAT 20 % unless given)."""
    kw.setdefault("vat_rate_bp", 2000)
    return CartLine(line_no=no, sku=sku, qty_milli=qty * 1000, unit_price=price, **kw)


def kg(no: int, sku: str, grams: int, price_per_kg: int, **kw) -> CartLine:
    """``grams`` of a weighed item at ``price_per_kg`` kopecks per kg."""
    kw.setdefault("vat_rate_bp", 1000)
    return CartLine(line_no=no, sku=sku, qty_milli=grams, unit_price=price_per_kg, unit="kg", **kw)


def promo(pid: str, kind: str, params: dict, **kw) -> Promotion:
    return Promotion(id=pid, kind=kind, name=f"name of {pid}", params=params, **kw)


def skus(*codes: str) -> dict:
    return {"skus": list(codes)}


def ctx(now: int = NOW, customer: Customer | None = None, coupons=()) -> PricingContext:
    return PricingContext(now=now, customer=customer, coupons=frozenset(coupons))


def amounts(lines, promotions, context: PricingContext | None = None) -> dict[int, int]:
    """Line number -> final amount, checking that lines add up to the total."""
    cart = price_cart(lines, promotions, context or ctx())
    out = {pl.line.line_no: pl.amount for pl in cart.lines}
    assert sum(out.values()) == cart.total
    return out
