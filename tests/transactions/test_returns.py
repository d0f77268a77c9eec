import pytest
from hypothesis import given, settings, strategies as st

from retail import loyalty
from retail.ids import new_id
from retail.returns import (
    BlindLine, ReturnError, commit_blind_return, commit_order_return, commit_return, refund_share,
    returnable_lines,
)
from retail.sales import Tender, commit_sale
from retail.shifts import ShiftError, cash_in_drawer, close_shift, open_shift, x_report
from retail.staff import NotAllowed, approve
from retail.store import connect, transaction
from retail.store.settings import put
from tx_support import (  # noqa: F401
    IDS, NOW, PINS, add_customer, db, events, pcs, priced, put_staff, snapshot,
)

CASHIER, MANAGER = IDS["cashier"], IDS["manager"]
# 3 pieces at 33,33 with 10 % off -> 89,99 for the line: not divisible by 3, so shares round.
ODD = [("p10", "percent_off", {"target": {"skus": ["A"]}, "percent_bp": 1000})]


@pytest.fixture
def shift(db):
    return open_shift(db, CASHIER, 5000_00, NOW)


def _sale(db, shift, tenders=None, customer=None, cart=None):
    cart = cart or priced(pcs(1, "A", 3, 33_33), pcs(2, "B", 2, 100_00, vat=1000), pcs(3, "C", 1, 7_77),
                          promotions=ODD)
    return commit_sale(db, cart, tenders or [Tender("cash", cart.total)], staff_id=CASHIER, shift_id=shift.id,
                       customer=customer, now=NOW + 10)


def _return(db, shift, sale_id, lines, refund=None, **kw):
    kw.setdefault("staff_id", MANAGER)
    kw.setdefault("now", NOW + 20)
    return commit_return(db, sale_id, lines, refund, shift_id=shift.id, **kw)


@pytest.mark.parametrize("total, sold, parts, refunds", [
    (8999, 3, [1, 1, 1], [3000, 3000, 2999]),   # per unit, the last unit takes the remainder
    (8999, 3, [2, 1], [5999, 3000]),
    (8999, 3, [1, 2], [3000, 5999]),
    (8999, 3, [3], [8999]),
    (7, 10, [1] * 10, [1] * 7 + [0] * 3),       # never more than is left, even for tiny amounts
    (100, 3, [1, 1, 1], [33, 33, 34]),
    (6825, 455, [200, 255], [3000, 3825]),       # weighed: 455 g, returned as 200 g then 255 g
])
def test_refund_share_table(total, sold, parts, refunds):
    before = refunded = 0
    got = []
    for q in parts:
        got.append(refund_share(total, sold, before, refunded, q))
        before += q
        refunded += got[-1]
    assert got == refunds


@given(st.integers(0, 10**7), st.lists(st.integers(1, 5), min_size=1, max_size=8))
def test_refund_shares_always_sum_to_the_whole(total, parts):
    sold, before, got = sum(parts), 0, 0
    for q in parts:
        piece = refund_share(total, sold, before, got, q)
        assert 0 <= piece <= total - got
        got += piece
        before += q
    assert got == total


def test_returnable_lines_and_partial_returns(db, shift):
    sale = _sale(db, shift)
    line_a = sale.lines[0]
    assert [(r.line_no, r.sold_milli, r.left_milli) for r in returnable_lines(db, sale.id)] == [
        (1, 3000, 3000), (2, 2000, 2000), (3, 1000, 1000)]
    first = _return(db, shift, sale.id, [(1, 1000)])
    assert (first.kind, first.number, first.original_sale_id, first.original_number) == (
        "return", "MSK1-P1-000002", sale.id, sale.number)
    assert first.total == -refund_share(line_a.amount, 3000, 0, 0, 1000)
    assert [(l.original_line_no, l.qty_milli) for l in first.lines] == [(1, -1000)]
    second = _return(db, shift, sale.id, [(1, 2000), (3, 1000)])
    state = {r.line_no: r for r in returnable_lines(db, sale.id)}
    assert (state[1].left_milli, state[1].refunded, state[3].left_milli) == (0, line_a.amount, 0)
    assert -(first.lines[0].amount + second.lines[0].amount) == line_a.amount
    assert -(first.lines[0].discount + second.lines[0].discount) == line_a.discount
    assert -(first.lines[0].vat_amount + second.lines[0].vat_amount) == line_a.vat_amount
    with pytest.raises(ReturnError, match=r"line 1 \(A\) was already returned in full"):
        _return(db, shift, sale.id, [(1, 1000)])
    with pytest.raises(ReturnError, match=r"line 2 \(B\): 2 sold, 0 already returned, only 2 can come back"):
        _return(db, shift, sale.id, [(2, 3000)])


