"""The shapes of the demo catalogue's data: categories, brands, product families.

A product name is assembled from a family's noun, a brand, a qualifier (fat, flavour,
variety, colour) and a size, with a per-family word order, because Russian and English
put these in different places: "Молоко Простоквашино 3,2% 930 мл" but
"Prostokvashino milk 3.2% 930 ml"; "Яблоки Голден, кг" but "Golden apples, kg".
Attributes are ints and short codes only (``fat_bp``, ``volume_ml``, ``country``), never
floats, so the feed stays exact.
"""
from __future__ import annotations

from dataclasses import dataclass

Attrs = tuple[tuple[str, int | str], ...]


@dataclass(frozen=True, slots=True)
class Brand:
    id: str
    name: str  # as printed on the pack, in its own script
    latin: str  # for English product names
    country: str  # ISO 3166 alpha-2


@dataclass(frozen=True, slots=True)
class Qual:
    """A qualifier: fat content, flavour, variety, colour, grade."""

    ru: str
    en: str
    attrs: Attrs = ()


@dataclass(frozen=True, slots=True)
class Size:
    """A pack size; ``pct`` scales the family's base price (100 = the base pack)."""

    ru: str
    en: str
    attrs: Attrs = ()
    pct: int = 100


NO_QUAL = (Qual("", ""),)
NO_SIZE = (Size("", ""),)

PACKED_RU = "{noun} {brand} {qual} {size}"
PACKED_EN = "{brand} {qual} {noun} {size}"
LOOSE_RU = "{noun} {qual}, кг"
LOOSE_EN = "{qual} {noun}, kg"


@dataclass(frozen=True, slots=True)
class Family:
    """A kind of product within a leaf category (milk, UHT milk, baked milk...).

    ``loose`` families are sold by weight: unit kg, a PLU for the scales, a price per kg,
    no brand. ``model`` adds a generated model code (electronics, toys). ``exact`` prices
    are not rounded to a shelf ending and never discounted on the shelf (gift cards).
    """

    noun_ru: str
    noun_en: str
    quals: tuple[Qual, ...]
    sizes: tuple[Size, ...]
    price: tuple[int, int]  # base pack (or 1 kg) price range, kopecks
    loose: bool = False
    model: bool = False
    exact: bool = False
    fmt_ru: str = ""
    fmt_en: str = ""
    countries: tuple[str, ...] = ("RU",)

    def formats(self) -> tuple[str, str]:
        if self.loose:
            return self.fmt_ru or LOOSE_RU, self.fmt_en or LOOSE_EN
        return self.fmt_ru or PACKED_RU, self.fmt_en or PACKED_EN


@dataclass(frozen=True, slots=True)
class Top:
    """A top-level category: its aisle in every demo store, picture and care note."""

    id: str
    ru: str
    en: str
    aisle: int
    note_ru: str
    note_en: str

    @property
    def image(self) -> str:
        return f"img/cat-{self.id}.png"


@dataclass(frozen=True, slots=True)
class Leaf:
    """A leaf category products belong to; ``weight`` is its share of random products."""

    id: str
    top: Top
    ru: str
    en: str
    vat_bp: int
    weight: int
    brands: tuple[str, ...]
    families: tuple[Family, ...]

    @property
    def packed(self) -> tuple[Family, ...]:
        return tuple(f for f in self.families if not f.loose)

    @property
    def loose(self) -> tuple[Family, ...]:
        return tuple(f for f in self.families if f.loose)


# ---------------------------------------------------------------- builders for the data

def _dec(milli: int) -> tuple[str, str]:
    """1400 -> ('1,4', '1.4'); 2000 -> ('2', '2'): thousandths as a short decimal."""
    whole, rest = divmod(milli, 1000)
    if not rest:
        return str(whole), str(whole)
    frac = f"{rest:03d}".rstrip("0")
    return f"{whole},{frac}", f"{whole}.{frac}"


def ml(volume: int, pct: int = 100) -> Size:
    if volume >= 1000:
        ru, en = _dec(volume)
        return Size(f"{ru} л", f"{en} l", (("volume_ml", volume),), pct)
    return Size(f"{volume} мл", f"{volume} ml", (("volume_ml", volume),), pct)


def g(weight: int, pct: int = 100) -> Size:
    if weight >= 1000:
        ru, en = _dec(weight)
        return Size(f"{ru} кг", f"{en} kg", (("weight_g", weight),), pct)
    return Size(f"{weight} г", f"{weight} g", (("weight_g", weight),), pct)


def pcs(count: int, pct: int = 100, ru: str = "шт", en: str = "pcs") -> Size:
    en_word = "pc" if count == 1 and en == "pcs" else en
    return Size(f"{count} {ru}", f"{count} {en_word}", (("pieces", count),), pct)


def sz(ru: str, en: str, pct: int = 100, **attrs: int | str) -> Size:
    return Size(ru, en, tuple(sorted(attrs.items())), pct)


def q(ru: str, en: str, **attrs: int | str) -> Qual:
    return Qual(ru, en, tuple(sorted(attrs.items())))


def fat(bp: int) -> Qual:
    """Fat content in basis points of mass: 320 -> '3,2%'."""
    whole, rest = divmod(bp, 100)
    if rest:
        frac = f"{rest:02d}".rstrip("0")
        return Qual(f"{whole},{frac}%", f"{whole}.{frac}%", (("fat_bp", bp),))
    return Qual(f"{whole}%", f"{whole}%", (("fat_bp", bp),))


def quals(*pairs: tuple[str, str]) -> tuple[Qual, ...]:
    return tuple(Qual(ru, en) for ru, en in pairs)


def clothing_sizes(*labels: str) -> tuple[Size, ...]:
    return tuple(Size(label, label, (("size", label),)) for label in labels)
