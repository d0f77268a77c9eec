"""Split a discount over lines: ``money.allocate_capped`` plus a guard against negative parts.

``money.allocate_capped`` rounds every part but the last half up, so with many small
lines the rounded parts can overshoot and leave the last part *negative*
(``allocate_capped(2, [1, 1, 1, 1]) == [1, 1, 1, -1]``; tests/domain/test_money.py
catches it). A negative share would raise a line above its price, so pricing repairs the
result here: a negative part becomes zero and the same kopecks are taken back from the
nearest earlier parts that have them. When money.py no longer produces negative parts this
changes nothing.
"""
from __future__ import annotations

from retail.money import allocate_capped


def split_capped(total: int, caps: list[int]) -> list[int]:
    """Parts of ``total`` in proportion to ``caps``; each 0 <= part <= cap, summing to total."""
    parts = allocate_capped(total, caps)
    owed = 0
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] < 0:
            owed -= parts[i]
            parts[i] = 0
        elif owed and parts[i] > 0:
            take = min(parts[i], owed)
            parts[i] -= take
            owed -= take
    if owed:  # a negative part came before every positive one: take from the end instead
        for i in range(len(parts) - 1, -1, -1):
            take = min(parts[i], owed)
            parts[i] -= take
            owed -= take
    return parts
