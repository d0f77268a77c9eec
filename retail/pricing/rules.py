"""Promotion terms: the target spec and one typed rule per promotion kind.

Promotions arrive from central as ``kind`` + a ``params`` mapping (JSON). They are read
here, once, into small typed rules so the engine never guesses at a key or a type while
pricing, and a feed row with a typo (``percent`` instead of ``percent_bp``), a percent
over 100 % or N < 1 fails with :class:`PromotionError` when it is loaded, not silently at
the till.

Parameters by kind (money in kopecks, percents in basis points, 10 % = 1000):

===================  ========================================================================
``percent_off``      ``target``, ``percent_bp`` (1..10000)
``amount_off``       ``target``, ``amount`` (> 0, off each piece or each kg)
``fixed_price``      ``target``, ``price`` (>= 0, the unit price per piece or per kg)
``n_for_price``      ``target``, ``n`` (>= 1 pieces), ``price`` (>= 0 for the N together)
``buy_x_get_y``      ``target``, ``x`` (>= 1), ``y`` (>= 1), optional ``get_target`` (default:
                     the same target), optional ``percent_bp`` off the Y (default 10000: free)
``basket_threshold`` ``threshold`` (>= 0), exactly one of ``amount`` (> 0) or ``percent_bp``,
                     optional ``target`` limiting which lines take the discount
===================  ========================================================================

A target is a mapping with any of ``skus``, ``category_ids``, ``brand_ids`` (a line
matches if its SKU, category or brand is listed) and ``exclude_skus`` (never matches),
or a :class:`Target`. Ids are compared as strings, so a feed that sends category ``12``
and a catalogue that says ``"12"`` still agree.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from retail.money import BP
from retail.pricing.errors import PromotionError

ITEM_KINDS = frozenset({"percent_off", "amount_off", "fixed_price", "n_for_price", "buy_x_get_y"})
LINE_KINDS = frozenset({"percent_off", "amount_off", "fixed_price"})  # priced line by line
DEAL_KINDS = frozenset({"n_for_price", "buy_x_get_y"})  # priced over pieces of several lines
BASKET_KINDS = frozenset({"basket_threshold"})
KINDS = ITEM_KINDS | BASKET_KINDS


def _ids(value: Any, what: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise PromotionError(f"{what} must be a list of ids, got {value!r}")
    out = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise PromotionError(f"{what} must hold string or integer ids, got {item!r}")
        text = str(item).strip()
        if not text:
            raise PromotionError(f"{what} holds an empty id")
        out.add(text)
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class Target:
    """Which items a promotion is about: any listed SKU, category or brand, minus exclusions."""

    skus: frozenset[str] = frozenset()
    category_ids: frozenset[str] = frozenset()
    brand_ids: frozenset[str] = frozenset()
    exclude_skus: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("skus", "category_ids", "brand_ids", "exclude_skus"):
            object.__setattr__(self, name, _ids(getattr(self, name), name))
        if not (self.skus or self.category_ids or self.brand_ids):
            raise PromotionError("a target must list at least one SKU, category or brand")

    def matches(self, sku: str, category_id: object, brand_id: object) -> bool:
        """True if an item with these ids is in the target (exclusions win)."""
        if sku in self.exclude_skus:
            return False
        return (
            sku in self.skus
            or (category_id is not None and str(category_id) in self.category_ids)
            or (brand_id is not None and str(brand_id) in self.brand_ids)
        )


_TARGET_KEYS = {"skus", "category_ids", "brand_ids", "exclude_skus"}


def parse_target(spec: Any, what: str = "target") -> Target:
    """A :class:`Target` from a Target or a mapping; :class:`PromotionError` if malformed."""
    if isinstance(spec, Target):
        return spec
    if not isinstance(spec, Mapping):
        raise PromotionError(f"{what} must be a mapping with skus/category_ids/brand_ids")
    unknown = set(spec) - _TARGET_KEYS
    if unknown:
        raise PromotionError(
            f"{what} has unknown keys {sorted(map(str, unknown))}; "
            f"use {sorted(_TARGET_KEYS)}"
        )
    try:
        return Target(**{k: spec[k] for k in spec})
    except PromotionError as exc:
        raise PromotionError(f"{what}: {exc}") from None


def _int(params: Mapping, key: str, *, low: int, high: int | None = None, default: Any = ...) -> int:
    if key not in params:
        if default is ...:
            raise PromotionError(f"parameter {key!r} is required")
        return default
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise PromotionError(f"{key} must be a whole number, got {value!r}")
    if value < low:
        if low == 0:
            raise PromotionError(f"{key} must not be negative, got {value}")
        raise PromotionError(f"{key} must be at least {low}, got {value}")
    if high is not None and value > high:
        raise PromotionError(f"{key} must be at most {high}, got {value}")
    return value


def _percent(params: Mapping, default: Any = ...) -> int:
    value = params.get("percent_bp", default)
    if isinstance(value, int) and not isinstance(value, bool) and value > BP:
        raise PromotionError(f"percent_bp {value} is more than 100 % (10000 bp)")
    return _int(params, "percent_bp", low=1, high=BP, default=default)


@dataclass(frozen=True, slots=True)
class PercentOff:
    target: Target
    percent_bp: int

    @property
    def terms(self) -> tuple[tuple[str, int], ...]:
        return (("percent_bp", self.percent_bp),)


@dataclass(frozen=True, slots=True)
class AmountOff:
    target: Target
    amount: int

    @property
    def terms(self) -> tuple[tuple[str, int], ...]:
        return (("amount", self.amount),)


@dataclass(frozen=True, slots=True)
class FixedPrice:
    target: Target
    price: int

    @property
    def terms(self) -> tuple[tuple[str, int], ...]:
        return (("price", self.price),)


@dataclass(frozen=True, slots=True)
class NForPrice:
    target: Target
    n: int
    price: int

    @property
    def terms(self) -> tuple[tuple[str, int], ...]:
        return (("n", self.n), ("price", self.price))


@dataclass(frozen=True, slots=True)
class BuyXGetY:
    target: Target
    x: int
    y: int
    get_target: Target | None
    percent_bp: int

    @property
    def terms(self) -> tuple[tuple[str, int], ...]:
        same = int(self.get_target is None or self.get_target == self.target)
        return (("x", self.x), ("y", self.y), ("percent_bp", self.percent_bp), ("same_target", same))


@dataclass(frozen=True, slots=True)
class BasketThreshold:
    threshold: int
    amount: int | None
    percent_bp: int | None
    target: Target | None

    @property
    def terms(self) -> tuple[tuple[str, int], ...]:
        off = ("amount", self.amount) if self.amount is not None else ("percent_bp", self.percent_bp)
        return (("threshold", self.threshold), off)


Rule = PercentOff | AmountOff | FixedPrice | NForPrice | BuyXGetY | BasketThreshold

_ALLOWED = {
    "percent_off": {"target", "percent_bp"},
    "amount_off": {"target", "amount"},
    "fixed_price": {"target", "price"},
    "n_for_price": {"target", "n", "price"},
    "buy_x_get_y": {"target", "x", "y", "get_target", "percent_bp"},
    "basket_threshold": {"threshold", "amount", "percent_bp", "target"},
}


def parse_rule(kind: str, params: Mapping) -> Rule:
    """Read ``params`` for ``kind`` into a typed rule or raise :class:`PromotionError`."""
    if kind not in _ALLOWED:
        raise PromotionError(f"unknown promotion kind {kind!r}; known: {sorted(_ALLOWED)}")
    if not isinstance(params, Mapping):
        raise PromotionError(f"params must be a mapping, got {type(params).__name__}")
    unknown = set(params) - _ALLOWED[kind]
    if unknown:
        raise PromotionError(
            f"{kind} does not take {sorted(map(str, unknown))}; it takes {sorted(_ALLOWED[kind])}"
        )
    if kind == "basket_threshold":
        has_amount, has_percent = "amount" in params, "percent_bp" in params
        if has_amount == has_percent:
            raise PromotionError("basket_threshold needs exactly one of amount or percent_bp")
        target = params.get("target")
        return BasketThreshold(
            threshold=_int(params, "threshold", low=0),
            amount=_int(params, "amount", low=1) if has_amount else None,
            percent_bp=_percent(params) if has_percent else None,
            target=None if target is None else parse_target(target),
        )
    if "target" not in params:
        raise PromotionError(f"{kind} needs a target (skus, category_ids or brand_ids)")
    target = parse_target(params["target"])
    if kind == "percent_off":
        return PercentOff(target, _percent(params))
    if kind == "amount_off":
        return AmountOff(target, _int(params, "amount", low=1))
    if kind == "fixed_price":
        return FixedPrice(target, _int(params, "price", low=0))
    if kind == "n_for_price":
        return NForPrice(target, _int(params, "n", low=1), _int(params, "price", low=0))
    get = params.get("get_target")
    return BuyXGetY(
        target=target,
        x=_int(params, "x", low=1),
        y=_int(params, "y", low=1),
        get_target=None if get is None else parse_target(get, "get_target"),
        percent_bp=_percent(params, default=BP),
    )
