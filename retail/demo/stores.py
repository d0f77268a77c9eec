"""The chain's locations, and each store's settings and signing keys.

Store ids are short (``MSK1``) because they are part of every receipt and order number.
The second store (MSK2) is a small express format that takes no click-and-collect
orders, so the ``pickup`` flag has both values in the default chain.

The signing keys are derived from the seed so the demo is reproducible; that is only
acceptable because they protect nothing real. A real chain's central makes them with
``secrets``.
"""
from __future__ import annotations

import random
from collections import Counter

from .names import CITIES, STORE_ORDER, WAREHOUSE

MAX_STORES = 99
DAY = 86_400
EXPRESS_POSITION = 1  # MSK2: no pickup counter


def store_rows(seed: int, count: int) -> list[dict]:
    """``count`` stores (cities cycle through :data:`STORE_ORDER`) and the warehouse."""
    rng = random.Random(f"{seed}:stores")
    seen: Counter[str] = Counter()
    rows = []
    for position in range(count):
        code = STORE_ORDER[position % len(STORE_ORDER)]
        seen[code] += 1
        number = seen[code]
        (city_ru, city_en), tz, days, streets = CITIES[code]
        street_ru, street_en = streets[(number - 1) % len(streets)]
        house = rng.randint(1, 120)
        express = position == EXPRESS_POSITION
        rows.append({
            "id": f"{code}{number}",
            "name_ru": f"Витрина {'Экспресс ' if express else ''}— {street_ru}",
            "name_en": f"Vitrina {'Express ' if express else ''}— {street_en}",
            "kind": "store",
            "city_ru": city_ru,
            "city_en": city_en,
            "address": f"{city_ru}, {street_ru}, {house}",
            "timezone": tz,
            "pickup": not express,
            "delivery_days": days,
        })
    rows.append({**WAREHOUSE, "kind": "warehouse", "pickup": False})
    return rows


def settings_rows(seed: int, store: dict, today: int) -> list[dict]:
    """The settings feed of one store: settings the terminals read, then signing keys.

    Key ``<store>-1`` was retired 150 days ago (codes signed with it are refused);
    ``<store>-2`` signs from 30 days ago.
    """
    store_id = store["id"]
    values = {
        "language": "ru",
        "currency": "RUB",
        "store_name": store["name_ru"],
        "timezone": store["timezone"],
        "receipt_header": ["ООО «Витрина»", store["address"], "ИНН 7701234567"],
        "offline_redeem_cap_points": 500,
        "earn_rate_bp": 100,
        "point_value_kopecks": 100,
        "void_threshold_kopecks": 100_000,
        "pickup_hold_days": 3,
        "max_pin_failures": 5,
        "lockout_seconds": 300,
        "idle_lock_seconds": 300,
    }
    rows: list[dict] = [{"type": "setting", "key": key, "value": value} for key, value in values.items()]
    for n, valid_from, retired_at in ((1, today - 180 * DAY, today - 150 * DAY), (2, today - 30 * DAY, None)):
        kid = f"{store_id.lower()}-{n}"
        secret = random.Random(f"{seed}:key:{store_id}:{kid}").randbytes(32).hex()
        rows.append({"type": "signing_key", "kid": kid, "secret": secret, "valid_from": valid_from,
                     "retired_at": retired_at})
    return rows
