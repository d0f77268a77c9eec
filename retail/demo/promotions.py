"""Promotions of the demo chain: every kind the pricing engine knows, with every gate.

Parameters follow :mod:`retail.pricing.rules` exactly (``percent_bp``, ``amount``,
``price``, ``n``, ``x``/``y``/``get_target``, ``threshold``; targets by ``skus``,
``category_ids``, ``brand_ids``), and a test builds every row into a
:class:`retail.pricing.Promotion`, so a renamed parameter shows up at once.

What the chain runs, relative to ``today``: about fifty active promotions (category and
brand discounts, fixed prices, N-for-price and X+Y deals, basket thresholds), coupons
(``WELCOME10``, ``COFFEE20``, ``FRESH15``, ``TV5000``), silver and gold tier offers,
personal offers for the named demo customers and a few others, an exclusive TV week,
some that ended and some that start soon, and two promotions of each store's own.
Targets name leaf categories, because a product carries its leaf's id.
"""
from __future__ import annotations

import random
from typing import Iterable

from retail.money import format_money

from .brands import BY_NAME
from .categories import LEAF_BY_ID
from .people import customer_id
from .products import BLOCK, HERO, HEROES, Catalogue, Core, shelf_price

DAY = 86_400

# (leaf, percent) for the chain's category discounts.
_CATEGORY_DEALS = (
    ("dairy-milk", 10), ("dairy-cheese", 15), ("bakery-bread", 5), ("produce-fruit", 20), ("meat-sausage", 15),
    ("grocery-tea", 15), ("grocery-sweets", 10), ("drinks-water", 10), ("household-laundry", 25),
    ("care-hair", 20), ("care-teeth", 15), ("kids-toys", 10), ("clothing-tshirts", 30), ("home-tableware", 15),
    ("meat-fish", 10),
)
# (brand, kopecks off each piece or kg)
_BRAND_DEALS = (
    ("Danone", 1000), ("Barilla", 2000), ("Lavazza", 10_000), ("Fairy", 3000), ("Pampers", 20_000),
    ("Samsung", 200_000), ("JBL", 50_000), ("Nivea", 3000),
)
# (leaf bought, x, y, leaf given or None for the same, percent off the given ones in bp)
_BUY_GET = (
    ("grocery-pasta", 2, 1, None, 10_000), ("care-teeth", 1, 1, None, 10_000), ("kids-babyfood", 3, 1, None, 10_000),
    ("grocery-coffee", 1, 1, "grocery-sweets", 5000), ("care-hair", 2, 1, None, 10_000),
)


def _rub_ru(kopecks: int) -> str:
    return format_money(kopecks, "ru").replace(",00 ₽", " ₽")


def _rub_en(kopecks: int) -> str:
    text = format_money(kopecks, "en")
    return text[:-3] if text.endswith(".00") else text


def _pct(bp: int) -> str:
    return f"{bp // 100}" if bp % 100 == 0 else f"{bp / 100:g}".replace(".", ",")


def _row(pid: str, kind: str, name_ru: str, name_en: str, params: dict, *, valid_from: int | None,
         valid_to: int | None, priority: int = 100, exclusive: bool = False, stackable: bool = False,
         coupon_code: str | None = None, tier: str | None = None, customer: str | None = None) -> dict:
    return {"id": pid, "kind": kind, "name_ru": name_ru, "name_en": name_en, "params": params,
            "priority": priority, "exclusive": exclusive, "stackable": stackable, "valid_from": valid_from,
            "valid_to": valid_to, "coupon_code": coupon_code, "tier": tier, "customer_id": customer}


class _Picker:
    """SKUs to put on offer: named heroes when the catalogue has them, else others."""

    def __init__(self, catalogue: Catalogue, rng: random.Random) -> None:
        cores = [c for c in catalogue.core_block(0) if not c.family.exact] if catalogue.skus else []
        self.by_index = {c.index: c for c in cores}
        self.others = [c for c in cores if c.index >= len(HEROES)] or cores
        self.rng = rng
        self.taken: set[str] = set()

    def hero(self, name: str) -> Core | None:
        core = self.by_index.get(HERO[name])
        if core is None or core.sku in self.taken:
            return self.any()
        self.taken.add(core.sku)
        return core

    def any(self) -> Core | None:
        """A SKU not on offer yet (or, in a tiny catalogue, any)."""
        free = [c for c in self.others if c.sku not in self.taken] or self.others
        if not free:
            return None
        core = self.rng.choice(free)
        self.taken.add(core.sku)
        return core


