"""Products of the demo catalogue, generated in blocks so a million never sit in memory.

Product ``i`` is fixed by ``(seed, i)`` alone: its block ``i // BLOCK`` has its own
``random.Random`` seeded from the seed and the block number, so the prices and the stock
feeds can regenerate exactly the products they need (block by block, alongside their own
random streams) without holding the catalogue. The first products are fixed "heroes"
(milk, Golden apples, a TV, gift cards...) so the README can name them.

Uniqueness without a set in memory comes from arithmetic: SKUs, EAN-13s and PLUs are
bijections of the index (an affine map modulo the size of the code space, with a
multiplier coprime to it), so two indices can never share a code.
"""
from __future__ import annotations

import random
import re
from bisect import bisect_right
from functools import lru_cache
from typing import Iterator, NamedTuple

from .brands import BRANDS, BY_NAME
from .categories import LEAF_BY_ID, LEAVES, TOPS
from .names import COUNTRIES
from .spec import Brand, Family, Leaf, Qual, Size

BLOCK = 1000
MAX_SKUS = 9_000_000  # seven-digit SKUs 1000000..9999999
SKU_SPACE = 9_000_000
SKU_MUL = 7_777_777  # coprime with 9 000 000 (= 2^6 * 3^2 * 5^6)
EAN_SPACE = 10**10  # 12-digit body = "46" + 10 digits -> prefixes 460..469
EAN_MUL = 3_141_592_653  # coprime with 10^10
EAN_PER_PRODUCT = 3
WEIGHED_EVERY = 40  # every 40th product (index % 40 == 3) is sold by weight...
WEIGHED_SLOT = 3
PLU_BASE = 10_000  # ...with PLU 10000 + index // 40: five digits, unique
PLU_MAX = 99_999
INACTIVE_EVERY = 211  # a few delisted products (active = false)

# Fixed products at the start of the catalogue: (leaf, family, brand, qualifier, size).
# Index 3 is a weighed slot, so it must be a loose family.
HEROES: tuple[tuple[str, int, str | None, int, int], ...] = (
    ("dairy-milk", 0, "Простоквашино", 2, 0),        # 0 Молоко Простоквашино 3,2% 930 мл
    ("bakery-bread", 0, "Коломенский", 0, 1),        # 1 Хлеб Бородинский 400 г
    ("dairy-kefir", 0, "Простоквашино", 1, 0),       # 2 Кефир 2,5% 900 мл
    ("produce-fruit", 0, None, 0, 0),                # 3 Яблоки Голден, кг (weighed)
    ("drinks-juice", 0, "J7", 1, 0),                 # 4 Сок J7 апельсиновый 1 л
    ("grocery-sweets", 0, "Alpen Gold", 0, 0),       # 5 Шоколад Alpen Gold молочный 90 г
    ("grocery-coffee", 0, "Lavazza", 0, 0),          # 6 Кофе в зёрнах Lavazza 1 кг
    ("electronics-tv", 0, "Samsung", 2, 3),          # 7 Телевизор Samsung 55" QLED 4K
    ("electronics-phones", 0, "Apple", 0, 1),        # 8 Смартфон Apple 128 ГБ
    ("electronics-audio", 0, "JBL", 0, 0),           # 9 Наушники JBL
    ("books-giftcards", 0, "Витрина", 0, 0),         # 10 Подарочная карта 1 000 ₽
    ("books-giftcards", 0, "Витрина", 0, 1),         # 11 Подарочная карта 3 000 ₽
    ("books-giftcards", 0, "Витрина", 0, 2),         # 12 Подарочная карта 5 000 ₽
    ("dairy-kefir", 2, "Danone", 0, 0),              # 13 Йогурт Danone клубника 125 г
    ("drinks-water", 0, "Святой Источник", 0, 1),    # 14 Вода 1,5 л
    ("grocery-pasta", 1, "Barilla", 0, 0),           # 15 Макароны Barilla Пенне 450 г
)
HERO = {"milk": 0, "bread": 1, "kefir": 2, "apples": 3, "juice": 4, "chocolate": 5, "coffee": 6, "tv": 7,
        "phone": 8, "headphones": 9, "gift_1000": 10, "gift_3000": 11, "gift_5000": 12, "yoghurt": 13,
        "water": 14, "pasta": 15}


