"""Errors raised by the pricing engine, with messages a cashier or technician can act on.

``PricingError`` covers a cart or context the engine cannot price (a return line, a
duplicate line number, a malformed price); ``PromotionError`` is the narrower case of a
promotion whose definition makes no sense, raised when the promotion is constructed so a
bad feed row can be quarantined with its reason instead of mispricing baskets later.
"""
from __future__ import annotations


class PricingError(ValueError):
    """A cart, line or context that cannot be priced; the message says why."""


class PromotionError(PricingError):
    """A promotion definition that is nonsense (percent over 100 %, N < 1, ...)."""
