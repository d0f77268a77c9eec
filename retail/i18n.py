"""The one translation function.

Message ids are the English text (gettext style), so code and KV read naturally:
``_("Pay by card")``. Catalogues are JSON files ``assets/translations/<lang>.json`` mapping
the English id to the translation; English needs no catalogue. A missing translation
falls back to the English id (and a test lists every id used in code and KV that a
catalogue lacks). Placeholders use ``str.format`` names: ``_("Receipt {number}", number=n)``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .money import format_money

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"
ASSETS = Path(__file__).resolve().parent.parent / "assets" / "translations"

_current = {"lang": DEFAULT_LANGUAGE}


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    path = ASSETS / f"{lang}.json"
    if lang == "en" or not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    _current["lang"] = lang


def language() -> str:
    return _current["lang"]


def translate(message: str, lang: str | None = None, /, **params) -> str:
    text = catalogue(lang or language()).get(message, message)
    return text.format(**params) if params else text


_ = translate


def money(kopecks: int, lang: str | None = None) -> str:
    """Money formatted for the current (or given) language."""
    return format_money(kopecks, lang or language())


def qty(qty_milli: int, unit: str, lang: str | None = None) -> str:
    """``1000, 'pcs'`` -> ``'1 шт'``; ``1235, 'kg'`` -> ``'1,235 кг'``."""
    lang = lang or language()
    if unit == "kg":
        whole, frac = divmod(abs(qty_milli), 1000)
        sep = "," if lang == "ru" else "."
        sign = "-" if qty_milli < 0 else ""
        return f"{sign}{whole}{sep}{frac:03d} {translate('kg', lang)}"
    whole, frac = divmod(qty_milli, 1000)
    shown = str(whole) if not frac else f"{whole}{',' if lang == 'ru' else '.'}{frac:03d}".rstrip("0")
    return f"{shown} {translate('pcs', lang)}"
