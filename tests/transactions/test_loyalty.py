import pytest
from hypothesis import given, strategies as st

from retail.codes import make_ean13
from retail.loyalty import (
    Account, CardBlocked, LoyaltyError, earn_points, find_card, get_account, mask_card, max_redeemable,
)
from retail.store import transaction
from retail.store.settings import put
from tx_support import db  # noqa: F401

CARD = make_ean13("290000001234")
BLOCKED = make_ean13("290000009999")


def _customer(conn, cid="c1", balance=1000, included_seq=0, cards=((CARD, 0),)):
    with transaction(conn):
        conn.execute("INSERT INTO customers(id, first_name, tier, balance, included_seq) VALUES (?, 'Ivan', 'gold', ?, ?) "
                     "ON CONFLICT(id) DO UPDATE SET balance = excluded.balance, included_seq = excluded.included_seq",
                     (cid, balance, included_seq))
        for number, blocked in cards:
            conn.execute("INSERT OR REPLACE INTO loyalty_cards(number, customer_id, blocked) VALUES (?, ?, ?)",
                         (number, cid, blocked))


def _event(conn, seq, points, cid="c1", kind="earn"):
    with transaction(conn):
        conn.execute("INSERT INTO loyalty_events(id, customer_id, kind, points, outbox_seq, at) VALUES (?, ?, ?, ?, ?, 0)",
                     (f"e{seq}", cid, kind, points, seq))


@pytest.mark.parametrize("number, shown", [
    ("2900000012348", "•••• 2348"),
    ("  4601234567893 ", "•••• 7893"),
    ("1234", "•••• 1234"),
    ("12", "••••"),
    ("", "••••"),
    (None, "••••"),
])
def test_mask_card(number, shown):
    assert mask_card(number) == shown


def test_find_card_gives_account_with_masked_number(db):
    _customer(db)
    account = find_card(db, f" {CARD} ")
    assert account == Account("c1", "Ivan", "gold", 1000, 0, 1000, mask_card(CARD))
    assert CARD not in repr(account)


@pytest.mark.parametrize("number, message", [
    ("", "scan or type"),
    (None, "scan or type"),
    ("290000001234", "13 digits"),
    ("29000000123481", "13 digits"),
    ("29000000123A8", "13 digits"),
    (CARD[:-1] + str((int(CARD[-1]) + 1) % 10), "check digit"),
    (make_ean13("290000005555"), "not known here yet"),
])
def test_bad_or_unknown_cards_are_explained(db, number, message):
    _customer(db)
    with pytest.raises(LoyaltyError, match=message) as exc:
        find_card(db, number)
    if number and len(number) == 13:
        assert number not in str(exc.value), "full card numbers never go into messages"


def test_blocked_card_is_refused(db):
    _customer(db, cards=((CARD, 0), (BLOCKED, 1)))
    with pytest.raises(CardBlocked, match="•••• 9999 is blocked"):
        find_card(db, BLOCKED)


def test_balance_is_central_plus_unacknowledged_events_never_double_counted(db):
    _customer(db, balance=1000, included_seq=0)
    _event(db, 3, 50)
    _event(db, 5, -20, kind="redeem")
    account = get_account(db, "c1")
    assert (account.central_balance, account.pending_points, account.balance) == (1000, 30, 1030)
    # Central applied the event at seq 3 and says so in the feed: 1050 includes it.
    _customer(db, balance=1050, included_seq=3)
    account = get_account(db, "c1")
    assert (account.central_balance, account.pending_points, account.balance) == (1050, -20, 1030)
    # A feed covering everything: the local events no longer count.
    _customer(db, balance=1030, included_seq=5)
    assert get_account(db, "c1").balance == 1030
    # Another customer's events never leak in.
    _customer(db, cid="c2", balance=7, cards=())
    _event(db, 6, 100, cid="c2")
    assert get_account(db, "c1").balance == 1030 and get_account(db, "c2").balance == 107
    assert get_account(db, "nobody") is None


@pytest.mark.parametrize("total, rate, points", [
    (123456, 100, 12),
    (99, 100, 0),
    (10000, 100, 1),
    (9999, 100, 0),
    (10000, 500, 5),
    (0, 100, 0),
    (-5000, 100, 0),
    (1_000_000, 0, 0),
])
def test_earn_points(total, rate, points):
    assert earn_points(total, rate) == points


@given(st.integers(0, 10**10), st.integers(0, 10**10), st.integers(0, 2000))
def test_earn_is_monotone_and_never_over_awards(a, b, rate):
    lo, hi = sorted((a, b))
    assert earn_points(lo, rate) <= earn_points(hi, rate)
    assert earn_points(hi, rate) * 10_000 * 100 <= hi * rate


@pytest.mark.parametrize("bad", [1.5, "100", True, None])
def test_earn_points_refuses_non_int(bad):
    with pytest.raises(LoyaltyError):
        earn_points(bad, 100)


def test_max_redeemable_offline_cap(db):
    _customer(db, balance=2000)
    account = get_account(db, "c1")
    assert max_redeemable(db, account, online=True) == 2000
    assert max_redeemable(db, account, online=False) == 500
    with transaction(db):
        put(db, "offline_redeem_cap_points", "3000")
    assert max_redeemable(db, account, online=False) == 2000
    _event(db, 1, -2500, kind="redeem")
    assert max_redeemable(db, get_account(db, "c1"), online=True) == 0
