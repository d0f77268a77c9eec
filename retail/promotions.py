"""Promotions as the local store holds them, turned into the pricing engine's objects.

Rows were validated when their feed page was applied (a bad one is quarantined there), so
loading them cannot fail on content; a row that still does not build is skipped and
reported rather than stopping a sale. Loaded promotions are cached per language until
the promotions table changes (``PRAGMA data_version`` plus the feed's version).
"""
from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass

from .pricing import Promotion, PromotionError

log = logging.getLogger(__name__)

_COLUMNS = ("id, kind, name_ru, name_en, params, priority, exclusive, stackable, valid_from, "
            "valid_to, coupon_code, tier, customer_id")


def promotion_from_row(row, lang: str = "ru") -> Promotion:
    params = row["params"]
    return Promotion(
        id=row["id"], kind=row["kind"], name=row["name_ru"] if lang == "ru" else row["name_en"],
        params=json.loads(params) if isinstance(params, str) else params,
        priority=row["priority"], exclusive=bool(row["exclusive"]), stackable=bool(row["stackable"]),
        valid_from=row["valid_from"], valid_to=row["valid_to"], coupon_code=row["coupon_code"],
        tier=row["tier"], customer_id=row["customer_id"],
    )


@dataclass
class _Cached:
    key: tuple
    promotions: list[Promotion]


class PromotionBook:
    """The store's promotions, loaded once and reloaded when the feed changed them."""

    def __init__(self) -> None:
        self._cache: dict[str, _Cached] = {}

    def active(self, conn: sqlite3.Connection, now: int, lang: str = "ru",
               customer_id: str | None = None) -> list[Promotion]:
        key = self._version(conn)
        cached = self._cache.get(lang)
        if cached is None or cached.key != key:
            cached = _Cached(key, self._load(conn, lang))
            self._cache[lang] = cached
        return [p for p in cached.promotions
                if (p.valid_to is None or p.valid_to > now)
                and (p.customer_id is None or p.customer_id == customer_id)]

    @staticmethod
    def _version(conn: sqlite3.Connection) -> tuple:
        row = conn.execute("SELECT version, rows FROM feed_state WHERE feed = 'promotions'").fetchone()
        count = conn.execute("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM promotions").fetchone()
        return (tuple(row) if row else (0, 0)) + tuple(count)

    @staticmethod
    def _load(conn: sqlite3.Connection, lang: str) -> list[Promotion]:
        out = []
        for row in conn.execute(f"SELECT {_COLUMNS} FROM promotions ORDER BY priority, id"):
            try:
                out.append(promotion_from_row(row, lang))
            except (PromotionError, ValueError, TypeError) as exc:
                log.warning("promotion %s skipped: %s", row["id"], exc)
        return out


def customer_offers(conn: sqlite3.Connection, customer_id: str, tier: str | None, now: int,
                    lang: str = "ru") -> list[Promotion]:
    """Personal and tier offers a loyalty customer sees when their card is scanned."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM promotions WHERE (customer_id = ? OR (tier IS NOT NULL AND tier = ?)) "
        "AND (valid_to IS NULL OR valid_to > ?) AND (valid_from IS NULL OR valid_from <= ?) "
        "ORDER BY priority, id",
        (customer_id, tier or "", now, now),
    ).fetchall()
    out = []
    for row in rows:
        try:
            out.append(promotion_from_row(row, lang))
        except (PromotionError, ValueError, TypeError) as exc:
            log.warning("promotion %s skipped: %s", row["id"], exc)
    return out
