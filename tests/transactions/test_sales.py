import json

import pytest
from hypothesis import given, settings, strategies as st

from retail import loyalty, sales
from retail.ids import new_id
from retail.sales import SaleError, SaleNotFound, Tender, check_tenders, commit_sale, get_sale
from retail.shifts import ShiftError, close_shift, open_shift, x_report
from retail.store import transaction
from retail.staff import StaffError
from tx_support import (  # noqa: F401
    IDS, NOW, add_customer, db, events, kg, open_store, pcs, priced, put_staff, snapshot,
)

CASHIER, MANAGER = IDS["cashier"], IDS["manager"]
TEN_OFF_MILK = [("p10", "percent_off", {"target": {"skus": ["MILK"]}, "percent_bp": 1000})]


@pytest.fixture
def shift(db):
    return open_shift(db, CASHIER, 1000_00, NOW)


def _basket():
    # 3 x 89,90 milk at 10 % off, 0,455 kg of apples at 149,99/kg, 1 bread.
    return priced(pcs(1, "MILK", 3, 89_90), kg(2, "APPLE", 455, 149_99), pcs(3, "BREAD", 1, 45_00, vat=1000),
                  promotions=TEN_OFF_MILK)


def _sell(db, shift, cart=None, tenders=None, **kw):
    cart = cart or _basket()
    tenders = tenders if tenders is not None else [Tender("cash", cart.total)]
    kw.setdefault("staff_id", CASHIER)
    kw.setdefault("now", NOW + 60)
    return commit_sale(db, cart, tenders, shift_id=shift.id, **kw)


# ---------------------------------------------------------------- one sale, every table

def test_sale_writes_everything_in_one_go(db, shift):
    with transaction(db):
        db.execute("INSERT INTO products(sku, name_ru, name_en, unit, vat_rate_bp) VALUES "
                   "('BREAD', 'Хлеб', 'Bread', 'pcs', 1000)")
    cart = _basket()
    sale = _sell(db, shift, cart, [Tender("card", 100_00, "RRN 123"), Tender("cash", 500_00)],
                 names={1: "Молоко 3,2 %"})
    assert (sale.number, sale.seq, sale.kind) == ("MSK1-P1-000001", 1, "sale")
    assert (sale.subtotal, sale.discount, sale.total) == (cart.subtotal, cart.discount_total, cart.total)
    assert [(l.line_no, l.name, l.qty_milli, l.amount) for l in sale.lines] == [
        (1, "Молоко 3,2 %", 3000, cart.lines[0].amount), (2, "APPLE", 455, cart.lines[1].amount),
        (3, "Хлеб", 1000, 45_00)]
    assert sale.lines[0].adjustments[0]["promotion_id"] == "p10"
    assert sale.lines[0].adjustments[0]["amount"] == cart.lines[0].discount
    cash_part = cart.total - 100_00
    assert [(t.kind, t.amount, t.tendered, t.change, t.reference) for t in sale.tenders] == [
        ("card", 100_00, 100_00, 0, "RRN 123"), ("cash", cash_part, 500_00, 500_00 - cash_part, "")]
    assert sale.change == 500_00 - cash_part

    drawer = db.execute("SELECT kind, amount, sale_id FROM cash_movements WHERE kind = 'sale'").fetchall()
    assert [tuple(r) for r in drawer] == [("sale", cash_part, sale.id)]

    (event,) = events(db, "sale")
    assert event["_seq"] == sale.outbox_seq
    assert (event["sale_id"], event["number"], event["receipt_seq"], event["total"]) == (
        sale.id, sale.number, 1, cart.total)
    assert [l["amount"] for l in event["lines"]] == [l.amount for l in sale.lines]
    assert event["tenders"] == [{"kind": "card", "amount": 100_00, "reference": "RRN 123"},
                                {"kind": "cash", "amount": cash_part, "reference": ""}]
    movements = db.execute("SELECT id, sku, delta_milli, reason, ref_id, outbox_seq FROM stock_movements "
                           "ORDER BY sku").fetchall()
    assert sorted((m["sku"], m["delta_milli"]) for m in event["movements"]) == [
        ("APPLE", -455), ("BREAD", -1000), ("MILK", -3000)]
    assert {m["id"] for m in event["movements"]} == {r[0] for r in movements}
    assert {(r[3], r[4], r[5]) for r in movements} == {("sale", sale.id, sale.outbox_seq)}
    assert event["loyalty"] == [] and sale.customer_id is None


# ---------------------------------------------------------------- tenders