@pytest.mark.parametrize("lines, message", [
    ([], "at least one line"),
    ([(9, 1000)], "has no line 9"),
    ([(1, 0)], "more than zero"),
    ([(1, -1000)], "more than zero"),
    ([(1, 1.5)], "more than zero"),
    ([(1, 1000), (1, 1000)], "listed twice"),
    ([(2, 500)], "whole pieces"),
    ([7], "line number, quantity"),
    ([([1], 1000)], "has no line"),
])
def test_bad_return_requests_write_nothing(db, shift, lines, message):
    sale = _sale(db, shift)
    before = snapshot(db)
    with pytest.raises(ReturnError, match=message):
        _return(db, shift, sale.id, lines)
    assert snapshot(db) == before


def test_full_return_refunds_exactly_what_was_paid_to_each_tender(db, shift):
    add_customer(db, balance=500)
    sale = _sale(db, shift, [Tender("points", 20_00), Tender("card", 150_00), Tender("cash", 1000_00)],
                 customer="cust-1")
    paid = {t.kind: t.amount for t in sale.tenders}
    drawer = cash_in_drawer(db, shift.id)
    parts = [[(1, 1000)], [(2, 1000), (3, 1000)], [(1, 1000)], [(1, 1000), (2, 1000)]]
    returns = [_return(db, shift, sale.id, p, now=NOW + 20 + i) for i, p in enumerate(parts)]
    assert -sum(r.total for r in returns) == sale.total
    refunded: dict[str, int] = {}
    for r in returns:
        for t in r.tenders:
            refunded[t.kind] = refunded.get(t.kind, 0) - t.amount
    assert refunded == paid
    assert cash_in_drawer(db, shift.id) == drawer - paid["cash"]
    # Loyalty: all points earned are reversed, the 20 redeemed come back; net effect zero.
    net = db.execute("SELECT SUM(points) FROM loyalty_events").fetchone()[0]
    assert net == 0
    assert loyalty.get_account(db, "cust-1").balance == 500
    assert all(e["kind"] == "reverse" for ev in events(db, "return") for e in ev["loyalty"])
    assert all(l.left_milli == 0 for l in returnable_lines(db, sale.id))


def test_return_event_movements_and_restock(db, shift):
    sale = _sale(db, shift)
    ret = _return(db, shift, sale.id, [(2, 1000)])
    (event,) = events(db, "return")
    assert (event["sale_id"], event["original_sale_id"], event["original_number"], event["total"]) == (
        ret.id, sale.id, sale.number, ret.total)
    assert event["lines"][0]["original_line_no"] == 2 and event["lines"][0]["qty_milli"] == -1000
    assert [(m["sku"], m["delta_milli"]) for m in event["movements"]] == [("B", 1000)]
    assert event["tenders"] == [{"kind": "cash", "amount": ret.total, "reference": ""}]
    row = db.execute("SELECT sku, delta_milli, reason, ref_id, outbox_seq FROM stock_movements WHERE reason = 'return'").fetchone()
    assert tuple(row) == ("B", 1000, "return", ret.id, event["_seq"])
    assert ret.outbox_seq == event["_seq"]


def test_refund_in_cash_or_listed_tenders(db, shift):
    sale = _sale(db, shift, [Tender("card", 100_00), Tender("cash", 200_00)])
    in_cash = _return(db, shift, sale.id, [(3, 1000)], "cash")
    assert [(t.kind, t.amount) for t in in_cash.tenders] == [("cash", in_cash.total)]
    line1 = refund_share(sale.lines[0].amount, 3000, 0, 0, 1000)
    with pytest.raises(ReturnError, match="come to 1,00 ₽ but the refund is"):
        _return(db, shift, sale.id, [(1, 1000)], [Tender("card", 1_00)])
    with pytest.raises(ReturnError, match="cannot be refunded to points"):
        _return(db, shift, sale.id, [(1, 1000)], [Tender("points", line1)])
    listed = _return(db, shift, sale.id, [(1, 1000)], [Tender("card", line1 - 5_00, "RRN 9"), Tender("cash", 5_00)])
    assert sorted((t.kind, t.amount, t.reference) for t in listed.tenders) == [
        ("card", -(line1 - 5_00), "RRN 9"), ("cash", -5_00, "")]


