"""Loyalty cards and balances: events, not balances.

A sale never changes a balance in place. It writes ``loyalty_events`` (earn, redeem,
reverse) tied to the outbox event that carries them, and central applies them once. The
customers feed brings central's balance together with ``included_seq``: the highest of
this terminal's outbox sequence numbers already in that balance. So the balance shown is

    customers.balance + sum(points of local events with outbox_seq > included_seq)

which counts every local event exactly once, before and after central has seen it.

Card numbers are EAN-13s (the store's prefix-29 cards or a partner's); they are checked
before lookup, and only :func:`mask_card` output (``•••• 1234``) goes on receipts,
screens or into the sales table.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .codes import CodeError, validate_gtin
from .money import BP, KOPECKS_PER_RUBLE
from .store.settings import get_int

MASK = "••••"


class LoyaltyError(ValueError):
    """A card or points problem; the message is for the cashier or the shopper."""


class CardBlocked(LoyaltyError):
    """The card exists but central has blocked it (lost, stolen, merged)."""


@dataclass(frozen=True)
class Account:
    """A customer's points as this terminal knows them right now.

    ``central_balance``: central's figure as of the last customers feed;
    ``pending_points``: local events central had not included in it; ``balance``: the
    two together, what to show and what may be spent.
    """

    customer_id: str
    first_name: str
    tier: str
    central_balance: int
    pending_points: int
    balance: int
    card_masked: str = ""


def mask_card(number: object) -> str:
    """``'2900000012348'`` -> ``'•••• 2348'``: the only form a card number is shown in."""
    text = "".join(ch for ch in str(number or "") if ch.isalnum())
    return f"{MASK} {text[-4:]}" if len(text) >= 4 else MASK


def check_card_number(number: object) -> str:
    """The card number, trimmed, if it is a 13-digit EAN with a right check digit."""
    if not isinstance(number, str) or not number.strip():
        raise LoyaltyError("scan or type the loyalty card number")
    text = number.strip().replace(" ", "")
    if len(text) != 13 or not text.isascii() or not text.isdigit():
        raise LoyaltyError("a loyalty card number is 13 digits; scan the card again")
    try:
        validate_gtin(text)
    except CodeError:
        raise LoyaltyError(
            f"card {mask_card(text)} fails its check digit: it was misread or mistyped, scan it again"
        ) from None
    return text


def find_card(conn: sqlite3.Connection, number: str) -> Account:
    """The account behind a scanned or typed card; blocked and unknown cards are refused."""
    number = check_card_number(number)
    row = conn.execute("SELECT customer_id, blocked FROM loyalty_cards WHERE number = ?", (number,)).fetchone()
    if row is None:
        raise LoyaltyError(
            f"card {mask_card(number)} is not known here yet; the sale can go on without it "
            "and the card will work after the next customer sync"
        )
    if row[1]:
        raise CardBlocked(f"card {mask_card(number)} is blocked; the customer should contact support")
    account = get_account(conn, row[0])
    if account is None:
        raise LoyaltyError(f"card {mask_card(number)} has no customer record yet; try after the next sync")
    return Account(account.customer_id, account.first_name, account.tier, account.central_balance,
                   account.pending_points, account.balance, mask_card(number))


def get_account(conn: sqlite3.Connection, customer_id: str) -> Account | None:
    """Balance = central's as of the feed + this terminal's events central had not included."""
    row = conn.execute(
        "SELECT c.first_name, c.tier, c.balance, "
        " (SELECT COALESCE(SUM(e.points), 0) FROM loyalty_events e "
        "  WHERE e.customer_id = c.id AND e.outbox_seq > c.included_seq) "
        "FROM customers c WHERE c.id = ?",
        (customer_id,),
    ).fetchone()
    if row is None:
        return None
    return Account(customer_id, row[0], row[1], row[2], row[3], row[2] + row[3])


def earn_points(total_kopecks: int, rate_bp: int) -> int:
    """Points earned on ``total_kopecks`` paid: ``rate_bp`` basis points per ruble, rounded down.

    With the default 100 bp (1 %), 1 234,56 ₽ earns 12 points. Rounded down so a
    customer is never given a point the rules do not give; negative totals earn nothing.
    """
    if isinstance(total_kopecks, bool) or not isinstance(total_kopecks, int):
        raise LoyaltyError("the total must be int kopecks")
    if isinstance(rate_bp, bool) or not isinstance(rate_bp, int) or rate_bp < 0:
        raise LoyaltyError("the earn rate must be a non-negative int of basis points")
    if total_kopecks <= 0:
        return 0
    return total_kopecks * rate_bp // (BP * KOPECKS_PER_RUBLE)


def point_value(conn: sqlite3.Connection) -> int:
    """Kopecks one point pays (settings ``point_value_kopecks``, at least 1)."""
    return max(1, get_int(conn, "point_value_kopecks", 100))


def max_redeemable(conn: sqlite3.Connection, account: Account, online: bool) -> int:
    """Points this customer may spend now.

    The whole balance while central is reachable; while it is not, at most
    ``offline_redeem_cap_points``, because another store may be spending the same points
    at the same time and central only hears of it later.
    """
    points = max(account.balance, 0)
    if not online:
        points = min(points, max(0, get_int(conn, "offline_redeem_cap_points", 500)))
    return points
