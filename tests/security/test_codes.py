"""Signed codes attacked through the services the apps call (pos.services, kiosk.services).

tests/codes/test_codes_signed.py covers the format (round trips, truncation, bit flips,
kinds). Here each code that carries authority is made the way the app makes it (the
receipt's QR by ``hardware.receipts.sale.receipt_code``, the pickup QR by
``retail.orders.pickup_code``, the basket slip by ``KioskServices.basket_code``) and
then forged (signed with a key the store does not have, under the store's key id),
edited (one field changed, the old signature kept), replayed (a pickup of an order
already collected, a receipt whose lines were already returned, a basket already taken
over) and expired. Every one must be refused with a message a cashier or a shopper can
act on, and leave the store as it was.
"""
from __future__ import annotations

import base64
import sqlite3
import time

import pytest

from hardware.receipts.sale import RECEIPT_CODE_TTL_S, receipt_code
from kiosk.services import HANDOFF_TTL_S, KioskServices
from pos.services import PosServices
from retail import keys
from retail import orders as retail_orders
from retail.cart import Cart
from retail.codes.signed import TAG_BYTES, SignatureError, sign
from retail.demo import DemoChain
from retail.demo.load import load_store
from retail.ids import new_id
from retail.orders import OrderError
from retail.returns import ReturnError
from retail.sales import Tender
from ui.services import ServiceError

pytestmark = pytest.mark.security

NOW = (int(time.time()) // 3600) * 3600
STORE = "MSK1"


@pytest.fixture(scope="module")
def chain() -> DemoChain:
    return DemoChain(now=NOW, seed=7, skus=120, stores=1, customers=10)


@pytest.fixture(scope="module")
def templates(tmp_path_factory, chain):
    root = tmp_path_factory.mktemp("codes")
    out = {}
    for terminal in ("P1", "K1"):
        out[terminal] = root / f"{STORE}-{terminal}.db"
        load_store(out[terminal], chain, STORE, terminal_id=terminal)
    return out


def _copy(src, dst):
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    return dst


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def till(tmp_path, templates, clock):
    s = PosServices(_copy(templates["P1"], tmp_path / "till.db"), clock=clock)
    yield s
    s.close()


@pytest.fixture
def kiosk(tmp_path, templates, clock):
    s = KioskServices(_copy(templates["K1"], tmp_path / "kiosk.db"), clock=clock)
    yield s
    s.close()


@pytest.fixture
def people(chain):
    return {row["role"]: row["id"] for row, _pin in chain.staff_pins(STORE) if row["active"]}


def _forge(code: str, kind: str, payload: dict, expires_at: int) -> str:
    """The same code signed by someone who guessed the format but not the store's key."""
    kid = code.split(".")[1]
    return sign(kind, payload, b"not the store's key, 32 bytes!!", kid, expires_at)


def _edit(conn, code: str, kind: str, payload: dict, expires_at: int) -> str:
    """``payload`` (one field changed) encoded as the store would, with the old code's tag."""
    kid = code.split(".")[1]
    secret = keys.verification_keys(conn)[kid]
    other = sign(kind, payload, secret, kid, expires_at)
    head, rest = other.rsplit(".", 1)
    old_tag = _unb64(code.rsplit(".", 1)[1])[-TAG_BYTES:]
    body = _unb64(rest)[:-TAG_BYTES]
    edited = f"{head}.{base64.urlsafe_b64encode(body + old_tag).rstrip(b'=').decode()}"
    assert edited != code and edited != other
    return edited


def _expired(conn, code: str, kind: str, payload: dict) -> str:
    """A genuine code of the store's key whose life ended a minute ago."""
    kid = code.split(".")[1]
    return sign(kind, payload, keys.verification_keys(conn)[kid], kid, NOW - 60)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _counts(conn) -> tuple:
    return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608 - fixed names below
                 for t in ("sales", "outbox", "basket_recalls", "audit"))


def _sku(services, n=1):
    return [r[0] for r in services.conn.execute(
        "SELECT p.sku FROM products p JOIN prices r ON r.sku = p.sku WHERE p.unit = 'pcs' AND p.active = 1 "
        "AND r.kind = 'regular' AND r.valid_from <= ? AND (r.valid_to IS NULL OR r.valid_to > ?) "
        "AND r.price BETWEEN 5000 AND 50000 ORDER BY p.sku LIMIT ?", (NOW, NOW, n))]