def test_card_refund_cannot_exceed_what_the_card_paid(db, shift):
    sale = _sale(db, shift, [Tender("card", 10_00), Tender("cash", 500_00)])
    with pytest.raises(ReturnError, match="at most 10,00 ₽ can go back to card"):
        _return(db, shift, sale.id, [(2, 1000)], [Tender("card", 100_00)])


def test_cashier_needs_approval_and_it_is_single_use(db, shift):
    sale = _sale(db, shift)
    before = snapshot(db)
    with pytest.raises(NotAllowed, match="refund needs a manager's approval"):
        _return(db, shift, sale.id, [(3, 1000)], staff_id=CASHIER)
    assert snapshot(db) == before
    approval = approve(db, "refund", CASHIER, PINS["manager"], NOW + 15, {"sale": sale.number})
    ret = _return(db, shift, sale.id, [(3, 1000)], staff_id=CASHIER, approval=approval)
    assert db.execute("SELECT approval_id FROM sales WHERE id = ?", (ret.id,)).fetchone()[0] == approval.id
    with pytest.raises(NotAllowed, match="already used"):
        _return(db, shift, sale.id, [(2, 1000)], staff_id=CASHIER, approval=approval)


def test_return_is_idempotent_by_id(db, shift):
    sale = _sale(db, shift)
    rid = new_id()
    a = _return(db, shift, sale.id, [(1, 1000)], return_id=rid)
    b = _return(db, shift, sale.id, [(1, 1000)], return_id=rid)
    assert a == b
    assert returnable_lines(db, sale.id)[0].returned_milli == 1000
    assert len(events(db, "return")) == 1
    with pytest.raises(ReturnError, match="already used for a sale"):
        _return(db, shift, sale.id, [(1, 1000)], return_id=sale.id)


def test_return_of_a_return_or_unknown_sale(db, shift):
    sale = _sale(db, shift)
    ret = _return(db, shift, sale.id, [(1, 1000)])
    with pytest.raises(ReturnError, match="is itself a return"):
        _return(db, shift, ret.id, [(1, 1000)])
    with pytest.raises(ReturnError, match="no sale"):
        _return(db, shift, "MSK1-P1-000777", [(1, 1000)])


def test_cash_refund_cannot_exceed_the_drawer(db):
    shift = open_shift(db, CASHIER, 0, NOW)
    cart = priced(pcs(1, "TV", 1, 900_00))
    sale = commit_sale(db, cart, [Tender("card", 900_00)], staff_id=CASHIER, shift_id=shift.id, now=NOW)
    with pytest.raises(ReturnError, match="drawer should hold only 0,00 ₽"):
        _return(db, shift, sale.id, [(1, 1000)], "cash")
    assert _return(db, shift, sale.id, [(1, 1000)]).tenders[0].kind == "card"


def test_return_needs_an_open_shift(db, shift):
    sale = _sale(db, shift)
    close_shift(db, shift.id, 0, staff_id=MANAGER, now=NOW + 11)
    with pytest.raises(ShiftError, match="closed"):
        _return(db, shift, sale.id, [(1, 1000)])


# ---------------------------------------------------------------- never more than sold (property)

@settings(max_examples=40, deadline=None)
@given(qtys=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       requests=st.lists(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 4)), min_size=1, max_size=3),
                         max_size=6))