class Core(NamedTuple):
    """What every feed needs to know about product ``index``."""

    index: int
    sku: str
    leaf: Leaf
    family: Family
    brand: Brand | None
    qual: Qual
    size: Size | None  # None for loose goods
    model: str
    price: int  # the chain's base regular price, kopecks (per kg when loose)
    country: str

    @property
    def loose(self) -> bool:
        return self.family.loose


def is_weighed_slot(index: int) -> bool:
    return index % WEIGHED_EVERY == WEIGHED_SLOT and PLU_BASE + index // WEIGHED_EVERY <= PLU_MAX


def is_active(index: int) -> bool:
    """A few products are delisted (kept for returns and history, not sold)."""
    return index < len(HEROES) or index % INACTIVE_EVERY != INACTIVE_EVERY // 2


def plu_of(index: int) -> int:
    return PLU_BASE + index // WEIGHED_EVERY


def barcode_count(index: int) -> int:
    """1-3 barcodes: a fifth of products has a second (new pack), a few a third (import)."""
    return 1 + (index % 5 == 1) + (index % 11 == 4)


def _weighted_digit_sums(weights: tuple[int, ...]) -> bytes:
    """For every 5-digit x: sum(digit * weight) mod 10, digits taken from the right."""
    out = bytearray(100_000)
    for x in range(100_000):
        total, rest = 0, x
        for w in weights:
            rest, digit = divmod(rest, 10)
            total += digit * w
        out[x] = total % 10
    return bytes(out)


@lru_cache(maxsize=1)
def _check_tables() -> tuple[bytes, bytes]:
    # Body "46" d1..d10: weights from the right are 3,1,3,1,3 (d10..d6), 1,3,1,3,1 (d5..d1),
    # then 3 for the 6 and 1 for the 4 (together 22).
    return _weighted_digit_sums((3, 1, 3, 1, 3)), _weighted_digit_sums((1, 3, 1, 3, 1))


def ean13_46(n: int) -> str:
    """The EAN-13 ``46`` + ``n`` (10 digits) + check digit, for ``0 <= n < 10**10``.

    Same GS1 mod-10 digit as :func:`retail.codes.gtin.make_ean13` (tests compare them),
    taken from two 100 000-entry tables: the catalogue makes millions of these, and the
    validating string version is meant for what scanners send.
    """
    low, high = _check_tables()
    hi, lo = divmod(n, 100_000)
    return f"46{n:010d}{(10 - (22 + low[lo] + high[hi]) % 10) % 10}"


