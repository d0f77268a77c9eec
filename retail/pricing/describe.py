"""Short human labels for adjustments, for receipts and screens: "Скидка 10%" / "10% off".

The label is built from the adjustment's kind and terms, not from the promotion's free
text name, so every channel shows the same wording in the shopper's language whatever
central typed into ``name``. Money is formatted by :func:`retail.money.format_money`.
"""
from __future__ import annotations

from typing import Protocol

from retail.money import BP, format_money
from retail.pricing.errors import PricingError

LANGS = ("ru", "en")


class Described(Protocol):
    """An :class:`~retail.pricing.model.Adjustment` or a :class:`~retail.pricing.model.Saving`."""

    kind: str
    terms: tuple[tuple[str, int], ...]


def _percent(bp: int, lang: str) -> str:
    whole, frac = divmod(bp, 100)
    text = str(whole) if not frac else f"{whole}.{frac:02d}".rstrip("0")
    return (text.replace(".", ",") if lang == "ru" else text) + "%"


def _lang(lang: str) -> str:
    code = str(lang).replace("-", "_").split("_")[0].lower()
    if code not in LANGS:
        raise PricingError(f"no promotion labels in language {lang!r}; use 'ru' or 'en'")
    return code


def describe(item: Described, lang: str = "ru") -> str:
    """A short label such as ``"3 по цене 2"`` (ru) or ``"3 for 2"`` (en).

    ``lang`` is ``'ru'`` or ``'en'`` (``'ru_RU'``, ``'en-GB'`` are read as such).
    """
    lang = _lang(lang)
    ru = lang == "ru"
    t = dict(item.terms)
    kind = item.kind

    def money(kopecks: int) -> str:
        return format_money(kopecks, lang)

    try:
        if kind == "label_price":
            return "Акционная цена" if ru else "Sale price"
        if kind == "percent_off":
            pct = _percent(t["percent_bp"], lang)
            return f"Скидка {pct}" if ru else f"{pct} off"
        if kind == "amount_off":
            return f"Скидка {money(t['amount'])}" if ru else f"{money(t['amount'])} off"
        if kind == "fixed_price":
            return f"Спеццена {money(t['price'])}" if ru else f"Special price {money(t['price'])}"
        if kind == "n_for_price":
            return f"{t['n']} за {money(t['price'])}" if ru else f"{t['n']} for {money(t['price'])}"
        if kind == "buy_x_get_y":
            x, y, bp = t["x"], t["y"], t["percent_bp"]
            if bp == BP and t.get("same_target", 1):
                return f"{x + y} по цене {x}" if ru else f"{x + y} for {x}"
            if bp == BP:
                return f"{y} в подарок при покупке {x}" if ru else f"Buy {x}, get {y} free"
            pct = _percent(bp, lang)
            return f"{x} + {y} со скидкой {pct}" if ru else f"Buy {x}, get {y} {pct} off"
        if kind == "basket_threshold":
            off = (
                _percent(t["percent_bp"], lang) if "percent_bp" in t else money(t["amount"])
            )
            if not t.get("threshold"):
                return f"Скидка {off} на чек" if ru else f"{off} off your order"
            limit = money(t["threshold"])
            return f"Скидка {off} на чек от {limit}" if ru else f"{off} off orders over {limit}"
    except KeyError as missing:
        raise PricingError(f"{kind} adjustment lacks the term {missing}") from None
    raise PricingError(f"no label for adjustment kind {kind!r}")
