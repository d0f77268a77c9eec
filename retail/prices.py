"""The store's effective-dated price book: what a product costs at a given moment.

The ``prices`` feed delivers future rows too, so a price change scheduled for Monday
06:00 switches on at 06:00 whether or not the terminal can reach central. Nothing here
reads the clock: every function takes ``now`` (unix seconds), so the kiosk, the till and
tests ask the same question the same way, and a test moves time by passing another
number.

At time t, for each kind ('regular', 'label' = promotional shelf price), the row in force
is the one with the greatest ``valid_from <= t`` among those not yet ended
(``valid_to IS NULL OR valid_to > t``). A shorter-lived row laid over a long-running one
therefore hands back to it when it ends. A label price is shown only when it is lower
than the regular price.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, NamedTuple

KINDS = ("regular", "label")
CHUNK = 500
MAX_TIME = 2**53  # JSON-safe integer seconds


class PriceError(ValueError):
    """A price row, key or question that cannot be used; the message says why."""


@dataclass(frozen=True)
class ShelfPrice:
    """A product's shelf price at one moment, in kopecks.

    ``valid_to`` is the first moment this answer may change (a row ends or a scheduled
    row starts), None when nothing is scheduled: a label printed now is good until then.
    """

    regular: int
    label: int | None
    valid_to: int | None

    @property
    def shown(self) -> int:
        """What the shopper pays before promotions: the label price when there is one."""
        return self.label if self.label is not None else self.regular


class PriceChange(NamedTuple):
    """A moment at which a product's shelf price changes (None: no price on that side)."""

    at: int
    sku: str
    before: ShelfPrice | None
    after: ShelfPrice | None


class PriceRow(NamedTuple):
    """A validated ``prices`` feed row, as stored."""

    sku: str
    kind: str
    valid_from: int
    valid_to: int | None
    price: int


