"""Orders: endless-aisle orders placed here and click-and-collect orders of this store.

An order placed at a kiosk or till is written locally with its lines, its stock holds and
its ``order`` outbox event in one durable transaction, so the shopper gets an order
number and a pickup code even when central is unreachable; central routes it when the
event arrives. Orders from other channels (web, app) arrive in the orders feed.

Statuses: placed -> picking -> ready -> collected, with cancelled from any open status and
expired for a ready order nobody collected in time. Every change writes its event.

Pickup codes: a 6-digit secret the shopper can type, stored only as a SHA-256 hash, and a
signed QR (``retail.codes.signed``, kind ``pickup``) that any terminal of the store can
verify offline. Either proves the shopper holds the confirmation.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
from dataclasses import dataclass

from . import keys, outbox
from .cart import Cart
from .ids import human_number, new_id
from .pricing import PricedCart
from .store import durable
from .store.sequences import next_value
from .store.settings import get_int, identity

PICKUP_CODE_TTL_S = 30 * 86400
OPEN = ("placed", "picking", "ready")
TRANSITIONS = {
    "placed": {"picking", "ready", "cancelled"},
    "picking": {"ready", "cancelled"},
    "ready": {"collected", "cancelled", "expired"},
    "expired": {"collected"},  # a late shopper can still collect if stock was not returned
}


class OrderError(ValueError):
    """An order action that cannot happen; the message says why and what to do."""


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class PlacedOrder:
    id: str
    number: str
    status: str
    total: int
    pickup_secret: str
    pickup_code: str


@dataclass(frozen=True)
class OrderLine:
    line_no: int
    sku: str
    name: str
    qty_milli: int
    unit_price: int
    amount: int
    vat_rate_bp: int
    returned_milli: int


@dataclass(frozen=True)
class Order:
    id: str
    number: str
    channel: str
    fulfilment: str
    status: str
    pickup_store_id: str | None
    customer_id: str | None
    contact: dict
    total: int
    paid: int
    created_at: int
    ready_at: int | None
    expires_at: int | None
    arrived_at: int | None
    lines: tuple[OrderLine, ...]

    @property
    def due(self) -> int:
        """What the shopper still has to pay at handover."""
        return max(self.total - self.paid, 0)


# ---------------------------------------------------------------- contact validation

_PHONE_DIGITS = re.compile(r"\D+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")


def normalize_phone(text: str) -> str:
    """Russian mobile numbers in any usual form -> ``+79161234567``."""
    digits = _PHONE_DIGITS.sub("", text or "")
    if len(digits) == 11 and digits[0] in "78":
        digits = "7" + digits[1:]
    elif len(digits) == 10 and digits[0] == "9":
        digits = "7" + digits
    if len(digits) != 11 or not digits.startswith("79"):
        raise OrderError("enter a mobile phone number like +7 916 123-45-67")
    return "+" + digits


def validate_contact(contact: Contact, fulfilment: str) -> Contact:
    name = " ".join((contact.name or "").split())
    if len(name) < 2:
        raise OrderError("enter the name of the person who will receive the order")
    phone = normalize_phone(contact.phone)
    email = (contact.email or "").strip()
    if email and not _EMAIL.match(email):
        raise OrderError(f"{email!r} is not an e-mail address")
    address = " ".join((contact.address or "").split())
    if fulfilment == "delivery" and len(address) < 8:
        raise OrderError("enter the full delivery address: city, street, house and flat")
    return Contact(name[:100], phone, email[:200], address[:300])


# ---------------------------------------------------------------- pickup codes

def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()


def new_pickup_secret() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def pickup_code(conn: sqlite3.Connection, number: str, secret: str, now: int) -> str:
    return keys.sign(conn, "pickup", {"order": number, "secret": secret}, now, PICKUP_CODE_TTL_S)


def secret_matches(order_hash: str, secret: str) -> bool:
    return bool(order_hash) and hmac.compare_digest(order_hash, hash_secret(secret))


# ---------------------------------------------------------------- placing

def place_order(conn: sqlite3.Connection, cart: Cart, priced: PricedCart, *, channel: str,
                fulfilment: str, pickup_store_id: str | None, contact: Contact, now: int,
                paid: int = 0, payment: dict | None = None, order_id: str | None = None,
                lang: str = "ru") -> PlacedOrder:
    """Record an endless-aisle order here; idempotent by ``order_id``."""
    if channel not in ("kiosk", "pos"):
        raise OrderError(f"orders placed on a terminal come from the kiosk or the till, not {channel!r}")
    if fulfilment not in ("delivery", "pickup"):
        raise OrderError("choose home delivery or pickup in a store")
    if fulfilment == "pickup" and not pickup_store_id:
        raise OrderError("choose the store to pick the order up from")
    if not priced.lines:
        raise OrderError("the basket is empty")
    if paid not in (0, priced.total):
        raise OrderError("an order is either paid in full now or paid at pickup")
    contact = validate_contact(contact, fulfilment)
    order_id = order_id or new_id()
    existing = conn.execute("SELECT number, status, total FROM orders WHERE id = ?", (order_id,)).fetchone()
    if existing:
        return PlacedOrder(order_id, existing[0], existing[1], existing[2], "", "")

    store, terminal = identity(conn)
    secret = new_pickup_secret()
    names = {i.line_no: i.name(lang) for i in cart.items}
    hold_here = fulfilment == "pickup" and pickup_store_id == store
    with durable(conn):
        number = human_number(store, terminal, next_value(conn, "order"))
        code = pickup_code(conn, number, secret, now)
        lines = []
        for n, pl in enumerate(priced.lines, start=1):
            line = pl.line
            unit_price = line.price_override if line.price_override is not None else line.unit_price
            lines.append({"line_no": n, "sku": line.sku, "name": names.get(line.line_no, line.sku),
                          "qty_milli": line.qty_milli, "unit_price": unit_price,
                          "amount": pl.amount, "vat_rate_bp": line.vat_rate_bp, "returned_milli": 0})
        hold_rows = []
        if hold_here:
            from .inventory import available

            for line in lines:
                here = available(conn, line["sku"]).available
                qty = min(here, line["qty_milli"])
                if qty > 0:
                    hold_rows.append({"id": new_id(), "sku": line["sku"], "qty_milli": qty})
        contact_json = json.dumps(contact.__dict__, ensure_ascii=False)
        expires = now + get_int(conn, "pickup_hold_days", 3) * 86400 if fulfilment == "pickup" else None
        payload = {
            "order_id": order_id, "number": number, "channel": channel, "fulfilment": fulfilment,
            "pickup_store_id": pickup_store_id, "customer_id": cart.customer_id,
            "contact": contact.__dict__, "lines": lines, "total": priced.total, "paid": paid,
            "payment": payment or {}, "pickup_code_hash": hash_secret(secret), "created_at": now,
            "holds": hold_rows,
        }
        event = outbox.emit(conn, "order", payload, now=now)
        conn.execute(
            "INSERT INTO orders(id, number, channel, fulfilment, status, pickup_store_id, source_id, "
            "customer_id, contact, total, paid, pickup_code_hash, created_at, updated_at, expires_at, local) "
            "VALUES (?, ?, ?, ?, 'placed', ?, '', ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            (order_id, number, channel, fulfilment, pickup_store_id, cart.customer_id, contact_json,
             priced.total, paid, hash_secret(secret), now, now, expires),
        )
        conn.executemany(
            "INSERT INTO order_lines(order_id, line_no, sku, name, qty_milli, unit_price, amount, vat_rate_bp) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(order_id, l["line_no"], l["sku"], l["name"], l["qty_milli"], l["unit_price"], l["amount"],
              l["vat_rate_bp"]) for l in lines],
        )
        conn.executemany(
            "INSERT INTO holds(id, sku, qty_milli, order_id, outbox_seq, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(h["id"], h["sku"], h["qty_milli"], order_id, event.seq, now) for h in hold_rows],
        )
    return PlacedOrder(order_id, number, "placed", priced.total, secret, code)


# ---------------------------------------------------------------- reading

def get_order(conn: sqlite3.Connection, id_or_number: str) -> Order | None:
    row = conn.execute(
        "SELECT id, number, channel, fulfilment, status, pickup_store_id, customer_id, contact, total, "
        "paid, created_at, ready_at, expires_at, arrived_at FROM orders WHERE id = ? OR number = ?",
        (id_or_number, id_or_number.strip().upper()),
    ).fetchone()
    if row is None:
        return None
    lines = tuple(OrderLine(*r) for r in conn.execute(
        "SELECT line_no, sku, name, qty_milli, unit_price, amount, vat_rate_bp, returned_milli "
        "FROM order_lines WHERE order_id = ? ORDER BY line_no", (row[0],)))
    contact = json.loads(row[7]) if row[7] else {}
    return Order(row[0], row[1], row[2], row[3], row[4], row[5], row[6], contact, row[8], row[9],
                 row[10], row[11], row[12], row[13], lines)


def orders_for_store(conn: sqlite3.Connection, store_id: str, statuses=OPEN + ("expired",),
                     limit: int = 200) -> list[Order]:
    marks = ",".join("?" * len(statuses))
    ids = [r[0] for r in conn.execute(
        f"SELECT id FROM orders WHERE pickup_store_id = ? AND fulfilment = 'pickup' AND status IN ({marks}) "
        "ORDER BY status, created_at LIMIT ?", (store_id, *statuses, limit))]
    return [o for o in (get_order(conn, i) for i in ids) if o]


def overdue(conn: sqlite3.Connection, store_id: str, now: int) -> list[Order]:
    """Ready orders past their pickup time: to mark expired and put back on the shelf."""
    ids = [r[0] for r in conn.execute(
        "SELECT id FROM orders WHERE pickup_store_id = ? AND status = 'ready' AND expires_at IS NOT NULL "
        "AND expires_at <= ? ORDER BY expires_at", (store_id, now))]
    return [o for o in (get_order(conn, i) for i in ids) if o]


# ---------------------------------------------------------------- status changes

def set_status(conn: sqlite3.Connection, order_id: str, status: str, *, staff_id: str, now: int) -> Order:
    order = get_order(conn, order_id)
    if order is None:
        raise OrderError("no such order on this terminal")
    if status == order.status:
        return order
    if status not in TRANSITIONS.get(order.status, set()):
        raise OrderError(f"order {order.number} is {order.status}; it cannot become {status}")
    with durable(conn):
        expires = order.expires_at
        if status == "ready":
            expires = now + get_int(conn, "pickup_hold_days", 3) * 86400
        conn.execute(
            "UPDATE orders SET status = ?, updated_at = ?, ready_at = CASE WHEN ? = 'ready' THEN ? ELSE ready_at END, "
            "expires_at = ? WHERE id = ?",
            (status, now, status, now, expires, order_id),
        )
        if status in ("cancelled", "expired"):
            conn.execute("UPDATE holds SET released_at = ? WHERE order_id = ? AND released_at IS NULL", (now, order_id))
        outbox.emit(conn, "order_status", {"order_id": order_id, "status": status, "at": now,
                                           "staff_id": staff_id}, now=now)
    return get_order(conn, order_id)


def verify_pickup(conn: sqlite3.Connection, *, now: int, code: str | None = None,
                  number: str | None = None, secret: str | None = None) -> Order:
    """Check a pickup QR (signature, offline) or a typed number + code; return the order.

    Raises ``OrderError`` or ``retail.codes.signed.SignatureError`` with a message for the
    shopper. Says plainly when the order is not ready yet, expired or already collected.
    """
    if code:
        signed_payload = keys.verify(conn, code, now, expect_kind="pickup")
        number, secret = signed_payload.payload["order"], signed_payload.payload["secret"]
    if not number or not secret:
        raise OrderError("scan the QR code from your order confirmation, or type the order number and code")
    order = get_order(conn, number)
    if order is None:
        raise OrderError(f"order {number} is not known in this store; check the number or ask at the till")
    row = conn.execute("SELECT pickup_code_hash FROM orders WHERE id = ?", (order.id,)).fetchone()
    if not secret_matches(row[0], secret):
        raise OrderError("that code does not match the order; check the code in your confirmation")
    return order


def record_arrival(conn: sqlite3.Connection, order_id: str, now: int) -> Order:
    """The shopper checked in at the kiosk: staff see it in the till's handover list."""
    order = get_order(conn, order_id)
    if order is None:
        raise OrderError("no such order")
    if order.status != "ready":
        raise OrderError(f"order {order.number} is {order.status}")
    with durable(conn):
        conn.execute("UPDATE orders SET arrived_at = ?, updated_at = ? WHERE id = ?", (now, now, order_id))
        outbox.emit(conn, "order_arrived", {"order_id": order_id, "at": now}, now=now)
    return get_order(conn, order_id)


def hand_over(conn: sqlite3.Connection, order_id: str, *, staff_id: str, now: int,
              sale_id: str | None = None) -> Order:
    """Give the order to the shopper: collected, holds released, ``pickup`` event."""
    order = get_order(conn, order_id)
    if order is None:
        raise OrderError("no such order")
    if order.status == "collected":
        raise OrderError(f"order {order.number} was already collected")
    if order.status not in ("ready", "expired"):
        raise OrderError(f"order {order.number} is {order.status}, not ready for pickup yet")
    if order.due and not sale_id:
        raise OrderError(f"order {order.number} is not paid: take the payment first")
    with durable(conn):
        conn.execute("UPDATE orders SET status = 'collected', updated_at = ? WHERE id = ?", (now, order_id))
        conn.execute("UPDATE holds SET released_at = ? WHERE order_id = ? AND released_at IS NULL", (now, order_id))
        outbox.emit(conn, "pickup", {"order_id": order_id, "at": now, "staff_id": staff_id,
                                     "sale_id": sale_id}, now=now)
    return get_order(conn, order_id)