@pytest.mark.parametrize("tenders, expect", [
    ([("cash", 1000)], [("cash", 1000, 1000, 0)]),
    ([("cash", 1500)], [("cash", 1000, 1500, 500)]),
    ([("card", 1000)], [("card", 1000, 1000, 0)]),
    ([("card", 400), ("cash", 1000)], [("card", 400, 400, 0), ("cash", 600, 1000, 400)]),
    ([("points", 300), ("card", 700)], [("points", 300, 300, 0), ("card", 700, 700, 0)]),
    ([("card", 1200)], "more than the total"),
    ([("card", 500)], "5,00 ₽ is still to pay"),
    ([("cash", 500)], "5,00 ₽ is still to pay"),
    ([], "10,00 ₽ is still to pay"),
    ([("cash", 100), ("cash", 900)], "cash handed over once"),
    ([("card", 1000), ("cash", 100)], "nothing is left to pay in cash"),
    ([("cheque", 1000)], "unknown tender 'cheque'"),
    ([("cash", 0)], "more than zero"),
    ([("cash", -5)], "more than zero"),
    ([("cash", 10.0)], "more than zero"),
    ([("card", True)], "more than zero"),
    ([("card", 10**12)], "too large"),
])
def test_tender_table(tenders, expect):
    given = [Tender(k, a) for k, a in tenders]
    if isinstance(expect, str):
        with pytest.raises(SaleError, match=expect):
            check_tenders(1000, given)
    else:
        assert [(r.kind, r.amount, r.tendered, r.change) for r in check_tenders(1000, given)] == expect


@given(total=st.integers(0, 10**6),
       tenders=st.lists(st.tuples(st.sampled_from(["cash", "card", "points", "prepaid"]), st.integers(1, 2 * 10**6)),
                        max_size=4))
def test_tenders_cover_the_total_exactly_or_are_refused(total, tenders):
    try:
        rows = check_tenders(total, [Tender(k, a) for k, a in tenders])
    except SaleError:
        return
    assert sum(r.amount for r in rows) == total
    assert all(r.change == 0 and r.tendered == r.amount for r in rows if r.kind != "cash")
    assert all(r.change == r.tendered - r.amount and 0 < r.amount <= r.tendered for r in rows if r.kind == "cash")


# ---------------------------------------------------------------- nothing half-written, no number burnt

@pytest.mark.parametrize("tenders", [[Tender("cash", 1)], [Tender("card", 10**9)], [Tender("bitcoin", 5)]])
def test_bad_tender_writes_nothing_and_burns_no_number(db, shift, tenders):
    before = snapshot(db)
    with pytest.raises(SaleError):
        _sell(db, shift, tenders=tenders)
    assert snapshot(db) == before
    assert _sell(db, shift).number == "MSK1-P1-000001"


