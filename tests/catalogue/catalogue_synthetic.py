"""A quick synthetic catalogue in feed-row shape, for tests and the scale check.

Names are built from a Russian/English word list (so real queries like ``молоко`` and
``milk`` hit a few percent of the catalogue, as in a grocery chain) plus invented words
(so the vocabulary is large, as real product names are). Deterministic for a seed. The
realistic demo data is ``retail/demo``; this only has to stress the index fairly.
"""
from __future__ import annotations

import random
from typing import Iterator

from retail.codes import make_ean13

# (ru, en) nouns and adjectives; ё on purpose, so ё = е is exercised at scale.
NOUNS = [
    ("молоко", "milk"), ("кефир", "kefir"), ("сыр", "cheese"), ("хлеб", "bread"), ("батон", "loaf"),
    ("масло", "butter"), ("сметана", "sour cream"), ("творог", "curd"), ("йогурт", "yogurt"),
    ("ёлка", "fir tree"), ("игрушка", "toy"), ("вода", "water"), ("сок", "juice"), ("чай", "tea"),
    ("кофе", "coffee"), ("сахар", "sugar"), ("соль", "salt"), ("мука", "flour"), ("рис", "rice"),
    ("гречка", "buckwheat"), ("макароны", "pasta"), ("колбаса", "sausage"), ("сосиски", "frankfurters"),
    ("курица", "chicken"), ("говядина", "beef"), ("свинина", "pork"), ("рыба", "fish"), ("лосось", "salmon"),
    ("сельдь", "herring"), ("шоколад", "chocolate"), ("печенье", "cookies"), ("конфеты", "sweets"),
    ("мармелад", "marmalade"), ("шампунь", "shampoo"), ("мыло", "soap"), ("паста", "paste"),
    ("бумага", "paper"), ("порошок", "powder"), ("яблоки", "apples"), ("бананы", "bananas"),
    ("апельсины", "oranges"), ("картофель", "potatoes"), ("морковь", "carrots"), ("лук", "onions"),
    ("огурцы", "cucumbers"), ("помидоры", "tomatoes"), ("яйца", "eggs"), ("пельмени", "dumplings"),
    ("мороженое", "ice cream"), ("пиво", "beer"), ("вино", "wine"), ("салфетки", "napkins"),
]
ADJECTIVES = [
    ("сливочное", "creamy"), ("свежий", "fresh"), ("зелёный", "green"), ("чёрный", "black"),
    ("молочный", "milky"), ("горький", "dark"), ("яблочный", "apple"), ("апельсиновый", "orange"),
    ("отборные", "selected"), ("домашний", "homemade"), ("детский", "kids"), ("большой", "large"),
    ("классический", "classic"), ("натуральный", "natural"), ("копчёная", "smoked"), ("варёная", "boiled"),
    ("минеральная", "mineral"), ("пшеничная", "wheat"), ("ржаной", "rye"), ("сладкий", "sweet"),
]
UNITS = [("1 л", "1 l"), ("0,5 л", "0.5 l"), ("900 мл", "900 ml"), ("1 кг", "1 kg"), ("500 г", "500 g"),
         ("200 г", "200 g"), ("3,2%", "3.2%"), ("2,5%", "2.5%"), ("10 шт", "10 pcs")]
_RU_SYL = "ка ло ми на ра то се ву да ри по ле ко ба ду жи фа ше лю ги".split()
_EN_SYL = "ka lo mi na ra to se vu da ri po le ko ba du zhi fa she lu gi".split()


def invented(rng: random.Random) -> tuple[str, str]:
    """A made-up word and its transliteration, like a product line name."""
    idx = [rng.randrange(len(_RU_SYL)) for _ in range(rng.randint(2, 4))]
    return "".join(_RU_SYL[i] for i in idx), "".join(_EN_SYL[i] for i in idx)


def categories(departments: int = 20, subs: int = 10, leaves: int = 5) -> list[dict]:
    rows = []
    for d in range(departments):
        rows.append({"type": "category", "id": f"d{d}", "parent_id": None,
                     "name_ru": f"Отдел {d}", "name_en": f"Department {d}", "sort": d})
        for s in range(subs):
            rows.append({"type": "category", "id": f"d{d}s{s}", "parent_id": f"d{d}",
                         "name_ru": f"Раздел {d}.{s}", "name_en": f"Section {d}.{s}", "sort": s})
            for leaf in range(leaves):
                rows.append({"type": "category", "id": f"d{d}s{s}l{leaf}", "parent_id": f"d{d}s{s}",
                             "name_ru": f"Полка {d}.{s}.{leaf}", "name_en": f"Shelf {d}.{s}.{leaf}", "sort": leaf})
    return rows


def leaf_ids(departments: int = 20, subs: int = 10, leaves: int = 5) -> list[str]:
    return [f"d{d}s{s}l{leaf}" for d in range(departments) for s in range(subs) for leaf in range(leaves)]


def brands(count: int = 2000, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [{"type": "brand", "id": f"b{i}", "name": invented(rng)[0].capitalize()} for i in range(count)]


def sku_of(i: int) -> str:
    return f"{100000 + i}"


def barcode_of(i: int) -> str:
    return make_ean13(f"460{i:09d}")


def products(count: int, seed: int = 1, brand_count: int = 2000) -> Iterator[dict]:
    """``count`` product feed rows; product i has SKU :func:`sku_of` and barcode :func:`barcode_of`."""
    rng = random.Random(seed)
    leaves = leaf_ids()
    for i in range(count):
        noun_ru, noun_en = NOUNS[rng.randrange(len(NOUNS))]
        adj_ru, adj_en = ADJECTIVES[rng.randrange(len(ADJECTIVES))]
        line_ru, line_en = invented(rng)
        unit_ru, unit_en = UNITS[rng.randrange(len(UNITS))]
        weighed = i % 100 == 0
        yield {
            "type": "product", "sku": sku_of(i),
            "name_ru": f"{noun_ru.capitalize()} {adj_ru} «{line_ru.capitalize()}» {unit_ru}",
            "name_en": f"{noun_en.capitalize()} {adj_en} {line_en.capitalize()} {unit_en}",
            "description_ru": "", "description_en": "",
            "category_id": leaves[rng.randrange(len(leaves))],
            "brand_id": f"b{rng.randrange(brand_count)}",
            "unit": "kg" if weighed else "pcs", "vat_rate_bp": 1000 if i % 3 else 2000,
            "plu": (i // 100) + 1 if weighed else None,
            "image": "", "attributes": {}, "related": [], "active": i % 50 != 7,
            "location": "", "barcodes": [barcode_of(i)],
        }