def chain_promotions(catalogue: Catalogue, customers: int, today: int) -> list[dict]:
    rng = random.Random(f"{catalogue.seed}:promotions")
    pick = _Picker(catalogue, rng)
    rows: list[dict] = []
    n = iter(range(1, 10_000))

    def pid() -> str:
        return f"PR{next(n):03d}"

    def window(days_ago: int = 7, days_left: int = 14) -> dict:
        return {"valid_from": today - days_ago * DAY, "valid_to": today + days_left * DAY}

    for leaf_id, pct in _CATEGORY_DEALS:
        leaf = LEAF_BY_ID[leaf_id]
        rows.append(_row(pid(), "percent_off", f"{leaf.ru}: скидка {pct} %", f"{leaf.en}: {pct}% off",
                         {"target": {"category_ids": [leaf_id]}, "percent_bp": pct * 100},
                         **window(rng.randint(0, 10), rng.randint(3, 21))))
    for brand_name, amount in _BRAND_DEALS:
        brand = BY_NAME[brand_name]
        rows.append(_row(pid(), "amount_off", f"{brand.name}: −{_rub_ru(amount)} на каждый товар",
                         f"{brand.latin}: {_rub_en(amount)} off each", {"target": {"brand_ids": [brand.id]},
                                                                         "amount": amount},
                         **window(rng.randint(0, 10), rng.randint(3, 21))))
    for core in _cores(pick.hero("milk"), pick.hero("bread"), pick.hero("juice"), pick.any(), pick.any(),
                       pick.any()):
        price = shelf_price(core.price * 75 // 100)
        name_ru, name_en = _short(core)
        rows.append(_row(pid(), "fixed_price", f"{name_ru} за {_rub_ru(price)}", f"{name_en} for {_rub_en(price)}",
                         {"target": {"skus": [core.sku]}, "price": price}, **window()))
    for core, count in ((pick.hero("yoghurt"), 3), (pick.hero("water"), 2), (pick.hero("pasta"), 3),
                        (pick.any(), 2), (pick.any(), 3), (pick.any(), 2)):
        if core is None:
            continue
        price = shelf_price(core.price * count * 80 // 100)
        if price >= core.price * count:
            price = core.price * count - 100
        name_ru, name_en = _short(core)
        rows.append(_row(pid(), "n_for_price", f"{count} за {_rub_ru(price)}: {name_ru}",
                         f"{count} for {_rub_en(price)}: {name_en}",
                         {"target": {"skus": [core.sku]}, "n": count, "price": price}, **window()))
    for leaf_id, x, y, get_leaf, pct in _BUY_GET:
        leaf = LEAF_BY_ID[leaf_id]
        params: dict = {"target": {"category_ids": [leaf_id]}, "x": x, "y": y}
        if get_leaf is None:
            name_ru, name_en = f"{x}+{y}: {leaf.ru}", f"{x}+{y}: {leaf.en}"
        else:
            get = LEAF_BY_ID[get_leaf]
            params.update(get_target={"category_ids": [get_leaf]}, percent_bp=pct)
            name_ru = f"{leaf.ru} + {get.ru.lower()} со скидкой {_pct(pct)} %"
            name_en = f"{leaf.en} + {_pct(pct)}% off {get.en.lower()}"
        rows.append(_row(pid(), "buy_x_get_y", name_ru, name_en, params, **window()))
    tv, headphones = pick.by_index.get(HERO["tv"]), pick.by_index.get(HERO["headphones"])
    if tv is not None and headphones is not None:
        rows.append(_row(pid(), "buy_x_get_y", "Телевизор + наушники в подарок", "TV + free headphones",
                         {"target": {"skus": [tv.sku]}, "x": 1, "y": 1, "get_target": {"skus": [headphones.sku]}},
                         **window(2, 12)))
    rows.append(_row(pid(), "basket_threshold", f"Скидка {_rub_ru(30_000)} от {_rub_ru(300_000)}",
                     f"{_rub_en(30_000)} off baskets over {_rub_en(300_000)}",
                     {"threshold": 300_000, "amount": 30_000}, **window(3, 25)))
    rows.append(_row(pid(), "basket_threshold", f"Скидка 5 % от {_rub_ru(1_000_000)}",
                     f"5% off baskets over {_rub_en(1_000_000)}", {"threshold": 1_000_000, "percent_bp": 500},
                     **window(3, 25)))
    household = [leaf.id for leaf in LEAF_BY_ID.values() if leaf.top.id == "household"]
    rows.append(_row(pid(), "basket_threshold", f"Бытовая химия от {_rub_ru(150_000)}: −{_rub_ru(15_000)}",
                     f"Household over {_rub_en(150_000)}: {_rub_en(15_000)} off",
                     {"threshold": 150_000, "amount": 15_000, "target": {"category_ids": household}},
                     stackable=True, **window(1, 30)))
    rows.append(_row(pid(), "percent_off", "Неделя телевизоров: −15 %", "TV week: 15% off",
                     {"target": {"category_ids": ["electronics-tv"]}, "percent_bp": 1500}, priority=10,
                     exclusive=True, **window(2, 5)))
    # Coupons
    rows.append(_row(pid(), "basket_threshold", f"Купон WELCOME10: −10 % от {_rub_ru(100_000)}",
                     f"Coupon WELCOME10: 10% off over {_rub_en(100_000)}", {"threshold": 100_000, "percent_bp": 1000},
                     coupon_code="WELCOME10", valid_from=today - 60 * DAY, valid_to=None))
    rows.append(_row(pid(), "percent_off", "Купон COFFEE20: кофе −20 %", "Coupon COFFEE20: coffee 20% off",
                     {"target": {"category_ids": ["grocery-coffee"]}, "percent_bp": 2000}, coupon_code="COFFEE20",
                     **window(5, 25)))
    produce = [leaf.id for leaf in LEAF_BY_ID.values() if leaf.top.id == "produce"]
    rows.append(_row(pid(), "percent_off", "Купон FRESH15: овощи и фрукты −15 %", "Coupon FRESH15: fruit & veg 15% off",
                     {"target": {"category_ids": produce}, "percent_bp": 1500}, coupon_code="FRESH15",
                     **window(5, 25)))
    if tv is not None:
        rows.append(_row(pid(), "amount_off", f"Купон TV5000: −{_rub_ru(500_000)} на телевизор",
                         f"Coupon TV5000: {_rub_en(500_000)} off a TV",
                         {"target": {"category_ids": ["electronics-tv"]}, "amount": 500_000}, coupon_code="TV5000",
                         **window(1, 30)))
    # Loyalty tiers
    rows.append(_row(pid(), "basket_threshold", "Золотая карта: −5 % на всё", "Gold card: 5% off everything",
                     {"threshold": 0, "percent_bp": 500}, tier="gold", stackable=True, valid_from=None,
                     valid_to=None))
    rows.append(_row(pid(), "basket_threshold", f"Серебряная карта: −3 % от {_rub_ru(200_000)}",
                     f"Silver card: 3% off over {_rub_en(200_000)}", {"threshold": 200_000, "percent_bp": 300},
                     tier="silver", stackable=True, valid_from=None, valid_to=None))
    rows.append(_row(pid(), "percent_off", "Золотая карта: сыры −20 %", "Gold card: cheese 20% off",
                     {"target": {"category_ids": ["dairy-cheese"]}, "percent_bp": 2000}, tier="gold", priority=50,
                     **window(10, 20)))
    rows.append(_row(pid(), "percent_off", "Серебряная карта: выпечка −15 %", "Silver card: pastries 15% off",
                     {"target": {"category_ids": ["bakery-pastry"]}, "percent_bp": 1500}, tier="silver",
                     priority=50, **window(10, 20)))
    # Personal offers: the named demo customers, then a few others.
    personal = (("grocery-coffee", 3000), ("bakery-bread", 2500), ("dairy-milk", 2000))
    for k, (leaf_id, bp) in enumerate(personal[:customers]):
        leaf = LEAF_BY_ID[leaf_id]
        rows.append(_row(pid(), "percent_off", f"Персонально для вас: {leaf.ru.lower()} −{_pct(bp)} %",
                         f"Just for you: {leaf.en.lower()} {_pct(bp)}% off",
                         {"target": {"category_ids": [leaf_id]}, "percent_bp": bp}, priority=50,
                         customer=customer_id(k), **window(3, 27)))
    leaves = sorted(LEAF_BY_ID)
    for _ in range(5 if customers > len(personal) else 0):
        who = rng.randrange(len(personal), min(customers, BLOCK))
        leaf = LEAF_BY_ID[rng.choice([lid for lid in leaves if LEAF_BY_ID[lid].weight])]
        bp = rng.choice((1000, 1500, 2000, 2500))
        rows.append(_row(pid(), "percent_off", f"Персонально для вас: {leaf.ru.lower()} −{_pct(bp)} %",
                         f"Just for you: {leaf.en.lower()} {_pct(bp)}% off",
                         {"target": {"category_ids": [leaf.id]}, "percent_bp": bp}, priority=50,
                         customer=customer_id(who), **window(3, 27)))
    # Ended and coming soon: the terminal must ignore them (now) and switch them on (later).
    for k, (leaf_id, pct) in enumerate(_CATEGORY_DEALS[:10]):
        leaf = LEAF_BY_ID[leaf_id]
        if k % 2 == 0:
            start = today - (40 + 3 * k) * DAY
            span = {"valid_from": start, "valid_to": start + 14 * DAY}
            ru, en = f"Прошедшая акция: {leaf.ru.lower()} −{pct + 5} %", f"Ended: {leaf.en.lower()} {pct + 5}% off"
        else:
            start = today + (2 + k) * DAY
            span = {"valid_from": start, "valid_to": start + 14 * DAY}
            ru, en = f"Скоро: {leaf.ru.lower()} −{pct + 5} %", f"Coming soon: {leaf.en.lower()} {pct + 5}% off"
        rows.append(_row(pid(), "percent_off", ru, en,
                         {"target": {"category_ids": [leaf_id]}, "percent_bp": (pct + 5) * 100}, **span))
    return rows


def store_promotions(store_id: str, position: int, today: int) -> list[dict]:
    """Two promotions only this store runs (ids ``PR-<store>-1``, ``-2``)."""
    pastry = LEAF_BY_ID["bakery-pastry"]
    pct = 15 + 5 * (position % 3)
    return [
        _row(f"PR-{store_id}-1", "percent_off", f"Только в {store_id}: {pastry.ru.lower()} −{pct} %",
             f"{store_id} only: {pastry.en.lower()} {pct}% off",
             {"target": {"category_ids": [pastry.id]}, "percent_bp": pct * 100},
             valid_from=today - 2 * DAY, valid_to=today + 12 * DAY),
        _row(f"PR-{store_id}-2", "basket_threshold", f"Только в {store_id}: −{_rub_ru(50_000)} от {_rub_ru(500_000)}",
             f"{store_id} only: {_rub_en(50_000)} off over {_rub_en(500_000)}",
             {"threshold": 500_000, "amount": 50_000}, stackable=True,
             valid_from=today - DAY, valid_to=today + 6 * DAY),
    ]


def _cores(*cores: Core | None) -> Iterable[Core]:
    seen = set()
    for core in cores:
        if core is not None and core.sku not in seen:
            seen.add(core.sku)
            yield core


def _short(core: Core) -> tuple[str, str]:
    family = core.family
    brand = core.brand
    ru = f"{family.noun_ru} {brand.name}" if brand else family.noun_ru
    en = f"{brand.latin} {family.noun_en}" if brand else family.noun_en
    return ru, en[:1].upper() + en[1:]
