"""What goes into the pricing engine and what comes out: plain frozen dataclasses.

Inputs are validated when they are built, so a bad cart line or a nonsense promotion is
refused where it enters (the scan, the feed apply) with a message a person can act on,
and :func:`retail.pricing.engine.price_cart` can stay a fast pure function.

Units: quantities are int thousandths (``qty_milli``: 1 piece = 1000, 1 kg = 1000 g),
money is int kopecks, percents and VAT rates are int basis points (20 % = 2000), times
are int unix seconds.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from retail.money import BP, MILLI
from retail.pricing.errors import PricingError, PromotionError
from retail.pricing.rules import BASKET_KINDS, KINDS, Rule, parse_rule

UNITS = ("pcs", "kg")
Terms = tuple[tuple[str, int], ...]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _money(value: Any, what: str, error: type[PricingError]) -> None:
    if not _is_int(value):
        raise error(f"{what} must be whole kopecks (int), got {value!r}")
    if value < 0:
        raise error(f"{what} must not be negative, got {value}")


def normalize_coupon(code: str) -> str:
    """Coupon codes are typed by people: compare them trimmed and case-insensitively."""
    return code.strip().upper()


@dataclass(frozen=True, slots=True)
class CartLine:
    """One line of a basket as scanned: a SKU, a quantity and its shelf price.

    ``label_price`` is a promotional shelf price from the price book; when lower than
    ``unit_price`` it applies first, as an adjustment. ``price_override`` is a manager's
    unit price: it replaces ``unit_price`` and no promotion touches the line. Weighed
    goods have ``unit='kg'``, ``qty_milli`` in grams and prices per kg; piece goods must
    have a whole number of pieces. Returns (negative quantities) are priced by the
    returns flow from the original sale, never here.
    """

    line_no: int
    sku: str
    qty_milli: int
    unit_price: int
    vat_rate_bp: int
    category_id: str | int | None = None
    brand_id: str | int | None = None
    unit: str = "pcs"
    label_price: int | None = None
    price_override: int | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if not _is_int(self.line_no):
            raise PricingError(f"line number must be an int, got {self.line_no!r}")
        where = f"line {self.line_no}"
        if not isinstance(self.sku, str) or not self.sku.strip():
            raise PricingError(f"{where}: SKU is empty")
        if self.unit not in UNITS:
            raise PricingError(f"{where}: unit must be 'pcs' or 'kg', got {self.unit!r}")
        if not _is_int(self.qty_milli):
            raise PricingError(f"{where}: quantity must be int thousandths, got {self.qty_milli!r}")
        if self.qty_milli < 0:
            raise PricingError(
                f"{where}: negative quantity {self.qty_milli}; returns are priced from the "
                "original sale, not by the pricing engine"
            )
        if self.qty_milli == 0:
            raise PricingError(f"{where}: quantity is zero; remove the line instead")
        if self.unit == "pcs" and self.qty_milli % MILLI:
            raise PricingError(
                f"{where}: {self.qty_milli / MILLI:g} pieces of {self.sku} is not a whole "
                "number; weighed goods need unit='kg'"
            )
        _money(self.unit_price, f"{where}: unit price", PricingError)
        if not _is_int(self.vat_rate_bp) or not 0 <= self.vat_rate_bp <= BP:
            raise PricingError(f"{where}: VAT rate must be 0..10000 bp, got {self.vat_rate_bp!r}")
        if self.label_price is not None:
            _money(self.label_price, f"{where}: label price", PricingError)
        if self.price_override is not None:
            _money(self.price_override, f"{where}: price override", PricingError)
        for name in ("category_id", "brand_id"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
                raise PricingError(f"{where}: {name} must be a string or int id, got {value!r}")
        if not isinstance(self.note, str):
            raise PricingError(f"{where}: note must be text")


@dataclass(frozen=True)
class Promotion:
    """A promotion as central publishes it; ``params`` are checked on construction.

    ``priority``: lower number is considered first. ``exclusive``: when it applies, the
    lines it touches (or, for a basket promotion, the basket) take no other promotion.
    ``stackable`` (basket promotions only): applies in addition to the one non-stackable
    basket promotion. Gates: ``valid_from`` <= now < ``valid_to`` (half-open, so back-to-back
    promotions never overlap), a ``coupon_code`` the customer presented, a loyalty
    ``tier`` (exact match), or one ``customer_id`` (a personal offer). See the engine's
    module docstring for the full rules.
    """

    id: str
    kind: str
    name: str
    params: Mapping[str, Any] = field(hash=False)
    priority: int = 100
    exclusive: bool = False
    valid_from: int | None = None
    valid_to: int | None = None
    coupon_code: str | None = None
    tier: str | None = None
    customer_id: str | None = None
    stackable: bool = False
    rule: Rule = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise PromotionError(f"promotion id must be a non-empty string, got {self.id!r}")
        where = f"promotion {self.id}"
        if self.kind not in KINDS:
            raise PromotionError(f"{where}: unknown kind {self.kind!r}; known: {sorted(KINDS)}")
        if not isinstance(self.name, str):
            raise PromotionError(f"{where}: name must be text")
        if not _is_int(self.priority):
            raise PromotionError(f"{where}: priority must be an int, got {self.priority!r}")
        for flag in ("exclusive", "stackable"):
            if not isinstance(getattr(self, flag), bool):
                raise PromotionError(f"{where}: {flag} must be true or false")
        if self.stackable and self.kind not in BASKET_KINDS:
            raise PromotionError(
                f"{where}: only basket promotions can be stackable; a line takes one item promotion"
            )
        if self.stackable and self.exclusive:
            raise PromotionError(f"{where}: a promotion cannot be both exclusive and stackable")
        for bound in ("valid_from", "valid_to"):
            value = getattr(self, bound)
            if value is not None and not _is_int(value):
                raise PromotionError(f"{where}: {bound} must be unix seconds (int), got {value!r}")
        if self.valid_from is not None and self.valid_to is not None and self.valid_to <= self.valid_from:
            raise PromotionError(f"{where}: valid_to must be after valid_from")
        for gate in ("coupon_code", "tier", "customer_id"):
            value = getattr(self, gate)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise PromotionError(f"{where}: {gate} must be a non-empty string or None")
        if self.coupon_code is not None:
            object.__setattr__(self, "coupon_code", normalize_coupon(self.coupon_code))
        if not isinstance(self.params, Mapping):
            raise PromotionError(f"{where}: params must be a mapping")
        # A private deep copy behind a read-only view: later edits to the feed's dict
        # cannot make ``params`` disagree with the parsed ``rule``.
        object.__setattr__(self, "params", MappingProxyType(copy.deepcopy(dict(self.params))))
        try:
            rule = parse_rule(self.kind, self.params)
        except PromotionError as exc:
            raise PromotionError(f"{where} ({self.kind}): {exc}") from None
        object.__setattr__(self, "rule", rule)

    def __reduce__(self):
        # The read-only params view cannot be pickled; rebuild (and re-check) instead.
        return (
            Promotion,
            (self.id, self.kind, self.name, dict(self.params), self.priority, self.exclusive,
             self.valid_from, self.valid_to, self.coupon_code, self.tier, self.customer_id,
             self.stackable),
        )

    def is_active(self, ctx: PricingContext) -> bool:
        """Do the dates, coupon, tier and customer gates let this promotion apply now?"""
        if self.valid_from is not None and ctx.now < self.valid_from:
            return False
        if self.valid_to is not None and ctx.now >= self.valid_to:
            return False
        if self.coupon_code is not None and self.coupon_code not in ctx.coupons:
            return False
        customer = ctx.customer
        if self.tier is not None and (customer is None or customer.tier != self.tier):
            return False
        if self.customer_id is not None and (customer is None or customer.id != self.customer_id):
            return False
        return True


@dataclass(frozen=True, slots=True)
class Customer:
    """The identified loyalty customer: their id (for personal offers) and tier."""

    id: str
    tier: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise PricingError(f"customer id must be a non-empty string, got {self.id!r}")
        if self.tier is not None and not isinstance(self.tier, str):
            raise PricingError(f"customer tier must be text, got {self.tier!r}")


@dataclass(frozen=True, slots=True)
class PricingContext:
    """When, for whom and with which coupons a basket is priced."""

    now: int
    customer: Customer | None = None
    coupons: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not _is_int(self.now):
            raise PricingError(f"now must be unix seconds (int), got {self.now!r}")
        if self.customer is not None and not isinstance(self.customer, Customer):
            raise PricingError("customer must be a Customer or None")
        coupons: Iterable = self.coupons
        if isinstance(coupons, str) or not isinstance(coupons, Iterable):
            raise PricingError("coupons must be a set of codes, not a single string")
        codes = set()
        for code in coupons:
            if not isinstance(code, str):
                raise PricingError(f"coupon code must be text, got {code!r}")
            if code.strip():
                codes.add(normalize_coupon(code))
        object.__setattr__(self, "coupons", frozenset(codes))


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One discount on one line; ``amount`` in kopecks, positive = the customer pays less.

    ``promotion_id`` is None for the price book's label price (kind ``label_price``).
    ``label`` is the promotion's name from central (empty for a label price); ``terms``
    are the numbers behind it (percent, N and price, threshold...) from which
    :func:`retail.pricing.describe.describe` builds the same wording in every channel.
    """

    promotion_id: str | None
    kind: str
    label: str
    amount: int
    line_no: int
    terms: Terms = ()


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A cart line with its price: ``amount = base_amount - discount``, VAT inside amount."""

    line: CartLine
    base_amount: int
    adjustments: tuple[Adjustment, ...]
    discount: int
    amount: int
    vat_amount: int


@dataclass(frozen=True, slots=True)
class VatRow:
    """One VAT rate's share of the receipt: the sum of its lines' amounts and VAT."""

    rate_bp: int
    gross: int
    vat: int


@dataclass(frozen=True, slots=True)
class Saving:
    """What one promotion (or the label prices, ``promotion_id=None``) saved over the cart."""

    promotion_id: str | None
    kind: str
    label: str
    amount: int
    terms: Terms = ()


@dataclass(frozen=True, slots=True)
class PricedCart:
    """The priced basket. ``subtotal`` is before any discount; ``total`` = sum of lines.

    ``applied`` lists the promotions that gave a discount; ``savings`` has one row per
    promotion (and one for label prices) for the receipt's "you saved" block.
    """

    lines: tuple[PricedLine, ...]
    subtotal: int
    discount_total: int
    total: int
    vat_breakdown: tuple[VatRow, ...]
    applied: tuple[str, ...]
    savings: tuple[Saving, ...]