@pytest.mark.parametrize("table", ["outbox", "stock_movements", "loyalty_events", "tenders", "sale_lines"])
def test_failure_at_any_step_leaves_nothing(db, shift, table):
    """A real SQLite failure (a trigger aborting the insert) at each step, the outbox last."""
    add_customer(db, balance=0)
    before = snapshot(db)
    db.execute(f"CREATE TEMP TRIGGER fail_{table} BEFORE INSERT ON {table} "
               "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        _sell(db, shift, customer="cust-1")
    assert snapshot(db) == before
    assert not db.in_transaction
    db.execute(f"DROP TRIGGER fail_{table}")
    sale = _sell(db, shift, customer="cust-1")
    assert sale.seq == 1 and len(events(db, "sale")) == 1


def test_receipt_numbers_gapless_across_failures_and_reopening(tmp_path):
    path = tmp_path / "till.db"
    conn = open_store(path)
    put_staff(conn, CASHIER, "C", "cashier", "1111")
    put_staff(conn, MANAGER, "M", "manager", "2222")
    shift = open_shift(conn, CASHIER, 0, NOW)
    for i in range(25):
        if i % 5 == 4:
            with pytest.raises(SaleError):
                _sell(conn, shift, tenders=[Tender("cash", 1)])
        _sell(conn, shift, priced(pcs(1, f"SKU{i}", 1 + i % 3, 10_00 + i)))
    conn.close()
    conn = open_store(path)
    for i in range(10):
        _sell(conn, shift, priced(pcs(1, "X", 1, 5_00)), now=NOW + 1000 + i)
    seqs = [r[0] for r in conn.execute("SELECT seq FROM sales ORDER BY seq")]
    assert seqs == list(range(1, 36))
    numbers = [r[0] for r in conn.execute("SELECT number FROM sales ORDER BY seq")]
    assert numbers == [f"MSK1-P1-{n:06d}" for n in range(1, 36)]
    assert [e["receipt_seq"] for e in events(conn, "sale")] == seqs


# ---------------------------------------------------------------- idempotency

def test_retried_commit_returns_the_same_sale(db, shift):
    sale_id = new_id()
    first = _sell(db, shift, sale_id=sale_id)
    again = _sell(db, shift, sale_id=sale_id, now=NOW + 999)
    assert again == first
    assert db.execute("SELECT COUNT(*) FROM sales").fetchone()[0] == 1
    assert len(events(db, "sale")) == 1
    assert db.execute("SELECT COUNT(*) FROM stock_movements").fetchone()[0] == 3
    with pytest.raises(SaleError, match="already used for a different sale"):
        _sell(db, shift, priced(pcs(1, "OTHER", 1, 1_00)), sale_id=sale_id)


# ---------------------------------------------------------------- loyalty

def test_earn_and_redeem_events_and_shown_balance(db, shift):
    add_customer(db, balance=1000)
    cart = priced(pcs(1, "TV", 1, 1500_00))
    sale = _sell(db, shift, cart, [Tender("points", 200_00), Tender("card", 1300_00)],
                 customer=loyalty.get_account(db, "cust-1"))
    assert (sale.points_redeemed, sale.points_earned) == (200, 13)  # 1 % of the 1 300 ₽ paid in money
    (event,) = events(db, "sale")
    assert [(e["kind"], e["points"]) for e in event["loyalty"]] == [("earn", 13), ("redeem", -200)]
    rows = db.execute("SELECT kind, points, outbox_seq, sale_id FROM loyalty_events ORDER BY points").fetchall()
    assert [tuple(r) for r in rows] == [("redeem", -200, event["_seq"], sale.id), ("earn", 13, event["_seq"], sale.id)]
    account = loyalty.get_account(db, "cust-1")
    assert (account.central_balance, account.pending_points, account.balance) == (1000, -187, 813)
    # The customers feed later includes this sale: the balance does not move (no double count).
    with transaction(db):
        db.execute("UPDATE customers SET balance = 813, included_seq = ? WHERE id = 'cust-1'", (event["_seq"],))
    assert loyalty.get_account(db, "cust-1").balance == 813


@pytest.mark.parametrize("points_kopecks, online, message", [
    (600_00, False, "only 500 points can be spent now while central is unreachable"),
    (1001_00, True, "only 1000 points can be spent now; the card has 1000"),
    (150_50, True, "not a whole number of points"),
])
def test_points_limits(db, shift, points_kopecks, online, message):
    add_customer(db, balance=1000)
    cart = priced(pcs(1, "TV", 1, 1500_00))
    before = snapshot(db)
    with pytest.raises(SaleError, match=message):
        _sell(db, shift, cart, [Tender("points", points_kopecks), Tender("card", cart.total - points_kopecks)],
              customer="cust-1", points_online=online)
    assert snapshot(db) == before


def test_points_online_may_exceed_offline_cap(db, shift):
    add_customer(db, balance=1000)
    cart = priced(pcs(1, "TV", 1, 1500_00))
    sale = _sell(db, shift, cart, [Tender("points", 900_00), Tender("card", 600_00)], customer="cust-1",
                 points_online=True)
    assert sale.points_redeemed == 900


def test_points_need_a_customer(db, shift):
    cart = priced(pcs(1, "TV", 1, 100_00))
    with pytest.raises(SaleError, match="needs the customer's loyalty card"):
        _sell(db, shift, cart, [Tender("points", 100_00)])
    with pytest.raises(SaleError, match="not known on this terminal"):
        _sell(db, shift, cart, customer="ghost")


# ---------------------------------------------------------------- preconditions and lookups

def test_sale_needs_an_open_shift_and_known_staff(db, shift):
    with pytest.raises(StaffError, match="unknown or no longer active"):
        _sell(db, shift, staff_id="stranger")
    close_shift(db, shift.id, 1000_00, staff_id=MANAGER, now=NOW + 1)
    with pytest.raises(ShiftError, match="shift 1 is closed"):
        _sell(db, shift)
    assert db.execute("SELECT COUNT(*) FROM sales").fetchone()[0] == 0


@pytest.mark.parametrize("cart, message", [
    ("not a cart", "PricedCart"),
    (priced(), "basket is empty"),
])
def test_bad_carts(db, shift, cart, message):
    with pytest.raises(SaleError, match=message):
        commit_sale(db, cart, [], staff_id=CASHIER, shift_id=shift.id, now=NOW)


def test_cart_that_does_not_add_up_is_refused(db, shift):
    from dataclasses import replace

    cart = _basket()
    with pytest.raises(SaleError, match="does not add up"):
        _sell(db, shift, replace(cart, total=cart.total - 1), [Tender("cash", cart.total)])


def test_lookups(db, shift):
    assert sales.last_sale(db) is None
    a = _sell(db, shift)
    b = _sell(db, shift, priced(pcs(1, "X", 2, 3_00)))
    assert get_sale(db, a.id) == a
    assert get_sale(db, " msk1-p1-000002 ") == b
    assert sales.last_sale(db) == b
    assert sales.sales_in_shift(db, shift.id) == [a, b]
    for bad in ("MSK1-P1-000999", "", None):
        with pytest.raises(SaleNotFound):
            get_sale(db, bad)


def test_reports_add_up(db, shift):
    add_customer(db, balance=1000)
    a = _sell(db, shift, tenders=[Tender("cash", 1000_00)])
    b = _sell(db, shift, priced(pcs(1, "TV", 1, 1500_00)), [Tender("points", 100_00), Tender("card", 1400_00)],
              customer="cust-1")
    report = x_report(db, NOW + 100)
    assert (report.sales_count, report.sales_amount) == (2, a.total + b.total)
    assert report.discounts == a.discount
    assert {t.kind: t.net for t in report.tenders} == {"cash": a.total, "card": 1400_00, "points": 100_00}
    assert report.cash_sales == a.total
    assert report.cash_expected == 1000_00 + a.total
    by_rate = {v.rate_bp: (v.gross, v.vat) for v in report.vat}
    assert sum(g for g, _ in by_rate.values()) == a.total + b.total
    assert by_rate[1000][0] == sum(l.amount for l in a.lines if l.vat_rate_bp == 1000)
    assert by_rate[2000][1] == sum(l.vat_amount for s in (a, b) for l in s.lines if l.vat_rate_bp == 2000)
    assert (report.points_earned, report.points_redeemed) == (14, 100)
    z = close_shift(db, shift.id, 1000_00 + a.total + 5, staff_id=MANAGER, now=NOW + 200)
    assert (z.kind, z.difference, z.sales_count) == ("Z", 5, 2)


def test_sale_payload_is_plain_json(db, shift):
    _sell(db, shift)
    payload = db.execute("SELECT payload FROM outbox WHERE kind = 'sale'").fetchone()[0]
    data = json.loads(payload)
    assert set(data) == {"sale_id", "number", "receipt_seq", "shift_id", "staff_id", "customer_id", "order_id",
                         "created_at", "subtotal", "discount", "total", "lines", "tenders", "loyalty", "movements"}
    assert all(isinstance(v, int) for line in data["lines"] for k, v in line.items()
               if k in ("qty_milli", "unit_price", "base_amount", "discount", "amount", "vat_amount"))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 99_999)), min_size=1, max_size=6))
