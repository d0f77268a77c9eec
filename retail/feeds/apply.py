"""Applying one feed page to the local store: check, quarantine, write, move the cursor.

:func:`apply_page` is the only way feed data enters the terminal. For one page it

1. checks the envelope (feed name, cursor echo, ``next_cursor``, ``more``, ``version``,
   ``included``) - a page that fails is rejected whole;
2. checks every row (:func:`retail.feeds.rows.parse_row`) and, for the whole page at once, the
   references a row needs (a price's product, a network row's location);
3. rejects the page whole when most rows are bad (more than ``max_bad`` of them,
   default 50 %, and at least :data:`MIN_BAD_TO_REJECT`): nothing is written, the
   cursor stays, ``feed_state.last_error`` says why and the previous data stays live - a
   feed that turned to garbage must not wipe a working store. The minimum keeps one bad
   row in a one-row delta page from stalling its feed: that row is quarantined instead;
4. otherwise writes, in ONE short transaction: the good rows (through the domain
   modules' writers, one small function per kind below), the bad rows into
   ``quarantine`` with their reasons, and ``feed_state`` (cursor, version, included_seq,
   rows, last_success_at). A crash anywhere leaves the page either wholly applied with
   its cursor or not at all (ARCHITECTURE.md: checkpoints after data).

Rows whose only fault is a reference that has not arrived yet are quarantined with
``retry = 1`` and do not count as bad; :func:`retry_quarantined` applies them once the
reference is there. A quarantined key is cleared when a good version of it arrives.

Price-only changes touch only ``prices`` (the prices feed never writes products or the
search index), and ``retail.catalogue.upsert_products`` skips unchanged products.
The ``included[<this terminal>]`` of the page is stored with every stock row and
customer balance, so availability and loyalty balances never count a local event twice.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from retail import catalogue, crashpoints, inventory, prices
from retail.keys import put_key
from retail.store import transaction
from retail.store.settings import put as put_setting

from .rows import FEED_KINDS, RESERVED_SETTINGS, Item, RowError, parse_row

MAX_BAD_RATIO = 0.5
MIN_BAD_TO_REJECT = 3
MAX_CURSOR = 100
QUARANTINE_PAYLOAD_MAX = 100_000
ENDED_ORDER = ("collected", "cancelled", "expired", "delivered")


class PageRejected(RuntimeError):
    """The page was not applied at all; the reason is also in feed_state.last_error."""


@dataclass
class PageResult:
    feed: str
    rows: int = 0
    applied: int = 0
    deleted: int = 0
    quarantined: int = 0
    held: int = 0               # quarantined for a missing reference, to be retried
    next_cursor: str = ""
    more: bool = False
    version: int = 0
    included_seq: int = 0
    pruned: int = 0             # local rows removed at the end of a resync from ""
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Ctx:
    feed: str
    included_seq: int
    now: int


# ---------------------------------------------------------------- writers, one per kind
# Each takes the checked items of one kind (all upserts or all deletes) inside the page's
# transaction. A domain error or constraint failure from a writer sends its items through
# one at a time, so only the offending rows are quarantined.


def _w_setting(conn, items: list[Item], ctx: _Ctx) -> None:
    for it in items:
        put_setting(conn, *it.value)


def _d_setting(conn, items: list[Item], ctx: _Ctx) -> None:
    conn.executemany("DELETE FROM settings WHERE key = ?",
                     [(it.ident,) for it in items if it.ident not in RESERVED_SETTINGS])


def _w_key(conn, items: list[Item], ctx: _Ctx) -> None:
    for it in items:
        put_key(conn, *it.value)


def _d_key(conn, items: list[Item], ctx: _Ctx) -> None:
    conn.executemany("DELETE FROM signing_keys WHERE kid = ?", [(it.ident,) for it in items])


def _w_staff(conn, items: list[Item], ctx: _Ctx) -> None:
    conn.executemany(
        "INSERT INTO staff(id, name, role, pin_hash, active) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE "
        "SET name = excluded.name, role = excluded.role, pin_hash = excluded.pin_hash, active = excluded.active",
        [it.value for it in items])


def _d_staff(conn, items: list[Item], ctx: _Ctx) -> None:
    # Sales and shifts name their cashier: a removed staff member is kept, unable to sign in.
    conn.executemany("UPDATE staff SET active = 0 WHERE id = ?", [(it.ident,) for it in items])


def _w_store(conn, items: list[Item], ctx: _Ctx) -> None:
    conn.executemany(
        "INSERT INTO stores(id, name_ru, name_en, kind, city_ru, city_en, address, timezone, pickup, delivery_days) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name_ru = excluded.name_ru, "
        "name_en = excluded.name_en, kind = excluded.kind, city_ru = excluded.city_ru, city_en = excluded.city_en, "
        "address = excluded.address, timezone = excluded.timezone, pickup = excluded.pickup, "
        "delivery_days = excluded.delivery_days",
        [it.value for it in items])


def _d_store(conn, items: list[Item], ctx: _Ctx) -> None:
    conn.executemany("DELETE FROM stores WHERE id = ?", [(it.ident,) for it in items])


def _w_category(conn, items, ctx) -> None:
    catalogue.upsert_categories(conn, [it.value for it in items])


def _d_category(conn, items, ctx) -> None:
    catalogue.delete_categories(conn, [it.ident for it in items])


def _w_brand(conn, items, ctx) -> None:
    catalogue.upsert_brands(conn, [it.value for it in items])


def _d_brand(conn, items, ctx) -> None:
    catalogue.delete_brands(conn, [it.ident for it in items])


def _w_product(conn, items, ctx) -> None:
    catalogue.upsert_products(conn, [it.value for it in items])


def _d_product(conn, items, ctx) -> None:
    catalogue.delete_products(conn, [it.ident for it in items])


def _w_price(conn, items, ctx) -> None:
    prices.upsert_prices(conn, [it.value for it in items])


def _d_price(conn, items, ctx) -> None:
    prices.delete_prices(conn, [it.ident for it in items])


def _w_promo(conn, items, ctx) -> None:
    conn.executemany(
        "INSERT INTO promotions(id, kind, name_ru, name_en, params, priority, exclusive, stackable, valid_from, "
        "valid_to, coupon_code, tier, customer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, name_ru = excluded.name_ru, name_en = excluded.name_en, "
        "params = excluded.params, priority = excluded.priority, exclusive = excluded.exclusive, "
        "stackable = excluded.stackable, valid_from = excluded.valid_from, valid_to = excluded.valid_to, "
        "coupon_code = excluded.coupon_code, tier = excluded.tier, customer_id = excluded.customer_id",
        [it.value for it in items])


def _d_promo(conn, items, ctx) -> None:
    conn.executemany("DELETE FROM promotions WHERE id = ?", [(it.ident,) for it in items])


def _w_stock(conn, items, ctx) -> None:
    inventory.upsert_stock(conn, [it.value for it in items], ctx.included_seq)


def _d_stock(conn, items, ctx) -> None:
    inventory.delete_stock(conn, [it.ident for it in items])


def _w_net(conn, items, ctx) -> None:
    inventory.upsert_network_stock(conn, [it.value for it in items])


def _d_net(conn, items, ctx) -> None:
    inventory.delete_network_stock(conn, [it.ident for it in items])


def _w_customer(conn, items, ctx) -> None:
    conn.executemany(
        "INSERT INTO customers(id, first_name, last_name, tier, balance, phone_last4, included_seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET first_name = excluded.first_name, "
        "last_name = excluded.last_name, tier = excluded.tier, balance = excluded.balance, "
        "phone_last4 = excluded.phone_last4, included_seq = excluded.included_seq",
        [(*it.value[0], ctx.included_seq) for it in items])
    ids = json.dumps([it.ident for it in items])
    keep = json.dumps([card[0] for it in items for card in it.value[1]])
    conn.execute("DELETE FROM loyalty_cards WHERE customer_id IN (SELECT value FROM json_each(?)) "
                 "AND number NOT IN (SELECT value FROM json_each(?))", (ids, keep))
    conn.executemany(
        "INSERT INTO loyalty_cards(number, customer_id, blocked) VALUES (?, ?, ?) ON CONFLICT(number) "
        "DO UPDATE SET customer_id = excluded.customer_id, blocked = excluded.blocked",
        [card for it in items for card in it.value[1]])


def _d_customer(conn, items, ctx) -> None:
    conn.executemany("DELETE FROM customers WHERE id = ?", [(it.ident,) for it in items])


def _w_order(conn, items, ctx) -> None:
    # Central's row replaces the one this terminal made (same id): local = 0 from now on.
    conn.executemany(
        "INSERT INTO orders(id, number, channel, fulfilment, status, pickup_store_id, source_id, customer_id, "
        "contact, total, paid, pickup_code_hash, created_at, updated_at, ready_at, expires_at, arrived_at, local) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT(id) DO UPDATE SET "
        "number = excluded.number, channel = excluded.channel, fulfilment = excluded.fulfilment, "
        "status = excluded.status, pickup_store_id = excluded.pickup_store_id, source_id = excluded.source_id, "
        "customer_id = excluded.customer_id, contact = excluded.contact, total = excluded.total, "
        "paid = excluded.paid, pickup_code_hash = excluded.pickup_code_hash, created_at = excluded.created_at, "
        "updated_at = excluded.updated_at, ready_at = excluded.ready_at, expires_at = excluded.expires_at, "
        "arrived_at = COALESCE(excluded.arrived_at, orders.arrived_at), local = 0",
        [it.value[0] for it in items])
    conn.executemany("DELETE FROM order_lines WHERE order_id = ?", [(it.ident,) for it in items])
    conn.executemany(
        "INSERT INTO order_lines(order_id, line_no, sku, name, qty_milli, unit_price, amount, vat_rate_bp, "
        "returned_milli) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [line for it in items for line in it.value[1]])
    for it in items:
        if it.value[0][4] in ENDED_ORDER:
            inventory.release_holds(conn, it.ident, ctx.now)


def _d_order(conn, items, ctx) -> None:
    conn.executemany("DELETE FROM orders WHERE id = ?", [(it.ident,) for it in items])


Writer = Callable[[sqlite3.Connection, list[Item], _Ctx], None]
# kind -> (upsert, delete), in the order upserts run (parents first); deletes run reversed.
WRITERS: dict[str, tuple[Writer, Writer]] = {
    "setting": (_w_setting, _d_setting), "key": (_w_key, _d_key), "staff": (_w_staff, _d_staff),
    "store": (_w_store, _d_store), "category": (_w_category, _d_category), "brand": (_w_brand, _d_brand),
    "product": (_w_product, _d_product), "price": (_w_price, _d_price), "promo": (_w_promo, _d_promo),
    "stock": (_w_stock, _d_stock), "net": (_w_net, _d_net), "customer": (_w_customer, _d_customer),
    "order": (_w_order, _d_order),
}
KIND_ORDER = tuple(WRITERS)
# OverflowError: a number beyond SQLite's 64-bit INTEGER that no row check caught is that
# row's fault, not the page's (the bad-data suite found one in a promotion's priority).
_WRITE_ERRORS = (ValueError, OverflowError, sqlite3.IntegrityError)


# ---------------------------------------------------------------- references


def _existing(conn: sqlite3.Connection, sql: str, values: Iterable[str]) -> set[str]:
    wanted = sorted(set(values))
    if not wanted:
        return set()
    return {r[0] for r in conn.execute(sql, (json.dumps(wanted),))}


def missing_references(conn: sqlite3.Connection, items: list[Item]) -> dict[str, str]:
    """key -> reason, for rows that name a product or location this store does not have yet."""
    skus = [it.value["sku"] for it in items if it.op == "upsert" and it.kind in ("price", "stock", "net")]
    if not skus:
        return {}
    known = _existing(conn, "SELECT sku FROM products WHERE sku IN (SELECT value FROM json_each(?))", skus)
    locations = _existing(conn, "SELECT id FROM stores WHERE id IN (SELECT value FROM json_each(?))",
                          [it.value["location_id"] for it in items if it.op == "upsert" and it.kind == "net"])
    out = {}
    for it in items:
        if it.op != "upsert" or it.kind not in ("price", "stock", "net"):
            continue
        sku = it.value["sku"]
        if sku not in known:
            out[it.key] = f"{it.kind} row for product {sku}, which the catalogue has not delivered yet"
        elif it.kind == "net" and it.value["location_id"] not in locations:
            out[it.key] = f"network stock at {it.value['location_id']}, a location the stores feed has not delivered"
    return out


# ---------------------------------------------------------------- the page


MAX_SQL_INT = 2**63 - 1   # the largest integer SQLite stores; a bigger one is a broken page, not a crash


def _envelope(feed: str, page: Any, terminal_id: str, sent_cursor: str | None) -> tuple[list, str, bool, int, int]:
    if not isinstance(page, Mapping):
        raise PageRejected("the page is not a JSON object")
    if page.get("feed", feed) != feed:
        raise PageRejected(f"asked for the {feed} feed, got a page of {page.get('feed')!r:.40}")
    if sent_cursor is not None and "cursor" in page and page["cursor"] != sent_cursor:
        raise PageRejected(f"asked from cursor {sent_cursor!r}, got a page from {page['cursor']!r:.40}")
    rows, nxt, more, version = page.get("rows"), page.get("next_cursor"), page.get("more"), page.get("version", 0)
    if type(rows) is not list:
        raise PageRejected("the page has no rows list")
    if type(nxt) is not str or len(nxt) > MAX_CURSOR:
        raise PageRejected(f"next_cursor must be text of at most {MAX_CURSOR} characters")
    if more is not True and more is not False:
        raise PageRejected("more must be true or false")
    if more and not rows:
        raise PageRejected("the page says there is more but has no rows (central would loop)")
    if more and sent_cursor is not None and nxt == sent_cursor:
        raise PageRejected("the page says there is more but its next_cursor did not move (central would loop)")
    if type(version) is not int or not 0 <= version <= MAX_SQL_INT:
        raise PageRejected(f"version must be a whole number from 0 to 2**63-1, got {version!r:.40}")
    included = page.get("included", {})
    if not isinstance(included, Mapping):
        raise PageRejected("included must map terminal ids to sequence numbers")
    mine = included.get(terminal_id, 0)
    if type(mine) is not int or not 0 <= mine <= MAX_SQL_INT:
        raise PageRejected(f"included[{terminal_id}] must be a whole number from 0 to 2**63-1, got {mine!r:.40}")
    return rows, nxt, more, version, mine


def storable(text: str) -> str:
    """``text`` as valid UTF-8 for SQLite: a lone surrogate from a bad feed row (JSON allows
    ``"\\ud800"``) is kept visible as ``\\ud800`` instead of failing the write of its reason."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def record_error(conn: sqlite3.Connection, feed: str, reason: str, now: int) -> None:
    """Say on the feed's status row why it did not move (its own short transaction)."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO feed_state(feed, last_error, last_error_at) VALUES (?, ?, ?) ON CONFLICT(feed) "
            "DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at",
            (feed, storable(reason[:2000]), now))


def _payload(row: Any) -> str:
    try:
        text = json.dumps(row, ensure_ascii=False, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        text = repr(row)
    return text[:QUARANTINE_PAYLOAD_MAX]


def _row_key(row: Any) -> str:
    key = row.get("key") if isinstance(row, Mapping) else None
    return key[:400] if isinstance(key, str) else "(no key)"


def _reason(exc: Exception) -> str:
    if isinstance(exc, sqlite3.IntegrityError):
        return f"refused by the local store: {exc}"
    return str(exc)


def _run_writer(conn, fn: Writer, items: list[Item], ctx: _Ctx, failed: list[tuple[Item, str]]) -> list[Item]:
    """Write ``items``; if the writer refuses, halve until the refused rows stand alone.

    A clean batch costs one call; k bad rows cost about k * log2(n) calls. Returns what
    was written; the refused rows go to ``failed`` with the writer's reason.
    """
    if not items:
        return []
    conn.execute("SAVEPOINT feed_kind")
    try:
        fn(conn, items, ctx)
    except _WRITE_ERRORS as exc:
        conn.execute("ROLLBACK TO feed_kind")
        conn.execute("RELEASE feed_kind")
        if len(items) == 1:
            failed.append((items[0], _reason(exc)))
            return []
        half = len(items) // 2
        return _run_writer(conn, fn, items[:half], ctx, failed) + _run_writer(conn, fn, items[half:], ctx, failed)
    conn.execute("RELEASE feed_kind")
    return items


def write_items(conn: sqlite3.Connection, items: list[Item], ctx: _Ctx) -> tuple[list[Item], list[tuple[Item, str]]]:
    """Upserts by kind (parents first), then deletes (children first). Returns (written, failed)."""
    by_kind: dict[tuple[str, str], list[Item]] = {}
    for it in items:
        by_kind.setdefault((it.kind, it.op), []).append(it)
    written: list[Item] = []
    failed: list[tuple[Item, str]] = []
    for kind in KIND_ORDER:
        written += _run_writer(conn, WRITERS[kind][0], by_kind.get((kind, "upsert"), []), ctx, failed)
    for kind in reversed(KIND_ORDER):
        written += _run_writer(conn, WRITERS[kind][1], by_kind.get((kind, "delete"), []), ctx, failed)
    return written, failed


def _quarantine(conn, feed: str, entries: list[tuple[str, str, str, int]], now: int, included: int) -> None:
    """entries: (row_key, reason, payload, retry)."""
    if not entries:
        return
    entries = [(storable(key), storable(reason[:2000]), storable(payload), retry)
               for key, reason, payload, retry in entries]
    conn.executemany("DELETE FROM quarantine WHERE feed = ? AND row_key = ?", [(feed, e[0]) for e in entries])
    conn.executemany(
        "INSERT INTO quarantine(feed, row_key, reason, payload, at, retry, included_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(feed, key, reason, payload, now, retry, included) for key, reason, payload, retry in entries])


def _clear_quarantine(conn, feed: str, keys: list[str]) -> None:
    if keys and conn.execute("SELECT 1 FROM quarantine WHERE feed = ? LIMIT 1", (feed,)).fetchone():
        conn.executemany("DELETE FROM quarantine WHERE feed = ? AND row_key = ?", [(feed, k) for k in keys])


def _check_mostly_bad(bad: list[tuple[str, str, str, int]], rows: int, max_bad: float) -> None:
    """Raise :class:`PageRejected` when most rows are bad (rows held for a reference do not count)."""
    hard = [b for b in bad if not b[3]]
    if len(hard) >= MIN_BAD_TO_REJECT and len(hard) > max_bad * rows:
        reasons = "; ".join(sorted({b[1] for b in hard})[:3])
        raise PageRejected(f"page rejected: {len(hard)} of {rows} rows are bad, the previous data stays live "
                           f"(e.g. {reasons})")


def apply_page(conn: sqlite3.Connection, feed: str, page: Any, *, terminal_id: str, now: int,
               sent_cursor: str | None = None, max_bad: float = MAX_BAD_RATIO) -> PageResult:
    """Apply one page of ``feed`` (see the module docstring); raises :class:`PageRejected`."""
    if feed not in FEED_KINDS:
        raise ValueError(f"unknown feed {feed!r}")
    try:
        rows, nxt, more, version, included = _envelope(feed, page, terminal_id, sent_cursor)
    except PageRejected as exc:
        record_error(conn, feed, f"page rejected: {exc}", now)
        raise
    result = PageResult(feed, rows=len(rows), next_cursor=nxt, more=more, version=version, included_seq=included)
    good: list[Item] = []
    bad: list[tuple[str, str, str, int]] = []   # (key, reason, payload, retry)
    for row in rows:
        try:
            good.append(parse_row(feed, row))
        except RowError as exc:
            bad.append((_row_key(row), exc.reason, _payload(row), 0))
    try:
        _check_mostly_bad(bad, len(rows), max_bad)
    except PageRejected as exc:
        record_error(conn, feed, str(exc), now)
        raise
    ctx = _Ctx(feed, included, now)
    raw_by_key = {}
    try:
        with transaction(conn):
            missing = missing_references(conn, good)
            if missing:
                raw_by_key = {_row_key(r): r for r in rows}
                bad += [(it.key, missing[it.key], _payload(raw_by_key.get(it.key)), 1)
                        for it in good if it.key in missing]
                good = [it for it in good if it.key not in missing]
            written, failed = write_items(conn, good, ctx)
            if failed:
                raw_by_key = raw_by_key or {_row_key(r): r for r in rows}
                bad += [(it.key, reason, _payload(raw_by_key.get(it.key)), 0) for it, reason in failed]
                _check_mostly_bad(bad, len(rows), max_bad)  # rolls the whole page back
            _clear_quarantine(conn, feed, [it.key for it in written])
            _quarantine(conn, feed, bad, now, included)
            resync = conn.execute("SELECT 1 FROM feed_resync WHERE feed = ?", (feed,)).fetchone() is not None
            if resync:
                conn.executemany("INSERT OR IGNORE INTO feed_resync_keys(feed, key) VALUES (?, ?)",
                                 [(feed, _row_key(r)) for r in rows])
                if not more:
                    result.pruned = prune_after_resync(conn, feed, ctx)
            conn.execute(
                "INSERT INTO feed_state(feed, cursor, version, included_seq, rows, last_success_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(feed) DO UPDATE SET cursor = excluded.cursor, "
                "version = excluded.version, included_seq = excluded.included_seq, rows = feed_state.rows + ?, "
                "last_success_at = excluded.last_success_at, last_error = NULL, last_error_at = NULL",
                (feed, nxt, version, included, len(written), now, len(written)))
            crashpoints.reach("apply.page")
    except PageRejected as exc:
        record_error(conn, feed, str(exc), now)
        raise
    result.applied = sum(1 for it in written if it.op == "upsert")
    result.deleted = len(written) - result.applied
    result.quarantined = len(bad)
    result.held = sum(1 for b in bad if b[3])
    result.reasons = [b[1] for b in bad[:5]]
    return result


# ---------------------------------------------------------------- 410: start a feed again


# feed -> the keys of the local rows that feed owns, as SQL (constant text, no input).
# Settings are left out on purpose: the table also holds this terminal's own
# configuration, which no feed sends.
LOCAL_KEYS: dict[str, tuple[str, ...]] = {
    "settings": ("'key:' || kid FROM signing_keys",),
    "staff": ("'staff:' || id FROM staff WHERE active = 1",),
    "stores": ("'store:' || id FROM stores",),
    "catalogue": ("'product:' || sku FROM products", "'brand:' || id FROM brands",
                  "'category:' || id FROM categories"),
    "prices": ("'price:' || sku || ':' || kind || ':' || valid_from FROM prices",),
    "promotions": ("'promo:' || id FROM promotions",),
    "inventory": ("'stock:' || sku FROM stock", "'net:' || sku || ':' || location_id FROM network_stock"),
    "customers": ("'customer:' || id FROM customers",),
    "orders": ("'order:' || id FROM orders WHERE local = 0",),
}
_STALE = {feed: tuple("SELECT k FROM (SELECT " + q.replace(" FROM ", " AS k FROM ", 1) + ") "
                      "WHERE k NOT IN (SELECT key FROM feed_resync_keys WHERE feed = ?)" for q in queries)
          for feed, queries in LOCAL_KEYS.items()}


def start_resync(conn: sqlite3.Connection, feed: str, now: int) -> None:
    """410 Gone: restart ``feed`` from "" and remember keys until the full pass ends."""
    with transaction(conn):
        conn.execute("DELETE FROM feed_resync_keys WHERE feed = ?", (feed,))
        conn.execute("INSERT INTO feed_resync(feed, started_at) VALUES (?, ?) ON CONFLICT(feed) DO UPDATE "
                     "SET started_at = excluded.started_at", (feed, now))
        conn.execute(
            "INSERT INTO feed_state(feed, cursor, rows, last_error, last_error_at) VALUES (?, '', 0, ?, ?) "
            "ON CONFLICT(feed) DO UPDATE SET cursor = '', version = 0, rows = 0, last_error = excluded.last_error, "
            "last_error_at = excluded.last_error_at",
            (feed, "cursor too old for central (410): fetching the whole feed again", now))


def prune_after_resync(conn: sqlite3.Connection, feed: str, ctx: _Ctx) -> int:
    """After a full pass: remove local rows central did not send (their tombstones were missed)."""
    stale: list[str] = []
    for sql in _STALE[feed]:
        stale += [r[0] for r in conn.execute(sql, (feed,))]
    deletes = []
    for key in stale:
        try:
            deletes.append(parse_row(feed, {"op": "delete", "key": key}))
        except RowError:
            continue
    written, _failed = write_items(conn, deletes, ctx)
    conn.execute("DELETE FROM feed_resync_keys WHERE feed = ?", (feed,))
    conn.execute("DELETE FROM feed_resync WHERE feed = ?", (feed,))
    return len(written)


# ---------------------------------------------------------------- held rows


def retry_quarantined(conn: sqlite3.Connection, feed: str, *, terminal_id: str, now: int, limit: int = 5000) -> int:
    """Apply held rows (``retry = 1``) whose reference has arrived; returns how many applied."""
    held = conn.execute("SELECT id, payload, included_seq FROM quarantine WHERE feed = ? AND retry = 1 "
                        "ORDER BY id LIMIT ?", (feed, limit)).fetchall()
    if not held:
        return 0
    applied = 0
    by_included: dict[int, list[tuple[int, Item]]] = {}
    for qid, payload, included in held:
        try:
            item = parse_row(feed, json.loads(payload))
        except (RowError, ValueError):
            continue
        by_included.setdefault(included, []).append((qid, item))
    with transaction(conn):
        for included, entries in by_included.items():
            items = [it for _, it in entries]
            missing = missing_references(conn, items)
            ready = [(qid, it) for qid, it in entries if it.key not in missing]
            written, failed = write_items(conn, [it for _, it in ready], _Ctx(feed, included, now))
            done = {it.key for it in written}
            refused = {it.key: reason for it, reason in failed}
            conn.executemany("DELETE FROM quarantine WHERE id = ?", [(qid,) for qid, it in ready if it.key in done])
            # Its reference is there now but the store still refuses it: a person must look.
            conn.executemany("UPDATE quarantine SET retry = 0, reason = ? WHERE id = ?",
                             [(refused[it.key][:2000], qid) for qid, it in ready if it.key in refused])
            applied += len(written)
        if applied:
            conn.execute("UPDATE feed_state SET rows = rows + ? WHERE feed = ?", (applied, feed))
    return applied
