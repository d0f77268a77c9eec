"""What must hold between a terminal and central after any fault: :func:`check`.

A fault suite breaks something (kills a process, cuts the network, fills the disk),
lets the product recover on its own, then calls :func:`check`. Every broken invariant
comes back as one sentence; an empty list means nothing was lost, doubled or damaged:

* both databases pass ``PRAGMA integrity_check`` (and the terminal's foreign keys);
* every sale the suite saw committed is in the terminal's store;
* receipt and shift numbers are gapless per terminal, and the counters agree with them;
* after convergence the outbox is drained: nothing pending, no dead letters;
* central's event ledger for this terminal is the terminal's outbox exactly once
  (same sequence numbers, ids and payload hashes; all accepted);
* central has each of the terminal's sales once, under the same number;
* central's stock movements and loyalty entries from this terminal's events are the
  terminal's own, once each (same ids and figures), and central's on-hand moved by
  exactly the movements it recorded since :func:`baseline`;
* optionally (tills that print): those sales have their receipt in the print queue;
* optionally (after feed faults): the terminal's catalogue, prices, barcodes and
  customers are central's, row for row (:func:`feeds_match`).
"""
from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from retail.ids import human_number

from .rig import Central, Terminal


@dataclass(frozen=True)
class Baseline:
    """Central's stock of a store and the movements it had recorded, before a case."""

    store: str
    on_hand: dict[str, int]
    movements: frozenset[str]


def baseline(central: Central, store: str) -> Baseline:
    """Snapshot central's stock at ``store`` before a case (for the on-hand check)."""
    db = central.db()
    try:
        on_hand = {r[0]: r[1] for r in db.execute("SELECT sku, on_hand_milli FROM stock WHERE location_id = ?",
                                                  (store,))}
        moved = frozenset(r[0] for r in db.execute("SELECT id FROM stock_movements WHERE location_id = ?",
                                                   (store,)))
    finally:
        db.close()
    return Baseline(store, on_hand, moved)


def _gapless(numbers: list[int]) -> str | None:
    if not numbers:
        return None
    numbers = sorted(numbers)
    dup = [n for n, c in Counter(numbers).items() if c > 1]
    if dup:
        return f"used twice: {dup[:5]}"
    if numbers != list(range(1, len(numbers) + 1)):
        missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
        return f"{len(numbers)} numbers up to {numbers[-1]}, missing {missing[:5]}"
    return None


def _local(conn: sqlite3.Connection, store: str, terminal: str, committed: Iterable[str],
           converged: bool, receipts: set[str]) -> list[str]:
    broken = []
    check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        broken.append(f"terminal integrity_check: {check}")
    fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        broken.append(f"terminal has {len(fk)} dangling foreign keys, e.g. {tuple(fk[0])}")
    sales = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, seq, number FROM sales")}
    lost = [s for s in committed if s not in sales]
    if lost:
        broken.append(f"{len(lost)} committed sales are missing from the terminal, e.g. {lost[0]}")
    gap = _gapless([seq for seq, _ in sales.values()])
    if gap:
        broken.append(f"receipt numbers are not gapless: {gap}")
    wrong = [n for seq, n in sales.values() if n != human_number(store, terminal, seq)]
    if wrong:
        broken.append(f"{len(wrong)} receipts carry a number that is not their sequence, e.g. {wrong[0]}")
    shifts = [r[0] for r in conn.execute("SELECT number FROM shifts")]
    gap = _gapless(shifts)
    if gap:
        broken.append(f"shift numbers are not gapless: {gap}")
    counters = dict(conn.execute("SELECT name, value FROM sequences").fetchall())
    for name, used in (("receipt", max((s for s, _ in sales.values()), default=0)), ("shift", max(shifts, default=0))):
        if counters.get(name, 0) != used:
            broken.append(f"the {name} counter stands at {counters.get(name, 0)} but {used} was the last used")
    # Each sale moved its goods and its points exactly once on the terminal too.
    moved_wrong = conn.execute(
        "SELECT s.number FROM sales s JOIN sale_lines l ON l.sale_id = s.id WHERE s.order_id IS NULL "
        "GROUP BY s.id, l.sku HAVING SUM(l.qty_milli) != -(SELECT COALESCE(SUM(m.delta_milli), 0) "
        "FROM stock_movements m WHERE m.ref_id = s.id AND m.sku = l.sku) LIMIT 1").fetchone()
    if moved_wrong:
        broken.append(f"the stock movements of sale {moved_wrong[0]} do not add up to its lines (moved twice or "
                      f"not at all)")
    points_wrong = conn.execute(
        "SELECT s.number FROM sales s WHERE s.kind = 'sale' AND (s.points_earned != (SELECT COALESCE(SUM(points), 0) "
        "FROM loyalty_events e WHERE e.sale_id = s.id AND e.kind = 'earn') OR -s.points_redeemed != "
        "(SELECT COALESCE(SUM(points), 0) FROM loyalty_events e WHERE e.sale_id = s.id AND e.kind = 'redeem')) "
        "LIMIT 1").fetchone()
    if points_wrong:
        broken.append(f"the loyalty events of sale {points_wrong[0]} do not match its points earned and redeemed")
    unlinked = conn.execute("SELECT COUNT(*) FROM sales s LEFT JOIN outbox o ON o.seq = s.outbox_seq "
                            "WHERE o.seq IS NULL").fetchone()[0]
    if unlinked:
        broken.append(f"{unlinked} sales have no outbox event to carry them to central")
    if converged:
        counts = dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
        if counts.get("pending") or counts.get("dead"):
            broken.append(f"the outbox did not drain: {counts.get('pending', 0)} pending, "
                          f"{counts.get('dead', 0)} dead letters")
    if receipts:
        missing = [r for r in conn.execute("SELECT s.id, s.number FROM sales s LEFT JOIN print_jobs j "
                                           "ON j.id = 'receipt:' || s.id WHERE j.id IS NULL ORDER BY s.seq")
                   if r[0] in receipts]
        if missing:
            broken.append(f"{len(missing)} sales have no receipt in the print queue (nothing to print or "
                          f"reprint), e.g. {missing[0][1]}")
    return broken


