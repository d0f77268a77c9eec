"""Multi-item deals (N for a price, buy X get Y) computed over pieces, not lines.

A deal pools the pieces of every line in its target, so "3 yoghurts for 100 ₽" works
with three different flavours on three lines. Pieces are handled as *runs* (one line's
pieces, all at the same unit price) and whole groups are counted arithmetically, so a
line of 5 000 pieces costs the same time as a line of 5. Weighed goods are not pieces and
never take part in a deal.

Which pieces take the deal, decided so a customer and a cashier can predict it:

* N for a price: groups of N are formed from the most expensive pieces down (that saves
  the customer most); a group only forms if it costs more than the deal price, and the
  leftover pieces (fewer than N, or too cheap) stay at their price. Each group's saving
  is split over its pieces in proportion to their prices.
* Buy X get Y: the *cheapest* eligible pieces are the ones given (free or at the
  percent off); the X paid for each Y are taken from the most expensive remaining
  qualifying pieces. When the "get" target differs from the "buy" target, a piece in both
  counts only once, as given or as bought. A piece that already costs nothing is never
  the one given.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from retail.money import percent_of
from retail.money import allocate_capped


@dataclass(frozen=True, slots=True)
class Run:
    """``count`` pieces at ``price`` kopecks each, on the cart line at position ``pos``."""

    pos: int
    price: int
    count: int


@dataclass(slots=True)
class DealResult:
    """A deal's outcome: total saving, discount per line position, and the lines it used."""

    saving: int = 0
    discounts: dict[int, int] = field(default_factory=dict)
    consumed: set[int] = field(default_factory=set)

    def add(self, pos: int, amount: int) -> None:
        self.consumed.add(pos)
        if amount:
            self.discounts[pos] = self.discounts.get(pos, 0) + amount
            self.saving += amount


def n_for_price(runs: list[Run], n: int, price: int) -> DealResult:
    """Repeatable "N pieces for ``price``" over ``runs``."""
    result = DealResult()
    ordered = sorted(runs, key=lambda r: (-r.price, r.pos))
    partial: list[tuple[Run, int]] = []
    have = 0
    for run in ordered:
        left = run.count
        if have:
            take = min(left, n - have)
            partial.append((run, take))
            have += take
            left -= take
            if have < n:
                continue
            gross = sum(r.price * c for r, c in partial)
            if gross <= price:
                return result  # later groups are cheaper still
            shares = allocate_capped(gross - price, [r.price * c for r, c in partial])
            for (r, _), share in zip(partial, shares):
                result.add(r.pos, share)
            partial, have = [], 0
        full = left // n
        if full:
            if n * run.price <= price:
                return result
            result.add(run.pos, full * (n * run.price - price))
            left -= full * n
        if left:
            partial, have = [(run, left)], left
    return result


def _take_cheapest(runs: list[Run], k: int) -> list[tuple[Run, int]]:
    taken = []
    for run in runs:
        if k <= 0:
            break
        take = min(run.count, k)
        taken.append((run, take))
        k -= take
    return taken


def buy_x_get_y(buy: list[Run], get: list[Run], x: int, y: int, percent_bp: int) -> DealResult:
    """Buy ``x`` pieces of ``buy``, get ``y`` pieces of ``get`` at ``percent_bp`` off; repeatable.

    Finds the largest number k of given pieces such that the pieces left to pay for
    still earn k: ``((bought - given_that_also_count_as_bought) // x) * y >= k``. That
    condition only gets harder as k grows, so a binary search finds k.
    """
    result = DealResult()
    cheapest = sorted((r for r in get if r.price > 0), key=lambda r: (r.price, r.pos))
    buy_positions = {r.pos for r in buy}
    bought = sum(r.count for r in buy)

    def earns(k: int) -> bool:
        overlap = sum(c for r, c in _take_cheapest(cheapest, k) if r.pos in buy_positions)
        return ((bought - overlap) // x) * y >= k

    low, high = 0, min(sum(r.count for r in cheapest), (bought // x) * y)
    while low < high:
        mid = (low + high + 1) // 2
        if earns(mid):
            low = mid
        else:
            high = mid - 1
    if low == 0:
        return result
    given = _take_cheapest(cheapest, low)
    used = {}
    for run, count in given:
        result.add(run.pos, percent_of(run.price * count, percent_bp))
        used[run.pos] = count
    need = -(-low // y) * x
    for run in sorted(buy, key=lambda r: (-r.price, r.pos)):
        if need <= 0:
            break
        free = run.count - used.get(run.pos, 0)
        take = min(free, need)
        if take > 0:
            result.consumed.add(run.pos)
            need -= take
    return result
