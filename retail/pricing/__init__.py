"""Pricing and promotions: one pure engine shared by the kiosk, the POS and central.

``price_cart(lines, promotions, ctx)`` turns frozen :class:`CartLine` records, the
:class:`Promotion` feed and a :class:`PricingContext` into a :class:`PricedCart` whose
lines add up to its total to the kopeck. The rules (priority, exclusivity, stacking,
basket splits, VAT) are written down in :mod:`retail.pricing.engine`; promotion kinds and
their parameters in :mod:`retail.pricing.rules`; receipt labels in
:mod:`retail.pricing.describe`.
"""
from retail.pricing.describe import describe
from retail.pricing.engine import price_cart
from retail.pricing.errors import PricingError, PromotionError
from retail.pricing.model import (
    Adjustment,
    CartLine,
    Customer,
    PricedCart,
    PricedLine,
    PricingContext,
    Promotion,
    Saving,
    VatRow,
)
from retail.pricing.rules import KINDS, Target

__all__ = [
    "Adjustment",
    "CartLine",
    "Customer",
    "KINDS",
    "PricedCart",
    "PricedLine",
    "PricingContext",
    "PricingError",
    "Promotion",
    "PromotionError",
    "Saving",
    "Target",
    "VatRow",
    "describe",
    "price_cart",
]