# ---------------------------------------------------------------- receipt codes


def _sale(till, people, n=2):
    shift = till.open_shift(people["manager"], 100000)
    cart = Cart()
    for sku in _sku(till, n):
        till.offer(sku).add_to(cart)
    priced = till.price(cart)
    sale = till.commit_sale(priced, [Tender("cash", priced.total)], staff_id=people["manager"], shift_id=shift.id,
                            sale_id=new_id())
    return shift, sale


def test_receipt_codes_forged_edited_expired_are_refused(till, people):
    shift, sale = _sale(till, people)
    code = receipt_code(till.conn, sale, NOW)
    assert till.find_receipt(code).id == sale.id
    expires = NOW + RECEIPT_CODE_TTL_S
    payload = {"receipt": sale.number, "sale_id": sale.id, "store": STORE}
    before = _counts(till.conn)
    with pytest.raises(SignatureError, match="forged or edited") as forged:
        till.find_receipt(_forge(code, "receipt", payload, expires))
    assert forged.value.reason == "forged"
    # Pointing the QR at another sale (the thief's own, expensive one) keeps nothing of the signature.
    for field, value in (("sale_id", new_id()), ("receipt", sale.number[:-1] + "9"), ("store", "MSK2")):
        with pytest.raises(SignatureError, match="forged or edited"):
            till.find_receipt(_edit(till.conn, code, "receipt", {**payload, field: value}, expires))
    with pytest.raises(SignatureError, match="forged or edited"):  # a longer life, same signature
        till.find_receipt(_edit(till.conn, code, "receipt", payload, expires + 86400))
    old = _expired(till.conn, code, "receipt", payload)
    with pytest.raises(SignatureError, match="expired at") as expired:
        till.find_receipt(old)
    assert expired.value.reason == "expired"
    assert _counts(till.conn) == before


def test_a_receipt_code_returns_each_line_once(till, people):
    shift, sale = _sale(till, people)
    code = receipt_code(till.conn, sale, NOW)
    found = till.find_receipt(code)
    lines = [(line.line_no, line.qty_milli) for line in found.lines]
    till.return_sale(found.id, lines, None, staff_id=people["manager"], shift_id=shift.id, return_id=new_id())
    before = _counts(till.conn)
    again = till.find_receipt(code)  # the receipt is still found (a part return is legitimate)
    assert all(r.left_milli == 0 for r in till.returnable(again.id))
    with pytest.raises(ReturnError, match="already returned in full"):
        till.return_sale(again.id, lines[:1], None, staff_id=people["manager"], shift_id=shift.id,
                         return_id=new_id())
    with pytest.raises(ReturnError, match="already returned"):
        till.return_sale(again.id, lines, "cash", staff_id=people["manager"], shift_id=shift.id, return_id=new_id())
    assert _counts(till.conn) == before


# ---------------------------------------------------------------- pickup codes


def _ready_order(services, chain, paid: bool | None = None):
    for number, status, secret in chain.pickup_secrets(STORE):
        order = retail_orders.get_order(services.conn, number)
        if status == "ready" and order is not None and order.status == "ready" and (
                paid is None or (order.due == 0) == paid):
            return order, secret
    raise AssertionError("the demo store has no ready pickup order")


