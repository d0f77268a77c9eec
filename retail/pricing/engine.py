"""The pricing engine: ``price_cart(lines, promotions, ctx) -> PricedCart``, a pure function.

The kiosk, the POS and central all call this one function, so a basket costs the same to
the kopeck in every channel. It reads frozen inputs, never edits them, does no I/O, and
returns promotions' effects as :class:`Adjustment` records. The result does not depend on
the order of the promotion list: every choice below is ordered by (priority, id).

Rules, in the order they are applied
------------------------------------

1. **Price override.** A line with ``price_override`` is priced at that unit price and
   nothing else touches it: no label price, no item or basket promotion, and it does not
   count towards a basket threshold. (The manager has already decided its price.)
2. **Label price.** A ``label_price`` lower than ``unit_price`` applies first, as an
   adjustment of kind ``label_price``. It is the price book's price, not a promotion:
   promotions then work from it, and it never counts as "already on promotion".
3. **Gates.** A promotion is considered only if ``valid_from <= now < valid_to`` (either
   bound may be open; the end is exclusive so consecutive promotions never overlap), its
   coupon (if any) was presented (trimmed, case-insensitive), the customer's tier equals
   its tier (if any), and the customer is its customer (if a personal offer).
4. **Item promotions: at most one per line.** Priority levels are taken from the lowest
   number up; a line that took a promotion at one level is not offered the next ones —
   *the highest-priority promotion that applies wins*. Within one level:

   * a multi-item deal (``n_for_price``, ``buy_x_get_y``) takes its lines only if it
     saves strictly more than the best single-line offers of the same level would save
     on those lines; competing deals are taken greedily by that extra saving (ties to the
     lower id) and re-evaluated on the lines still free;
   * every line no deal took gets the single-line offer (``percent_off``,
     ``amount_off``, ``fixed_price``) that saves it most, ties to the lower id.

   So with "3 for 2" and "10 % off" at the same priority, three 10 ₽ yoghurts take the
   3 for 2 (10 ₽ saved, not 3 ₽), and with "50 % off" instead they take the 50 % (15 ₽).

   A deal uses whole lines: a line whose pieces count in a deal (discounted or as the
   paid-for X) has taken its item promotion, even if some of its pieces were outside the
   deal; those leftover pieces stay at their price. Only piece goods take part in deals
   (see :mod:`retail.pricing.deals`).
5. **Exclusive item promotions.** The lines an exclusive item promotion touches take no
   basket promotion either.
6. **Basket promotions** (``basket_threshold``) come after item promotions. The
   threshold is compared with the subtotal, after item promotions, of the lines that may
   take a basket promotion (rules 1 and 5; an *exclusive* basket promotion also skips
   lines that took any item promotion — "not valid with other offers"). A target, if
   given, limits which of those lines share the discount. Qualifying basket promotions
   are ranked by priority, then saving (larger first), then id. If the first is exclusive
   it is the only basket promotion. Otherwise the best non-stackable one and every
   stackable one apply, in (priority, id) order, each on the amounts the previous left.
   A basket discount is split over its lines in proportion to their amounts, remainder
   on the last line, never more than a line's amount (``money.allocate_capped``).
7. **Totals.** Prices include VAT. Each line's VAT is ``money.vat_included`` of its final
   amount; the VAT breakdown per rate is the sum of its lines, and the total is the sum
   of the lines, so receipts, fiscal data and central agree exactly. No discount exceeds
   its line, so no line and no total is ever negative. ``applied`` and ``savings`` list
   the label prices first, then item promotions, then basket ones, each by (priority, id).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from retail.money import MILLI, line_amount, percent_of, vat_included
from retail.pricing.deals import DealResult, Run, buy_x_get_y, n_for_price
from retail.pricing.errors import PricingError
from retail.pricing.model import (
    Adjustment,
    CartLine,
    PricedCart,
    PricedLine,
    PricingContext,
    Promotion,
    Saving,
    VatRow,
)
from retail.pricing.rules import (
    AmountOff,
    BasketThreshold,
    BuyXGetY,
    FixedPrice,
    ITEM_KINDS,
    LINE_KINDS,
    PercentOff,
)
from retail.money import allocate_capped

LABEL_PRICE = "label_price"


def price_cart(
    lines: Iterable[CartLine], promotions: Iterable[Promotion], ctx: PricingContext
) -> PricedCart:
    """Price ``lines`` under ``promotions`` at ``ctx``; see the module docstring for the rules."""
    lines = tuple(lines)
    promotions = tuple(promotions)
    _check(lines, promotions, ctx)
    state = _State(lines)
    active = sorted((p for p in promotions if p.is_active(ctx)), key=lambda p: (p.priority, p.id))
    items = [p for p in active if p.kind in ITEM_KINDS]
    baskets = [p for p in active if p.kind not in ITEM_KINDS]
    if items and state.free:
        _apply_items(state, items)
    if baskets:
        _apply_baskets(state, baskets)
    return state.result()


def _check(lines: tuple, promotions: tuple, ctx: object) -> None:
    if not isinstance(ctx, PricingContext):
        raise PricingError("ctx must be a PricingContext")
    seen: set[int] = set()
    for line in lines:
        if not isinstance(line, CartLine):
            raise PricingError(f"cart lines must be CartLine, got {type(line).__name__}")
        if line.line_no in seen:
            raise PricingError(f"line number {line.line_no} appears twice in the cart")
        seen.add(line.line_no)
    ids: set[str] = set()
    for promo in promotions:
        if not isinstance(promo, Promotion):
            raise PricingError(f"promotions must be Promotion, got {type(promo).__name__}")
        if promo.id in ids:
            raise PricingError(f"promotion id {promo.id!r} appears twice; the feed is inconsistent")
        ids.add(promo.id)


class _State:
    """Running amounts and adjustments while one cart is priced (never escapes the call)."""

    def __init__(self, lines: tuple[CartLine, ...]) -> None:
        self.lines = lines
        n = len(lines)
        self.base = [0] * n
        self.current = [0] * n
        self.unit = [0] * n  # unit price after the label price, for deals
        self.adjustments: list[list[Adjustment]] = [[] for _ in range(n)]
        self.promotable: list[int] = []
        self.free: set[int] = set()  # promotable lines without an item promotion yet
        self.taken: set[int] = set()  # lines that took an item promotion
        self.blocked: set[int] = set()  # lines touched by an exclusive item promotion
        self.saved: dict[str | None, list] = {}
        for pos, line in enumerate(lines):
            if line.price_override is not None:
                self.base[pos] = self.current[pos] = line_amount(line.price_override, line.qty_milli)
                continue
            base = line_amount(line.unit_price, line.qty_milli)
            unit = line.unit_price
            self.base[pos] = self.current[pos] = base
            if line.label_price is not None and line.label_price < unit:
                unit = line.label_price
                cut = base - line_amount(unit, line.qty_milli)
                terms = (("unit_price", line.unit_price), ("label_price", unit))
                self._adjust(pos, None, LABEL_PRICE, "", cut, terms, (0, 0, ""))
            self.unit[pos] = unit
            self.promotable.append(pos)
            self.free.add(pos)

    def _adjust(self, pos, promo_id, kind, label, amount, terms, order) -> None:
        if amount <= 0:
            return
        self.adjustments[pos].append(
            Adjustment(promo_id, kind, label, amount, self.lines[pos].line_no, terms)
        )
        self.current[pos] -= amount
        row = self.saved.get(promo_id)
        if row is None:
            self.saved[promo_id] = [order, kind, label, terms, amount]
        else:
            row[4] += amount

    def apply(self, promo: Promotion, phase: int, discounts: dict[int, int], consumed: Iterable[int]) -> None:
        order = (phase, promo.priority, promo.id)
        if phase == 1:
            for pos in consumed:
                self.free.discard(pos)
                self.taken.add(pos)
                if promo.exclusive:
                    self.blocked.add(pos)
        for pos in sorted(discounts):
            self._adjust(pos, promo.id, promo.kind, promo.name, discounts[pos], promo.rule.terms, order)

    def result(self) -> PricedCart:
        priced = []
        vat_rows: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for pos, line in enumerate(self.lines):
            amount = self.current[pos]
            vat = vat_included(amount, line.vat_rate_bp)
            row = vat_rows[line.vat_rate_bp]
            row[0] += amount
            row[1] += vat
            adjustments = tuple(self.adjustments[pos])
            priced.append(
                PricedLine(line, self.base[pos], adjustments, self.base[pos] - amount, amount, vat)
            )
        savings = tuple(
            Saving(pid, kind, label, amount, terms)
            for pid, (_, kind, label, terms, amount) in sorted(
                self.saved.items(), key=lambda kv: kv[1][0]
            )
        )
        subtotal = sum(self.base)
        total = sum(self.current)
        return PricedCart(
            lines=tuple(priced),
            subtotal=subtotal,
            discount_total=subtotal - total,
            total=total,
            vat_breakdown=tuple(VatRow(rate, g, v) for rate, (g, v) in sorted(vat_rows.items())),
            applied=tuple(s.promotion_id for s in savings if s.promotion_id is not None),
            savings=savings,
        )


def _index(items: list[Promotion], state: _State) -> list[tuple[list[int], list[int]]]:
    """For each item promotion, the promotable line positions in its target and get target.

    Promotions are indexed by SKU, category and brand once, then each line looks up its
    three keys, instead of testing every promotion against every line.
    """
    by_sku: dict[str, list] = defaultdict(list)
    by_category: dict[str, list] = defaultdict(list)
    by_brand: dict[str, list] = defaultdict(list)
    pools: list[tuple[set[int], set[int]]] = []
    for i, promo in enumerate(items):
        rule = promo.rule
        main: set[int] = set()
        get = main
        targets = [(main, rule.target)]
        if isinstance(rule, BuyXGetY) and rule.get_target is not None:
            get = set()
            targets.append((get, rule.get_target))
        pools.append((main, get))
        for pool, target in targets:
            entry = (pool, target.exclude_skus)
            for sku in target.skus:
                by_sku[sku].append(entry)
            for cat in target.category_ids:
                by_category[cat].append(entry)
            for brand in target.brand_ids:
                by_brand[brand].append(entry)
    for pos in state.promotable:
        line = state.lines[pos]
        sku = line.sku
        entries = by_sku.get(sku, [])
        if line.category_id is not None:
            entries = entries + by_category.get(str(line.category_id), [])
        if line.brand_id is not None:
            entries = entries + by_brand.get(str(line.brand_id), [])
        for pool, exclude in entries:
            if sku not in exclude:
                pool.add(pos)
    return [(sorted(main), sorted(get)) for main, get in pools]


def _line_saving(rule, line: CartLine, current: int) -> int:
    if isinstance(rule, PercentOff):
        return percent_of(current, rule.percent_bp)
    if isinstance(rule, AmountOff):
        return min(current, line_amount(rule.amount, line.qty_milli))
    if isinstance(rule, FixedPrice):
        return max(0, current - line_amount(rule.price, line.qty_milli))
    raise PricingError(f"{type(rule).__name__} is not a single-line promotion")


def _runs(state: _State, positions: list[int]) -> list[Run]:
    return [
        Run(pos, state.unit[pos], state.lines[pos].qty_milli // MILLI)
        for pos in positions
        if pos in state.free and state.lines[pos].unit == "pcs"
    ]


def _deal(state: _State, promo: Promotion, pool: tuple[list[int], list[int]]) -> DealResult:
    rule = promo.rule
    if isinstance(rule, BuyXGetY):
        return buy_x_get_y(_runs(state, pool[0]), _runs(state, pool[1]), rule.x, rule.y, rule.percent_bp)
    return n_for_price(_runs(state, pool[0]), rule.n, rule.price)


def _apply_items(state: _State, items: list[Promotion]) -> None:
    pools = _index(items, state)
    levels: dict[int, list[int]] = defaultdict(list)
    for i, promo in enumerate(items):
        if pools[i][0] or pools[i][1]:
            levels[promo.priority].append(i)
    for priority in sorted(levels):
        if not state.free:
            return
        best: dict[int, tuple[int, Promotion]] = {}
        deals = []
        for i in levels[priority]:  # id order within a level: ties keep the lower id
            promo = items[i]
            if promo.kind not in LINE_KINDS:
                deals.append(i)
                continue
            for pos in pools[i][0]:
                if pos not in state.free:
                    continue
                saving = _line_saving(promo.rule, state.lines[pos], state.current[pos])
                if saving > 0 and (pos not in best or saving > best[pos][0]):
                    best[pos] = (saving, promo)
        results = {i: _deal(state, items[i], pools[i]) for i in deals}
        while results:
            pick = None
            for i, result in results.items():  # id order: ties keep the lower id
                if result.saving <= 0:
                    continue
                gain = result.saving - sum(best[p][0] for p in result.consumed if p in best)
                if gain > 0 and (pick is None or gain > pick[0]):
                    pick = (gain, i, result)
            if pick is None:
                break
            _, chosen, result = pick
            state.apply(items[chosen], 1, result.discounts, result.consumed)
            del results[chosen]
            for pos in result.consumed:
                best.pop(pos, None)
            # Only deals that share lines with the one just applied can change.
            for i in results:
                if not result.consumed.isdisjoint(pools[i][0]) or not result.consumed.isdisjoint(pools[i][1]):
                    results[i] = _deal(state, items[i], pools[i])
        for pos in sorted(best):
            saving, promo = best[pos]
            state.apply(promo, 1, {pos: saving}, (pos,))


def _basket_saving(rule: BasketThreshold, amount: int) -> int:
    if rule.percent_bp is not None:
        return percent_of(amount, rule.percent_bp)
    return min(rule.amount, amount)


def _apply_baskets(state: _State, baskets: list[Promotion]) -> None:
    open_lines = [pos for pos in state.promotable if pos not in state.blocked]
    candidates = []
    for promo in baskets:
        rule = promo.rule
        pool = [pos for pos in open_lines if not (promo.exclusive and pos in state.taken)]
        measured = sum(state.current[pos] for pos in pool)
        if measured == 0 or measured < rule.threshold:
            continue
        if rule.target is not None:
            pool = [
                pos
                for pos in pool
                if rule.target.matches(
                    state.lines[pos].sku, state.lines[pos].category_id, state.lines[pos].brand_id
                )
            ]
        saving = _basket_saving(rule, sum(state.current[pos] for pos in pool))
        if saving > 0:
            candidates.append(((promo.priority, -saving, promo.id), promo, pool))
    if not candidates:
        return
    candidates.sort(key=lambda c: c[0])
    if candidates[0][1].exclusive:
        chosen = candidates[:1]
    else:
        plain = [c for c in candidates if not c[1].exclusive and not c[1].stackable]
        chosen = plain[:1] + [c for c in candidates if c[1].stackable]
    chosen.sort(key=lambda c: (c[1].priority, c[1].id))
    for _, promo, pool in chosen:
        amounts = [state.current[pos] for pos in pool]
        total = _basket_saving(promo.rule, sum(amounts))
        if total <= 0:
            continue
        shares = allocate_capped(total, amounts)
        state.apply(promo, 2, dict(zip(pool, shares)), ())