def test_returns_never_exceed_sold_and_full_return_refunds_exactly(qtys, requests):
    conn = connect(":memory:")
    with transaction(conn):
        put(conn, "store_id", "MSK1")
        put(conn, "terminal_id", "P1")
    put_staff(conn, MANAGER, "M", "manager", "2222")
    shift = open_shift(conn, MANAGER, 10**7, NOW)
    cart = priced(*(pcs(i, "A" if i == 1 else f"S{i}", q, 33_33 + 7 * i) for i, q in enumerate(qtys, start=1)),
                  promotions=ODD + [("b", "basket_threshold", {"threshold": 1, "amount": 1_01})])
    sale = commit_sale(conn, cart, [Tender("card", 1_00), Tender("cash", cart.total)], staff_id=MANAGER,
                       shift_id=shift.id, now=NOW)
    returned = {l.line_no: 0 for l in sale.lines}
    for n, request in enumerate(requests):
        wanted = {}
        for no, q in request:
            wanted.setdefault(no, q)
        ok = all(no in returned and returned[no] + q * 1000 <= qtys[no - 1] * 1000 for no, q in wanted.items())
        try:
            commit_return(conn, sale.id, [(no, q * 1000) for no, q in wanted.items()], staff_id=MANAGER,
                          shift_id=shift.id, now=NOW + n)
        except ReturnError:
            assert not ok
            continue
        assert ok
        for no, q in wanted.items():
            returned[no] += q * 1000
    state = {r.line_no: r for r in returnable_lines(conn, sale.id)}
    for line in sale.lines:
        assert state[line.line_no].returned_milli == returned[line.line_no] <= line.qty_milli
        if state[line.line_no].left_milli == 0:
            assert state[line.line_no].refunded == line.amount
    # Return everything that is left: the refunds then add up to the sale exactly.
    rest = [(r.line_no, r.left_milli) for r in state.values() if r.left_milli]
    if rest:
        commit_return(conn, sale.id, rest, staff_id=MANAGER, shift_id=shift.id, now=NOW + 99)
    total_refunded = -conn.execute("SELECT SUM(total) FROM sales WHERE kind = 'return'").fetchone()[0]
    assert total_refunded == sale.total
    by_kind = dict(conn.execute("SELECT t.kind, -SUM(t.amount) FROM tenders t JOIN sales s ON s.id = t.sale_id "
                                "WHERE s.kind = 'return' GROUP BY t.kind").fetchall())
    assert by_kind == {t.kind: t.amount for t in sale.tenders}
    report = x_report(conn, NOW + 100)
    assert report.net_amount == 0 and all(v.gross == 0 and v.vat == 0 for v in report.vat)
    conn.close()


# ---------------------------------------------------------------- blind returns

def test_blind_return_needs_a_manager_approval(db, shift):
    item = BlindLine("KETTLE", "Чайник", 1000, 1999_00, 2000)
    before = snapshot(db)
    with pytest.raises(ReturnError, match="needs a manager's approval"):
        commit_blind_return(db, [item], approval=None, staff_id=MANAGER, shift_id=shift.id, now=NOW)
    assert snapshot(db) == before
    approval = approve(db, "blind_return", CASHIER, PINS["manager"], NOW, {"reason": "gift, no receipt"})
    ret = commit_blind_return(db, [item], approval=approval, staff_id=CASHIER, shift_id=shift.id, now=NOW + 1)
    assert (ret.kind, ret.total, ret.original_sale_id, ret.lines[0].original_line_no) == ("return", -1999_00, None, None)
    assert ret.lines[0].vat_amount == -333_17
    assert [(t.kind, t.amount) for t in ret.tenders] == [("cash", -1999_00)]
    (event,) = events(db, "return")
    assert event["movements"][0]["delta_milli"] == 1000 and event["loyalty"] == []
    with pytest.raises(NotAllowed, match="already used"):
        commit_blind_return(db, [item], approval=approval, staff_id=CASHIER, shift_id=shift.id, now=NOW + 2)
    refund_approval = approve(db, "refund", CASHIER, PINS["manager"], NOW + 3)
    with pytest.raises(NotAllowed, match="not for blind return"):
        commit_blind_return(db, [item], approval=refund_approval, staff_id=CASHIER, shift_id=shift.id, now=NOW + 4)


@pytest.mark.parametrize("item, message", [
    (BlindLine("K", "Kettle", 0, 100, 2000), "quantity above zero"),
    (BlindLine("K", "Kettle", 1000, -1, 2000), "quantity above zero"),
    (BlindLine("K", "Kettle", 1000, 1.5, 2000), "whole numbers"),
    (BlindLine("", "Kettle", 1000, 100, 2000), "scan the product"),
    ("kettle", "must be BlindLine"),
])
def test_bad_blind_lines(db, shift, item, message):
    approval = approve(db, "blind_return", CASHIER, PINS["manager"], NOW)
    with pytest.raises(ReturnError, match=message):
        commit_blind_return(db, [item], approval=approval, staff_id=CASHIER, shift_id=shift.id, now=NOW)


# ---------------------------------------------------------------- web orders

