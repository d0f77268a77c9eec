"""The store's own EAN-13s: scale labels with weight or price, and loyalty cards.

GS1 leaves EAN-13 prefixes 20-29 to each company ("restricted circulation numbers"), so
what they mean is the retailer's decision, set on the scales and the card printer. That is
why the prefix -> meaning map is data (:class:`InStoreScheme`), read from configuration
with :meth:`InStoreScheme.from_config`. The default is the common Russian layout:

=========  ========  ==============================================================
prefixes   kind      layout (13 digits)
=========  ========  ==============================================================
20-25      weight    ``PP IIIII WWWWW C``: item code (PLU), weight in grams
26-28      price     ``PP IIIII VVVVV C``: item code (PLU), price in kopecks
29         card      the whole 13-digit code is the loyalty card number
=========  ========  ==============================================================

A rule may give the item code another width (``plu_digits``); the value then takes the
remaining ``10 - plu_digits`` digits. A prefix without a rule is not an in-store code for
this store, and the scan layer treats it as an ordinary GTIN (shops also print prefix-2
codes for unlabelled goods).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from . import CodeError
from .gtin import check_digit

KINDS = ("weight", "price", "card")
_BODY_DIGITS = 10  # between the 2-digit prefix and the check digit


@dataclass(frozen=True)
class InStoreRule:
    """What one prefix means: ``kind`` and, for weight/price, the item-code width."""

    kind: str
    plu_digits: int = 5

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise CodeError(
                f"in-store barcode kind must be one of {', '.join(KINDS)}, not {self.kind!r}"
            )
        if isinstance(self.plu_digits, bool) or not isinstance(self.plu_digits, int) or not (
            1 <= self.plu_digits <= _BODY_DIGITS - 1
        ):
            raise CodeError(f"item code width must be 1-9 digits, not {self.plu_digits!r}")

    @property
    def value_digits(self) -> int:
        return _BODY_DIGITS - self.plu_digits


@dataclass(frozen=True)
class InStoreScheme:
    """Prefix ("20"-"29") -> :class:`InStoreRule`, stored as sorted pairs so it is hashable."""

    rules: tuple[tuple[str, InStoreRule], ...]

    def __post_init__(self) -> None:
        seen = set()
        for prefix, rule in self.rules:
            if not isinstance(prefix, str) or not re.fullmatch(r"2[0-9]", prefix):
                raise CodeError(f"in-store prefix must be 20-29, not {prefix!r}")
            if prefix in seen:
                raise CodeError(f"in-store prefix {prefix} is configured twice")
            if not isinstance(rule, InStoreRule):
                raise CodeError(f"in-store prefix {prefix}: rule must be an InStoreRule")
            seen.add(prefix)
        object.__setattr__(self, "rules", tuple(sorted(self.rules)))

    def rule_for(self, prefix: str) -> InStoreRule | None:
        for p, rule in self.rules:
            if p == prefix:
                return rule
        return None

    @classmethod
    def from_config(cls, config: Mapping[str, str | Mapping[str, object]]) -> InStoreScheme:
        """Build a scheme from configuration, e.g.
        ``{"20-25": "weight", "26-28": {"kind": "price", "plu_digits": 4}, "29": "card"}``.
        """
        if not isinstance(config, Mapping):
            raise CodeError("in-store barcode configuration must be a mapping of prefixes")
        rules: list[tuple[str, InStoreRule]] = []
        for key, value in config.items():
            m = re.fullmatch(r"\s*(2[0-9])\s*(?:-\s*(2[0-9])\s*)?", str(key))
            if not m:
                raise CodeError(f"in-store prefix {key!r} must be 20-29 or a range like 20-25")
            low, high = int(m[1]), int(m[2] or m[1])
            if high < low:
                raise CodeError(f"in-store prefix range {key!r} runs backwards")
            if isinstance(value, str):
                rule = InStoreRule(value)
            elif isinstance(value, Mapping):
                unknown = sorted(str(k) for k in value if k not in ("kind", "plu_digits"))
                if unknown:
                    raise CodeError(f"in-store prefix {key}: unknown setting {unknown[0]!r}")
                plu_digits = value.get("plu_digits", 5)
                rule = InStoreRule(str(value.get("kind")), plu_digits)  # type: ignore[arg-type]
            else:
                raise CodeError(f"in-store prefix {key}: expected a kind or a mapping, got {value!r}")
            rules.extend((str(p), rule) for p in range(low, high + 1))
        return cls(tuple(rules))

    def to_config(self) -> dict[str, dict[str, object]]:
        """The inverse of :meth:`from_config`, one entry per prefix."""
        return {p: {"kind": r.kind, "plu_digits": r.plu_digits} for p, r in self.rules}


DEFAULT_SCHEME = InStoreScheme.from_config({"20-25": "weight", "26-28": "price", "29": "card"})


@dataclass(frozen=True)
class WeightCode:
    """A scale label: item ``plu`` weighing ``grams``; ``code`` is the scanned EAN-13."""

    plu: int
    grams: int
    code: str


@dataclass(frozen=True)
class PriceCode:
    """A price label: item ``plu`` costing ``kopecks``; ``code`` is the scanned EAN-13."""

    plu: int
    kopecks: int
    code: str


@dataclass(frozen=True)
class CardCode:
    """A loyalty card EAN-13; the whole 13-digit code is the card number."""

    number: str


InStoreCode = WeightCode | PriceCode | CardCode


def parse_instore(code: str, scheme: InStoreScheme = DEFAULT_SCHEME) -> InStoreCode | None:
    """Read an in-store EAN-13, or return None when ``code`` is not one under ``scheme``.

    Raises :class:`CodeError` for an in-store code with a wrong check digit, or a label
    showing zero weight or price (a scale misprint the cashier must see).
    """
    if not isinstance(code, str) or len(code) != 13 or not (code.isascii() and code.isdigit()):
        return None
    rule = scheme.rule_for(code[:2])
    if rule is None:
        return None
    expected = check_digit(code[:12])
    if int(code[12]) != expected:
        what = "loyalty card" if rule.kind == "card" else "scale label"
        raise CodeError(
            f"{what} barcode {code} fails its check digit: it ends in {code[12]} but should "
            f"end in {expected}; scan it again or type the number"
        )
    if rule.kind == "card":
        return CardCode(code)
    split = 2 + rule.plu_digits
    plu, value = int(code[2:split]), int(code[split:12])
    if value == 0:
        shown = "a weight of 0 g" if rule.kind == "weight" else "a price of 0"
        raise CodeError(f"scale label {code} shows {shown}; weigh the item again and reprint the label")
    if rule.kind == "weight":
        return WeightCode(plu=plu, grams=value, code=code)
    return PriceCode(plu=plu, kopecks=value, code=code)


def _int_in(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CodeError(f"{name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise CodeError(f"{name} {value} does not fit the barcode: it must be {low}-{high}")
    return value


def _rule(prefix: int | str, kind: str, scheme: InStoreScheme) -> tuple[str, InStoreRule]:
    p = str(prefix)
    rule = scheme.rule_for(p)
    if rule is None or rule.kind != kind:
        have = ", ".join(q for q, r in scheme.rules if r.kind == kind) or "none"
        raise CodeError(f"prefix {p} is not a {kind} prefix in this store's scheme ({kind}: {have})")
    return p, rule


def _labelled(
    prefix: int | str, kind: str, plu: int, value: int, name: str, scheme: InStoreScheme
) -> str:
    p, rule = _rule(prefix, kind, scheme)
    _int_in("item code (PLU)", plu, 0, 10**rule.plu_digits - 1)
    _int_in(name, value, 1, 10**rule.value_digits - 1)
    body = f"{p}{plu:0{rule.plu_digits}d}{value:0{rule.value_digits}d}"
    return body + str(check_digit(body))


def make_weight_barcode(
    plu: int, grams: int, prefix: int | str = 22, scheme: InStoreScheme = DEFAULT_SCHEME
) -> str:
    """The EAN-13 a scale prints for ``grams`` of item ``plu``."""
    return _labelled(prefix, "weight", plu, grams, "weight in grams", scheme)


def make_price_barcode(
    plu: int, kopecks: int, prefix: int | str = 26, scheme: InStoreScheme = DEFAULT_SCHEME
) -> str:
    """The EAN-13 of a price label: item ``plu`` at ``kopecks``."""
    return _labelled(prefix, "price", plu, kopecks, "price in kopecks", scheme)


def make_card_barcode(
    serial: int, prefix: int | str = 29, scheme: InStoreScheme = DEFAULT_SCHEME
) -> str:
    """A loyalty card EAN-13: prefix, ``serial`` in 10 digits, check digit."""
    p, _ = _rule(prefix, "card", scheme)
    _int_in("card serial", serial, 0, 10**_BODY_DIGITS - 1)
    body = f"{p}{serial:010d}"
    return body + str(check_digit(body))