def test_any_basket_commits_and_matches_its_event(tmp_path_factory, lines):
    conn = open_store(tmp_path_factory.mktemp("h") / "t.db")
    put_staff(conn, CASHIER, "C", "cashier", "1111")
    shift = open_shift(conn, CASHIER, 0, NOW)
    cart = priced(*(pcs(i, f"S{i % 3}", q, p) for i, (q, p) in enumerate(lines, start=1)), promotions=TEN_OFF_MILK)
    sale = _sell(conn, shift, cart, [Tender("card", cart.total)] if cart.total else [])
    (event,) = events(conn, "sale")
    assert event["total"] == sum(l["amount"] for l in event["lines"]) == sale.total
    assert sum(t["amount"] for t in event["tenders"]) == sale.total
    conn.close()


def test_paying_for_an_order_moves_no_stock_its_pickup_does(db, shift):
    """Payment taken at click-and-collect handover: central moves the order's stock on
    ``pickup``, so the sale must not move it too (it would leave the shelf twice)."""
    order_sale = _sell(db, shift, order_id="order-1")
    plain_sale = _sell(db, shift)
    moved = {sale_id: n for sale_id, n in db.execute(
        "SELECT ref_id, COUNT(*) FROM stock_movements GROUP BY ref_id")}
    assert order_sale.id not in moved and moved[plain_sale.id] == 3
    payloads = {json.loads(p)["sale_id"]: json.loads(p) for (p,) in db.execute(
        "SELECT payload FROM outbox WHERE kind = 'sale'")}
    assert payloads[order_sale.id]["movements"] == [] and payloads[order_sale.id]["order_id"] == "order-1"
    assert len(payloads[plain_sale.id]["movements"]) == 3