def _order(returned=(0, 0), paid=None):
    return {"id": "ord-1", "number": "WEB-000123", "customer_id": None, "total": 3000_00,
            "paid": 3000_00 if paid is None else paid,
            "lines": [{"line_no": 1, "sku": "SHOE", "name": "Shoes", "qty_milli": 2000, "unit_price": 1000_00,
                       "amount": 1999_99, "vat_rate_bp": 2000, "returned_milli": returned[0]},
                      {"line_no": 2, "sku": "SOCK", "name": "Socks", "qty_milli": 3000, "unit_price": 333_34,
                       "amount": 1000_01, "vat_rate_bp": 2000, "returned_milli": returned[1]}]}


def _order_return(db, shift, order, lines, refund=None, **kw):
    kw.setdefault("staff_id", MANAGER)
    kw.setdefault("now", NOW + 30)
    return commit_order_return(db, order, lines, refund, shift_id=shift.id, **kw)


def test_order_return_refunds_the_prepayment_and_never_twice(db, shift):
    first = _order_return(db, shift, _order(), [(1, 1000), (2, 1000)])
    assert (first.order_id, first.original_number, first.original_sale_id) == ("ord-1", "WEB-000123", None)
    assert first.total == -(1000_00 + 333_34)
    assert [(t.kind, t.amount) for t in first.tenders] == [("prepaid", first.total)]
    # Central has not acknowledged it yet: its returned_milli still says 0, we still know.
    with pytest.raises(ReturnError, match=r"line 1 \(Shoes\): 2 sold, 1 already returned, only 1 can come back"):
        _order_return(db, shift, _order(), [(1, 2000)])
    # Central applied our event and the order fetched now includes it.
    with transaction(db):
        db.execute("UPDATE outbox SET status = 'acked' WHERE seq = ?", (first.outbox_seq,))
    refreshed = _order(returned=(1000, 1000))
    with pytest.raises(ReturnError, match="only 1 can come back"):
        _order_return(db, shift, refreshed, [(1, 2000)])
    second = _order_return(db, shift, refreshed, [(1, 1000), (2, 2000)], "cash")
    assert second.total == -(999_99 + 666_67)
    assert -(first.total + second.total) == 3000_00
    (e1, e2) = events(db, "return")
    assert e2["order_id"] == "ord-1" and e2["tenders"][0]["kind"] == "cash"


def test_order_not_prepaid_refunds_cash(db, shift):
    ret = _order_return(db, shift, _order(paid=0), [(2, 1000)])
    assert [(t.kind, t.amount) for t in ret.tenders] == [("cash", -333_34)]
    with pytest.raises(ReturnError, match="at most 0,00 ₽ can go back to prepaid"):
        _order_return(db, shift, _order(paid=0), [(2, 1000)], [Tender("prepaid", 333_34)])


@pytest.mark.parametrize("order, message", [
    ({}, "incomplete"),
    ({"id": "o", "number": "N", "lines": []}, "incomplete"),
    ({"id": "o", "number": "N", "total": 1, "paid": 0,
      "lines": [{"line_no": 1, "sku": "X", "qty_milli": 1000, "amount": 1, "returned_milli": 2000}]}, "inconsistent"),
    ("not an order", "incomplete"),
])
def test_bad_order_data(db, shift, order, message):
    with pytest.raises(ReturnError, match=message):
        _order_return(db, shift, order, [(1, 1000)])


def test_reports_show_returns_and_refunds(db, shift):
    sale = _sale(db, shift, [Tender("card", 100_00), Tender("cash", 500_00)])
    ret = _return(db, shift, sale.id, [(2, 1000)])     # 100,00 at 10 % VAT, split card / cash
    refunds = {t.kind: -t.amount for t in ret.tenders}
    report = x_report(db, NOW + 50)
    assert (report.sales_count, report.returns_count, report.returns_amount) == (1, 1, -ret.total)
    assert report.net_amount == sale.total + ret.total
    assert {t.kind: (t.sales, t.refunds) for t in report.tenders} == {
        "card": (100_00, refunds["card"]), "cash": (sale.total - 100_00, refunds["cash"])}
    assert report.cash_refunds == refunds["cash"]
    assert report.cash_expected == 5000_00 + sale.total - 100_00 - refunds["cash"]
    vat = {v.rate_bp: v.gross for v in report.vat}
    assert vat[1000] == 100_00 and vat[2000] == sale.total - 200_00