def shelf_price(kopecks: int) -> int:
    """A price as a shelf shows it: 89,90 ₽ under 100 ₽, 129 ₽ under 1 000 ₽, 29 990 ₽ above."""
    rub = kopecks // 100
    if rub < 100:
        return max(rub, 1) * 100 + 90
    if rub < 1000:
        return (rub // 10 * 10 + 9) * 100
    return (rub // 100 * 100 + 90) * 100


_SPACES = re.compile(r"\s+")
_SPACE_COMMA = re.compile(r" +,")
_EMPTY_PARTS = re.compile(r",(?: ?,)+")


def _tidy(text: str) -> str:
    """Join the name's parts: single spaces, no gaps left by an empty qualifier or size."""
    text = _SPACES.sub(" ", text).strip()
    text = _EMPTY_PARTS.sub(",", _SPACE_COMMA.sub(",", text)).strip(" ,")
    return text[:1].upper() + text[1:]


def _model_code(bits: int, brand: Brand | None) -> str:
    """A model code like ``SA5363``: the brand's first letters and a number."""
    letters = "".join(ch for ch in (brand.latin if brand else "VT") if ch.isalpha())[:2].upper() or "VT"
    return f"{letters}{100 + bits % 9900}"


class Catalogue:
    """The products of one seed and size; blocks of :class:`Core` on demand."""

    def __init__(self, seed: int, skus: int) -> None:
        self.seed = seed
        self.skus = skus
        codes = random.Random(f"{seed}:codes")
        self._sku_off = codes.randrange(SKU_SPACE)
        self._ean_off = codes.randrange(EAN_SPACE)
        self._packed = [(leaf, leaf.packed) for leaf in LEAVES if leaf.packed and leaf.weight]
        self._packed_cum = _cumulative([leaf.weight for leaf, _ in self._packed])
        self._loose = [(leaf, leaf.loose) for leaf in LEAVES if leaf.loose and leaf.weight]
        self._loose_cum = _cumulative([leaf.weight for leaf, _ in self._loose])
        # Three feeds walk the blocks side by side; a few cached blocks serve them all.
        self.core_block = lru_cache(maxsize=4)(self._core_block)
        self._text_cache: dict[tuple, tuple[str, str, str, str]] = {}

    # ------------------------------------------------------------ codes

    def sku(self, index: int) -> str:
        return str(1_000_000 + (index * SKU_MUL + self._sku_off) % SKU_SPACE)

    def barcodes(self, index: int) -> list[str]:
        return [ean13_46(((index * EAN_PER_PRODUCT + j) * EAN_MUL + self._ean_off) % EAN_SPACE)
                for j in range(barcode_count(index))]

    # ------------------------------------------------------------ cores

    @property
    def blocks(self) -> range:
        return range((self.skus + BLOCK - 1) // BLOCK)

    def block_range(self, block: int) -> range:
        return range(block * BLOCK, min((block + 1) * BLOCK, self.skus))

    def core(self, index: int) -> Core:
        if not 0 <= index < self.skus:
            raise IndexError(f"product index {index} is outside the catalogue of {self.skus}")
        return self.core_block(index // BLOCK)[index % BLOCK]

    def _core_block(self, block: int) -> tuple[Core, ...]:
        rng = random.Random(f"{self.seed}:core:{block}")
        return tuple(self._core(rng, i) for i in self.block_range(block))

    def _core(self, rng: random.Random, i: int) -> Core:
        # One 64-bit draw feeds every choice (each takes its own slice of the bits): a
        # third of the cost of separate calls, and a million products add up.
        bits = rng.getrandbits(64)
        if i < len(HEROES):
            leaf_id, fam_i, brand_name, qual_i, size_i = HEROES[i]
            leaf = LEAF_BY_ID[leaf_id]
            family = leaf.families[fam_i]
            brand = BY_NAME[brand_name] if brand_name else None
            qual = family.quals[qual_i]
            size = None if family.loose else family.sizes[size_i]
        else:
            pool, cum = (self._loose, self._loose_cum) if is_weighed_slot(i) else (self._packed, self._packed_cum)
            leaf, families = pool[bisect_right(cum, (bits & 0xFFFF) % cum[-1])]
            bits >>= 16
            family = families[bits % len(families)]
            bits >>= 4
            brand = None if family.loose else BY_NAME[leaf.brands[bits % len(leaf.brands)]]
            bits >>= 4
            qual = family.quals[bits % len(family.quals)]
            bits >>= 4
            size = None if family.loose else family.sizes[bits % len(family.sizes)]
        bits >>= 4
        model = _model_code(bits & 0xFFFF, brand) if family.model else ""
        bits >>= 16
        lo, hi = family.price
        base = (lo + (bits & 0xFFFFF) % (hi - lo + 1)) * (size.pct if size else 100) // 100
        price = base if family.exact else shelf_price(base)
        if family.countries != ("RU",) or brand is None:
            country = family.countries[rng.getrandbits(8) % len(family.countries)]
        else:
            country = brand.country
        return Core(i, self.sku(i), leaf, family, brand, qual, size, model, price, country)

    # ------------------------------------------------------------ feed rows

    def products(self) -> Iterator[dict]:
        for block in self.blocks:
            yield from self.product_block(block)

    def product_block(self, block: int) -> Iterator[dict]:
        cores = self.core_block(block)
        rng = random.Random(f"{self.seed}:products:{block}")
        by_leaf: dict[str, list[str]] = {}
        for c in cores:
            by_leaf.setdefault(c.leaf.id, []).append(c.sku)
        if block:
            # A leaf with too few products in this block borrows related ones from block 0.
            for c in self.core_block(0):
                same = by_leaf.get(c.leaf.id)
                if same is not None and len(same) < 5 and c.sku not in same:
                    same.append(c.sku)
        for c in cores:
            yield self._product(rng, c, by_leaf[c.leaf.id])

    def _texts(self, c: Core) -> tuple[str, str, str, str]:
        """Names and descriptions; shared by every product of the same make-up."""
        # Identity keys: hashing the frozen dataclasses would walk all their fields.
        key = (id(c.leaf), id(c.family), id(c.brand), id(c.qual), id(c.size), c.model, c.country)
        texts = self._text_cache.get(key)
        if texts is None:
            family, leaf, brand, size = c.family, c.leaf, c.brand, c.size
            fmt_ru, fmt_en = family.formats()
            name_ru = _tidy(fmt_ru.format(noun=family.noun_ru, brand=brand.name if brand else "", qual=c.qual.ru,
                                          size=size.ru if size else "", model=c.model))
            name_en = _tidy(fmt_en.format(noun=family.noun_en, brand=brand.latin if brand else "", qual=c.qual.en,
                                          size=size.en if size else "", model=c.model))
            country_ru, country_en = COUNTRIES[c.country]
            top = leaf.top
            texts = (name_ru, name_en,
                     f"{name_ru}. {leaf.ru}. {top.note_ru} Страна производства: {country_ru}.",
                     f"{name_en}. {leaf.en}. {top.note_en} Country of origin: {country_en}.")
            if c.model:
                return texts  # unique per product: not worth keeping
            if len(self._text_cache) > 100_000:
                self._text_cache.clear()
            self._text_cache[key] = texts
        return texts

    def name_ru(self, core: Core) -> str:
        return self._texts(core)[0]

    def _product(self, rng: random.Random, c: Core, same_leaf: list[str]) -> dict:
        leaf, brand, size = c.leaf, c.brand, c.size
        name_ru, name_en, description_ru, description_en = self._texts(c)
        top = leaf.top
        attributes: dict[str, int | str] = dict(c.qual.attrs)
        if size is not None:
            attributes.update(size.attrs)
        attributes["country"] = c.country
        if c.model:
            attributes["model"] = c.model
        if top.id == "electronics":
            attributes["warranty_months"] = 12
        bits = rng.getrandbits(32)
        n = len(same_leaf)
        start = bits % n
        wanted = 2 + (bits >> 16) % 3
        related = [sku for sku in (same_leaf[(start + t) % n] for t in range(min(n, wanted + 1)))
                   if sku != c.sku][:wanted]
        return {
            "type": "product",
            "sku": c.sku,
            "name_ru": name_ru,
            "name_en": name_en,
            "description_ru": description_ru,
            "description_en": description_en,
            "category_id": leaf.id,
            "brand_id": brand.id if brand else None,
            "unit": "kg" if c.loose else "pcs",
            "vat_rate_bp": leaf.vat_bp,
            "plu": plu_of(c.index) if c.loose else None,
            "image": top.image,
            "attributes": attributes,
            "related": related,
            "active": is_active(c.index),
            "location": f"{top.aisle:02d}/{1 + (bits >> 24) % 8}",
            "barcodes": self.barcodes(c.index),
        }


def _cumulative(weights: list[int]) -> list[int]:
    out, total = [], 0
    for w in weights:
        total += w
        out.append(total)
    return out


def categories() -> Iterator[dict]:
    """The 2-level tree: departments first (parent_id None), then their leaves."""
    for sort, top in enumerate(TOPS, 1):
        yield {"type": "category", "id": top.id, "parent_id": None, "name_ru": top.ru, "name_en": top.en,
               "sort": sort * 10}
    for sort, leaf in enumerate(LEAVES, 1):
        yield {"type": "category", "id": leaf.id, "parent_id": leaf.top.id, "name_ru": leaf.ru,
               "name_en": leaf.en, "sort": sort * 10}


def brands() -> Iterator[dict]:
    for brand in BRANDS:
        yield {"type": "brand", "id": brand.id, "name": brand.name}