def _central(db: sqlite3.Connection, conn: sqlite3.Connection, store: str, terminal: str, converged: bool,
             before: Baseline | None) -> list[str]:
    broken = []
    check = db.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        broken.append(f"central integrity_check: {check}")
    where = "store_id = ? AND terminal_id = ?"
    ledger = {r[0]: (r[1], r[2], r[3]) for r in db.execute(
        f"SELECT seq, id, payload_hash, status FROM events WHERE {where}", (store, terminal))}
    outbox = {r[0]: (r[1], r[2], r[3]) for r in conn.execute("SELECT seq, id, payload_hash, status FROM outbox")}
    rejected = [s for s, (_, _, status) in ledger.items() if status != "accepted"]
    if rejected:
        broken.append(f"central rejected {len(rejected)} of this terminal's events, e.g. seq {rejected[0]}")
    unknown = sorted(set(ledger) - set(outbox))
    if unknown:
        broken.append(f"central holds {len(unknown)} events the terminal never made, e.g. seq {unknown[0]}")
    differ = [s for s in set(ledger) & set(outbox) if ledger[s][:2] != outbox[s][:2]]
    if differ:
        broken.append(f"{len(differ)} events differ between central and the terminal (id or payload), "
                      f"e.g. seq {min(differ)}")
    acked_missing = sorted(s for s, (_, _, status) in outbox.items() if status == "acked" and s not in ledger)
    if acked_missing:
        broken.append(f"{len(acked_missing)} events the terminal holds acknowledged are not at central, "
                      f"e.g. seq {acked_missing[0]}")
    if converged and set(ledger) != set(outbox):
        broken.append(f"central's ledger has {len(ledger)} of this terminal's events, its outbox {len(outbox)}")
    event_ids = [v[0] for v in ledger.values()]

    local_sales = {r[0]: r[1] for r in conn.execute(
        "SELECT s.id, s.number FROM sales s JOIN outbox o ON o.seq = s.outbox_seq WHERE o.status = 'acked'")}
    central_sales = db.execute(f"SELECT id, number FROM sales WHERE {where}", (store, terminal)).fetchall()
    numbers = Counter(r[1] for r in central_sales)
    twice = [n for n, c in numbers.items() if c > 1]
    if twice:
        broken.append(f"central has {len(twice)} receipt numbers of this terminal twice, e.g. {twice[0]}")
    central_by_id = {r[0]: r[1] for r in central_sales}
    missing = [i for i in local_sales if i not in central_by_id]
    if missing:
        broken.append(f"{len(missing)} acknowledged sales are missing at central, e.g. {local_sales[missing[0]]}")
    renamed = [i for i in local_sales if i in central_by_id and central_by_id[i] != local_sales[i]]
    if renamed:
        broken.append(f"{len(renamed)} sales carry another number at central, e.g. {local_sales[renamed[0]]}")
    foreign = [n for i, n in central_by_id.items() if i not in dict(conn.execute("SELECT id, 1 FROM sales"))]
    if foreign:
        broken.append(f"central has {len(foreign)} sales of this terminal the terminal never made, e.g. {foreign[0]}")

    acked = "outbox_seq IN (SELECT seq FROM outbox WHERE status = 'acked')"
    local_moves = {r[0]: (r[1], r[2]) for r in conn.execute(
        f"SELECT id, sku, delta_milli FROM stock_movements WHERE {acked}")}
    central_moves = {r[0]: (r[1], r[2]) for r in db.execute(
        "SELECT id, sku, delta_milli FROM stock_movements WHERE event_id IN (SELECT value FROM json_each(?))",
        (_json(event_ids),))}
    if local_moves != {k: v for k, v in central_moves.items() if k in local_moves} or \
            set(central_moves) - set(dict(conn.execute("SELECT id, 1 FROM stock_movements"))):
        broken.append(f"stock movements differ: terminal {len(local_moves)} acknowledged, central "
                      f"{len(central_moves)} from this terminal's events")
    local_points = {r[0]: (r[1], r[2]) for r in conn.execute(
        f"SELECT id, customer_id, points FROM loyalty_events WHERE {acked}")}
    central_points = {r[0]: (r[1], r[2]) for r in db.execute(
        "SELECT id, customer_id, points FROM loyalty_ledger WHERE event_id IN (SELECT value FROM json_each(?))",
        (_json(event_ids),))}
    if local_points != {k: v for k, v in central_points.items() if k in local_points} or \
            set(central_points) - set(dict(conn.execute("SELECT id, 1 FROM loyalty_events"))):
        broken.append(f"loyalty entries differ: terminal {len(local_points)} acknowledged, central "
                      f"{len(central_points)} from this terminal's events")
    if before is not None:
        broken += _on_hand(db, before)
    return broken


