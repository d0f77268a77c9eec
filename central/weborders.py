"""Web and app orders: priced by the shared engine, routed, reserved, with a pickup code.

The online shop sends SKUs (or barcodes) and quantities; central prices them with
``retail.pricing`` - the same function the kiosk and the till run - on the price book
of the pickup store (click-and-collect) or of the chain's warehouse (home delivery), so
a basket costs the same in every channel. The order gets a human number
``WEB-SHOP-000123`` and, for pickup, a 6-digit secret shown to the shopper once (central
keeps its SHA-256) plus a QR code signed with the pickup store's key
(``retail.codes.signed``, kind ``pickup``) that the store's terminals verify offline.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass, field

from retail.codes import signed
from retail.ids import human_number, new_id
from retail.money import MILLI
from retail.pricing import CartLine, Customer, PricingContext, PricingError, Promotion, PromotionError, price_cart

from . import ordering
from .errors import Invalid, NotFound
from .storage import catalogue, chain, customers, versions

log = logging.getLogger("central.web")

PICKUP_CODE_TTL_S = 30 * 86400
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")


@dataclass(frozen=True)
class WebLine:
    qty_milli: int
    sku: str | None = None
    barcode: str | None = None


@dataclass(frozen=True)
class WebOrder:
    fulfilment: str
    lines: list[WebLine]
    contact: dict
    pickup_store_id: str | None = None
    customer_id: str | None = None
    card: str | None = None
    coupons: list[str] = field(default_factory=list)
    prepaid: bool = True
    channel: str = "web"


def normalize_phone(text: str) -> str:
    """Russian mobile numbers in any usual form -> ``+79161234567``."""
    digits = re.sub(r"\D+", "", text or "")
    if len(digits) == 11 and digits[0] in "78":
        digits = "7" + digits[1:]
    elif len(digits) == 10 and digits[0] == "9":
        digits = "7" + digits
    if len(digits) != 11 or not digits.startswith("79"):
        raise Invalid(f"contact.phone {text!r} is not a mobile number like +7 916 123-45-67")
    return "+" + digits


def check_contact(contact: dict, fulfilment: str) -> dict:
    name = " ".join(str(contact.get("name") or "").split())
    if len(name) < 2:
        raise Invalid("contact.name: enter the name of the person who receives the order")
    email = str(contact.get("email") or "").strip()
    if email and not _EMAIL.match(email):
        raise Invalid(f"contact.email {email!r} is not an e-mail address")
    address = " ".join(str(contact.get("address") or "").split())
    if fulfilment == "delivery" and len(address) < 8:
        raise Invalid("contact.address: enter the full delivery address (city, street, house, flat)")
    out = {"name": name[:100], "phone": normalize_phone(str(contact.get("phone") or "")), "email": email[:200]}
    if address:
        out["address"] = address[:300]
    return out


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()


def _price_store(conn, order: WebOrder) -> str:
    if order.fulfilment == "pickup":
        return order.pickup_store_id or ""
    sites = ordering.sites(conn)
    warehouses = [s.id for s in sites if s.kind == "warehouse"]
    return (warehouses or [s.id for s in sites if s.kind == "store"] or [""])[0]


def _customer(conn, order: WebOrder) -> Customer | None:
    customer_id = order.customer_id
    if order.card:
        found = customers.by_card(conn, order.card)
        if found is None:
            raise NotFound("loyalty card not found; check the number")
        if found[1]:
            raise Invalid("this loyalty card is blocked")
        if customer_id and customer_id != found[0]:
            raise Invalid("the card belongs to another customer")
        customer_id = found[0]
    if not customer_id:
        return None
    row = customers.get(conn, customer_id)
    if row is None:
        raise NotFound(f"customer {customer_id} not found")
    return Customer(row["id"], row["tier"])


def _promotions(conn, store_id: str) -> list[Promotion]:
    out = []
    for row in catalogue.promotions_for(conn, store_id):
        try:
            out.append(Promotion(
                id=row["id"], kind=row["kind"], name=row["name_ru"], params=json.loads(row["params"]),
                priority=row["priority"], exclusive=bool(row["exclusive"]), stackable=bool(row["stackable"]),
                valid_from=row["valid_from"], valid_to=row["valid_to"], coupon_code=row["coupon_code"],
                tier=row["tier"], customer_id=row["customer_id"]))
        except PromotionError as exc:  # validated on write; a row that still fails is skipped, loudly
            log.error("promotion %s skipped: %s", row["id"], exc)
    return out


def _cart(conn, order: WebOrder, store_id: str, now: int) -> tuple[list[CartLine], dict]:
    if not order.lines:
        raise Invalid("the order has no lines")
    if len(order.lines) > 200:
        raise Invalid("at most 200 lines per order")
    skus = []
    for i, line in enumerate(order.lines, start=1):
        sku = line.sku
        if not sku and line.barcode:
            sku = catalogue.sku_for_barcode(conn, line.barcode)
            if sku is None:
                raise NotFound(f"line {i}: no product has barcode {line.barcode}")
        if not sku:
            raise Invalid(f"line {i}: give a sku or a barcode")
        skus.append(sku)
    products = catalogue.products(conn, skus)
    book = catalogue.price_book(conn, store_id, skus, now)
    lines = []
    for i, (sku, line) in enumerate(zip(skus, order.lines), start=1):
        product = products.get(sku)
        if product is None:
            raise NotFound(f"line {i}: unknown SKU {sku}")
        if not product["active"]:
            raise Invalid(f"line {i}: {product['name_ru']} ({sku}) is no longer sold")
        prices = book.get(sku, {})
        if "regular" not in prices:
            raise Invalid(f"line {i}: {sku} has no price at {store_id} today")
        if product["unit"] == "pcs" and line.qty_milli % MILLI:
            raise Invalid(f"line {i}: {sku} is sold by the piece; order whole pieces")
        try:
            lines.append(CartLine(line_no=i, sku=sku, qty_milli=line.qty_milli, unit_price=prices["regular"],
                                  vat_rate_bp=product["vat_rate_bp"], category_id=product["category_id"],
                                  brand_id=product["brand_id"], unit=product["unit"], label_price=prices.get("label")))
        except PricingError as exc:
            raise Invalid(str(exc)) from None
    return lines, products


def place(conn, order: WebOrder, now: int) -> dict:
    """Price, route and record a web order in the caller's transaction; returns the
    confirmation (with the pickup secret and QR code, shown this once)."""
    if order.fulfilment not in ("pickup", "delivery"):
        raise Invalid("fulfilment must be 'pickup' or 'delivery'")
    if order.channel not in ("web", "app"):
        raise Invalid("channel must be 'web' or 'app'")
    if order.fulfilment == "pickup" and not order.pickup_store_id:
        raise Invalid("pickup_store_id: choose the store to collect the order from")
    if order.fulfilment == "pickup":
        site = next((s for s in ordering.sites(conn) if s.id == order.pickup_store_id), None)
        if site is None or site.kind != "store":
            raise NotFound(f"pickup store {order.pickup_store_id!r} is not a store of this chain")
    contact = check_contact(order.contact, order.fulfilment)
    store_id = _price_store(conn, order)
    lines, products = _cart(conn, order, store_id, now)
    customer = _customer(conn, order)
    try:
        priced = price_cart(lines, _promotions(conn, store_id),
                            PricingContext(now=now, customer=customer, coupons=frozenset(order.coupons)))
    except PricingError as exc:
        raise Invalid(str(exc)) from None
    number = human_number("WEB" if order.channel == "web" else "APP", "SHOP", versions.next_sequence(conn, "web_order"))
    secret = f"{secrets.randbelow(10**6):06d}" if order.fulfilment == "pickup" else ""
    order_lines = [{"line_no": pl.line.line_no, "sku": pl.line.sku, "name": products[pl.line.sku]["name_ru"],
                    "qty_milli": pl.line.qty_milli, "unit_price": pl.line.unit_price, "amount": pl.amount,
                    "vat_rate_bp": pl.line.vat_rate_bp} for pl in priced.lines]
    header = {"id": new_id(), "number": number, "channel": order.channel, "fulfilment": order.fulfilment,
              "pickup_store_id": order.pickup_store_id if order.fulfilment == "pickup" else None,
              "customer_id": customer.id if customer else None, "contact": contact, "total": priced.total,
              "paid": priced.total if order.prepaid else 0,
              "payment": {"kind": "online", "prepaid": order.prepaid},
              "pickup_code_hash": hash_secret(secret) if secret else "", "created_at": now}
    placed = ordering.place(conn, header, order_lines, source=order.channel)
    pickup_code = None
    if secret:
        key = chain.signing_key(conn, order.pickup_store_id, now)
        if key is not None:
            pickup_code = signed.sign("pickup", {"order": number, "secret": secret}, key[1], key[0],
                                      now + PICKUP_CODE_TTL_S)
        else:
            log.warning("store %s has no signing key: order %s gets no pickup QR", order.pickup_store_id, number)
    log.info("web order %s placed: %s, %d lines, total %d, from %s", number, order.fulfilment, len(order_lines),
             priced.total, placed["source_id"])
    return {**placed, "paid": header["paid"], "subtotal": priced.subtotal, "discount": priced.discount_total,
            "pickup_store_id": header["pickup_store_id"], "pickup_secret": secret or None,
            "pickup_code": pickup_code, "lines": [{**ln, "discount": pl.discount}
                                                  for ln, pl in zip(order_lines, priced.lines)],
            "applied_promotions": list(priced.applied)}