def _time(value: Any, what: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIME:
        raise PriceError(f"{what} must be unix seconds (a whole number >= 0), got {value!r}")
    return value


def validate_price(data: Mapping[str, Any]) -> PriceRow:
    """Check one ``prices`` feed row; raise :class:`PriceError` naming the SKU and field."""
    if not isinstance(data, Mapping):
        raise PriceError(f"a price row must be an object, got {type(data).__name__}")
    sku = data.get("sku")
    if not isinstance(sku, str) or not sku or sku != sku.strip():
        raise PriceError(f"price row: sku must be non-empty text, got {sku!r}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise PriceError(f"price of {sku}: kind must be 'regular' or 'label', got {kind!r}")
    start = _time(data.get("valid_from"), f"price of {sku}: valid_from")
    end = _time(data.get("valid_to"), f"price of {sku}: valid_to", optional=True)
    if end is not None and end <= start:
        raise PriceError(f"price of {sku}: valid_to {end} is not after valid_from {start}")
    price = data.get("price")
    if isinstance(price, bool) or not isinstance(price, int) or not 0 <= price < 10**13:
        raise PriceError(f"price of {sku}: price must be whole kopecks >= 0, got {price!r}")
    return PriceRow(sku, kind, start, end, price)


def parse_key(key: str) -> tuple[str, str, int]:
    """``'price:<sku>:<kind>:<valid_from>'`` (a feed key) -> ``(sku, kind, valid_from)``."""
    if not isinstance(key, str) or not key.startswith("price:"):
        raise PriceError(f"not a price key: {key!r}")
    sku, kind, start = (key[len("price:"):].rsplit(":", 2) + ["", "", ""])[:3]
    if not sku or kind not in KINDS or not start.isascii() or not start.isdigit():
        raise PriceError(f"price key {key!r} must look like price:<sku>:regular|label:<valid_from>")
    return sku, kind, int(start)


def _require_transaction(conn: sqlite3.Connection, what: str) -> None:
    if not conn.in_transaction:
        raise PriceError(f"{what} must run inside retail.store.transaction(conn)")


def upsert_prices(conn: sqlite3.Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update price rows (validated first); runs in the caller's transaction."""
    _require_transaction(conn, "upsert_prices")
    valid = [validate_price(r) for r in rows]
    conn.executemany(
        "INSERT INTO prices(sku, kind, valid_from, valid_to, price) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(sku, kind, valid_from) DO UPDATE SET valid_to = excluded.valid_to, price = excluded.price",
        valid,
    )
    return len(valid)


def delete_prices(conn: sqlite3.Connection, keys: Iterable[tuple[str, str, int] | str]) -> int:
    """Remove price rows by ``(sku, kind, valid_from)`` or by feed key; returns how many."""
    _require_transaction(conn, "delete_prices")
    if isinstance(keys, str):
        raise PriceError(f"price keys to delete must be a list, got the single value {keys!r}")
    parsed = []
    for key in keys:
        if isinstance(key, str):
            parsed.append(parse_key(key))
        elif isinstance(key, tuple) and len(key) == 3:
            parsed.append(key)
        else:
            raise PriceError(f"a price key is (sku, kind, valid_from) or 'price:...', got {key!r}")
    return conn.executemany("DELETE FROM prices WHERE sku = ? AND kind = ? AND valid_from = ?", parsed).rowcount


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def _rows_from(conn: sqlite3.Connection, skus: list[str], now: int) -> dict[str, list[PriceRow]]:
    """Every row of these SKUs that is in force at ``now`` or later."""
    out: dict[str, list[PriceRow]] = {}
    for batch in _chunks(skus):
        for rec in conn.execute(
            "SELECT sku, kind, valid_from, valid_to, price FROM prices "
            "WHERE sku IN (SELECT value FROM json_each(?)) AND (valid_to IS NULL OR valid_to > ?)",
            (json.dumps(batch), now),
        ):
            out.setdefault(rec[0], []).append(PriceRow(*rec))
    return out


def _in_force(rows: list[PriceRow], kind: str, t: int) -> PriceRow | None:
    best = None
    for r in rows:
        if r.kind == kind and r.valid_from <= t and (r.valid_to is None or r.valid_to > t):
            if best is None or r.valid_from > best.valid_from:
                best = r
    return best


def _shelf(rows: list[PriceRow], t: int) -> ShelfPrice | None:
    regular = _in_force(rows, "regular", t)
    if regular is None:
        return None
    label = _in_force(rows, "label", t)
    ends = [r.valid_to for r in (regular, label) if r is not None and r.valid_to is not None]
    ends += [r.valid_from for r in rows if r.valid_from > t]
    shown = label.price if label is not None and label.price < regular.price else None
    return ShelfPrice(regular.price, shown, min(ends) if ends else None)


def _skus(skus: Iterable[str]) -> list[str]:
    if isinstance(skus, str):
        raise PriceError(f"SKUs must be a list, got the single value {skus!r}; use price_at for one")
    out = list(dict.fromkeys(skus))
    bad = [s for s in out if not isinstance(s, str)]
    if bad:
        raise PriceError(f"SKUs must be text, got {bad[0]!r}")
    return out


def prices_at(conn: sqlite3.Connection, skus: Iterable[str], now: int) -> dict[str, ShelfPrice]:
    """Shelf prices of many SKUs at ``now`` in one pass; SKUs without a price are left out."""
    now = _time(now, "now")
    found = _rows_from(conn, _skus(skus), now)
    out = {}
    for sku, rows in found.items():
        shelf = _shelf(rows, now)
        if shelf is not None:
            out[sku] = shelf
    return out


def price_at(conn: sqlite3.Connection, sku: str, now: int) -> ShelfPrice | None:
    """The shelf price of one SKU at ``now``, or None when it has no regular price then."""
    return prices_at(conn, [sku], now).get(sku)


def upcoming_changes(conn: sqlite3.Connection, now: int, until: int) -> list[PriceChange]:
    """Every shelf price change in ``(now, until]``, by time then SKU: the labels to print.

    A row starting or ending in the window is only a candidate; it is listed when the
    shelf price (regular and shown label) really differs just before and at that moment.
    """
    now, until = _time(now, "now"), _time(until, "until")
    if until <= now:
        return []
    moments: dict[str, set[int]] = {}
    for sku, at in conn.execute(
        "SELECT sku, valid_from FROM prices WHERE valid_from > ? AND valid_from <= ? "
        "UNION SELECT sku, valid_to FROM prices WHERE valid_to > ? AND valid_to <= ?",
        (now, until, now, until),
    ):
        moments.setdefault(sku, set()).add(at)
    rows = _rows_from(conn, sorted(moments), now)
    changes = []
    for sku, times in moments.items():
        for at in sorted(times):
            before, after = _shelf(rows.get(sku, []), at - 1), _shelf(rows.get(sku, []), at)
            key = lambda s: None if s is None else (s.regular, s.label)  # noqa: E731
            if key(before) != key(after):
                changes.append(PriceChange(at, sku, before, after))
    changes.sort(key=lambda c: (c.at, c.sku))
    return changes