@pytest.mark.parametrize("app", ["till", "kiosk"])
def test_pickup_codes_forged_edited_expired_are_refused(request, chain, app, clock):
    services = request.getfixturevalue(app)
    order, secret = _ready_order(services, chain)
    code = retail_orders.pickup_code(services.conn, order.number, secret, NOW)
    expires = NOW + retail_orders.PICKUP_CODE_TTL_S
    payload = {"order": order.number, "secret": secret}
    wrong_secret = f"{(int(secret) + 1) % 10**6:06d}"
    other_number = next(n for n, _s, _c in chain.pickup_secrets(STORE) if n != order.number)
    bad = {
        "forged": _forge(code, "pickup", payload, expires),
        "edited order": _edit(services.conn, code, "pickup", {**payload, "order": other_number}, expires),
        "edited secret": _edit(services.conn, code, "pickup", {**payload, "secret": wrong_secret}, expires),
        "expired": _expired(services.conn, code, "pickup", payload),
    }
    before = _counts(services.conn)
    for what, text in bad.items():
        if app == "till":
            with pytest.raises(SignatureError) as caught:
                services.verify_pickup(code=text)
            assert caught.value.reason == ("expired" if what == "expired" else "forged"), what
        else:
            with pytest.raises(ServiceError) as caught:
                services.check_in(code=text)
            expected = "This pickup code has expired" if what == "expired" else "This code is not valid"
            assert caught.value.message.startswith(expected), (what, caught.value.message)
    # A correctly signed code whose secret is not the order's (a leaked signing of a guess).
    guessed = keys.sign(services.conn, "pickup", {**payload, "secret": wrong_secret}, NOW, 3600)
    with pytest.raises(ServiceError if app == "kiosk" else OrderError, match="does not match"):
        (services.check_in if app == "kiosk" else services.verify_pickup)(code=guessed)
    assert _counts(services.conn) == before
    assert retail_orders.get_order(services.conn, order.id).arrived_at == order.arrived_at


def test_a_pickup_code_collects_once(till, kiosk, people, chain, tmp_path):
    order, secret = _ready_order(till, chain, paid=True)
    code = retail_orders.pickup_code(till.conn, order.number, secret, NOW)
    assert till.verify_pickup(code=code).id == order.id
    assert till.hand_over(order.id, people["cashier"]).status == "collected"
    before = _counts(till.conn)
    again = till.verify_pickup(code=code)
    assert again.status == "collected"
    with pytest.raises(OrderError, match="already collected"):
        till.hand_over(again.id, people["cashier"])
    assert _counts(till.conn) == before
    # The same QR at the kiosk of that store after the till's handover synced: "collected", no arrival.
    with kiosk.conn:
        kiosk.conn.execute("UPDATE orders SET status = 'collected' WHERE id = ?", (order.id,))
    kiosk_before = _counts(kiosk.conn)
    view = kiosk.check_in(code=code)
    assert view.state == "collected"
    assert _counts(kiosk.conn) == kiosk_before


# ---------------------------------------------------------------- basket codes


def test_basket_codes_forged_edited_replayed_expired_are_refused(till, kiosk, people, clock):
    skus = _sku(kiosk, 2)
    cart = Cart()
    for sku in skus:
        kiosk.offer(sku).add_to(cart)
    code = kiosk.basket_code(cart)
    kid = code.split(".")[1]
    assert kid in keys.verification_keys(till.conn)  # the store's till has the store's keys
    expires = NOW + HANDOFF_TTL_S
    payload = {"basket_id": cart.id, "store": STORE, "terminal": "K1",
               "lines": [(i.sku, i.qty_milli) for i in cart.items]}
    before = _counts(till.conn)
    with pytest.raises(SignatureError, match="forged or edited"):
        till.recall_basket(_forge(code, "basket", payload, expires), people["cashier"])
    more = {**payload, "lines": [(skus[0], 50_000)] + payload["lines"][1:]}
    for edited in ({**payload, "basket_id": new_id()}, more, {**payload, "terminal": "K9"}):
        with pytest.raises(SignatureError, match="forged or edited"):
            till.recall_basket(_edit(till.conn, code, "basket", edited, expires), people["cashier"])
    assert _counts(till.conn) == before
    recalled = till.recall_basket(code, people["cashier"])
    assert [(i.sku, i.qty_milli) for i in recalled.cart.items] == payload["lines"]
    with pytest.raises(ServiceError, match="already taken over"):
        till.recall_basket(code, people["cashier"])
    clock.now = NOW + HANDOFF_TTL_S
    with pytest.raises(SignatureError, match="expired at") as expired:
        till.recall_basket(code, people["cashier"])
    assert expired.value.reason == "expired"
    # A code of another kind is not a basket, whoever signed it.
    pickup = keys.sign(till.conn, "pickup", {"order": "MSK1-WEB-000001", "secret": "123456"}, clock.now, 60)
    with pytest.raises(SignatureError, match="not a basket code"):
        till.recall_basket(pickup, people["cashier"])