def _on_hand(db: sqlite3.Connection, before: Baseline) -> list[str]:
    after = {r[0]: r[1] for r in db.execute("SELECT sku, on_hand_milli FROM stock WHERE location_id = ?",
                                            (before.store,))}
    moved: Counter[str] = Counter()
    for mid, sku, delta in db.execute("SELECT id, sku, delta_milli FROM stock_movements WHERE location_id = ?",
                                      (before.store,)):
        if mid not in before.movements:
            moved[sku] += delta
    wrong = [sku for sku in set(after) | set(before.on_hand)
             if after.get(sku, 0) - before.on_hand.get(sku, 0) != moved[sku]]
    if wrong:
        sku = sorted(wrong)[0]
        return [f"central's on-hand of {len(wrong)} SKUs moved other than its movements say, e.g. {sku}: "
                f"{before.on_hand.get(sku, 0)} -> {after.get(sku, 0)}, movements {moved[sku]}"]
    return []


def _json(values: list[str]) -> str:
    import json

    return json.dumps(values)


# (what, central's query for this store, the terminal's query): rows that must be equal.
FEED_TABLES = (
    ("products", "SELECT sku, name_ru FROM products", "SELECT sku, name_ru FROM products"),
    ("prices", "SELECT sku, kind, valid_from, valid_to, price FROM prices WHERE store_id = :store",
     "SELECT sku, kind, valid_from, valid_to, price FROM prices"),
    ("barcodes", "SELECT code, sku FROM barcodes", "SELECT code, sku FROM barcodes"),
    ("categories", "SELECT id FROM categories", "SELECT id FROM categories"),
    ("brands", "SELECT id FROM brands", "SELECT id FROM brands"),
    ("customers", "SELECT id FROM customers", "SELECT id FROM customers"),
)


def feeds_match(term: Terminal, central: Central) -> list[str]:
    """After a full cycle: the reference data the terminal holds is central's, row for row."""
    broken = []
    db = central.db()
    try:
        for what, theirs, ours in FEED_TABLES:
            a = {tuple(r) for r in db.execute(theirs, {"store": term.store})}
            b = {tuple(r) for r in term.conn.execute(ours)}
            if a != b:
                broken.append(f"{what} differ from central's: {len(b - a)} rows only here, {len(a - b)} missing "
                              f"(e.g. {sorted(b - a or a - b)[0]})")
    finally:
        db.close()
    return broken


def check(term: Terminal, central: Central, *, committed: Iterable[str] = (), converged: bool = True,
          before: Baseline | None = None, receipts: Iterable[str] = (), feeds: bool = False) -> list[str]:
    """Every invariant that does not hold between ``term`` and ``central`` now, as sentences.

    ``committed``: sale ids the suite saw committed (they must all be there);
    ``converged``: the agent finished a clean cycle since the fault (the outbox must be
    drained and equal central's ledger); ``before``: central's stock before the case
    (:func:`baseline`); ``receipts``: sale ids (made by a printing till) whose receipt job
    must be in the queue; ``feeds``: also :func:`feeds_match`.
    """
    conn = term.conn
    broken = _local(conn, term.store, term.terminal, list(committed), converged, set(receipts))
    db = central.db()
    try:
        broken += _central(db, conn, term.store, term.terminal, converged, before)
    finally:
        db.close()
    if feeds:
        broken += feeds_match(term, central)
    return broken
