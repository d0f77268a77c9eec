"""``web-order``: place a web order as the online shop would, directly or over HTTP."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import requests

from ..errors import Invalid
from ..storage import transaction
from ..weborders import WebLine, WebOrder, place
from .common import now, open_db


def register(sub) -> None:
    p = sub.add_parser("web-order", help="place a web order (home delivery or click-and-collect)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="write straight into this database")
    where.add_argument("--url", help="or call a running central, e.g. http://127.0.0.1:8700")
    p.add_argument("--token", help="web channel token (with --url)")
    p.add_argument("--item", action="append", required=True, metavar="SKU[:QTY]",
                   help="SKU and quantity in pieces (or kg: 0.5); repeat for more lines")
    p.add_argument("--pickup", metavar="STORE", help="click-and-collect at this store")
    p.add_argument("--delivery", metavar="ADDRESS", help="home delivery to this address")
    p.add_argument("--name", default="Покупатель Сайта")
    p.add_argument("--phone", default="+7 900 000-00-00")
    p.add_argument("--email", default="")
    p.add_argument("--customer", help="loyalty customer id")
    p.add_argument("--card", help="loyalty card number")
    p.add_argument("--coupon", action="append", default=[])
    p.add_argument("--pay-on-pickup", action="store_true", help="not prepaid online")
    p.add_argument("--json", action="store_true", help="print the whole confirmation as JSON")
    p.set_defaults(run=run, db_must_exist=True)


def parse_item(text: str) -> tuple[str, int]:
    sku, _, qty = text.partition(":")
    if not sku:
        raise Invalid(f"--item {text!r}: give SKU or SKU:QTY")
    if not qty:
        return sku, 1000
    try:
        whole, _, frac = qty.replace(",", ".").partition(".")
        if len(frac) > 3 or not (whole or frac).isdigit() or (frac and not frac.isdigit()):
            raise ValueError
        milli = int(whole or 0) * 1000 + int((frac + "000")[:3])
    except ValueError:
        raise Invalid(f"--item {text!r}: quantity must be a number like 2 or 0.5") from None
    if milli <= 0:
        raise Invalid(f"--item {text!r}: quantity must be positive")
    return sku, milli


def run(args) -> int:
    if bool(args.pickup) == bool(args.delivery):
        raise Invalid("choose one of --pickup STORE or --delivery ADDRESS")
    items = [parse_item(i) for i in args.item]
    body = {"fulfilment": "pickup" if args.pickup else "delivery",
            "pickup_store_id": args.pickup.upper() if args.pickup else None,
            "contact": {"name": args.name, "phone": args.phone, "email": args.email, "address": args.delivery or ""},
            "lines": [{"sku": sku, "qty_milli": qty} for sku, qty in items], "coupons": args.coupon,
            "prepaid": not args.pay_on_pickup, "customer_id": args.customer, "card": args.card}
    if args.url:
        if not args.token:
            raise Invalid("--url needs --token (python -m central channel add prints one)")
        response = requests.post(f"{args.url.rstrip('/')}/api/v1/web/orders", json=body, timeout=30,
                                 headers={"Authorization": f"Bearer {args.token}"})
        if response.status_code != 201:
            detail = response.json().get("detail") if response.headers.get("content-type", "").startswith(
                "application/json") else response.text
            print(f"error: central answered {response.status_code}: {detail}", file=sys.stderr)
            return 1
        placed = response.json()
    else:
        order = WebOrder(fulfilment=body["fulfilment"], pickup_store_id=body["pickup_store_id"],
                         contact=body["contact"], coupons=body["coupons"], prepaid=body["prepaid"],
                         customer_id=args.customer, card=args.card,
                         lines=[WebLine(qty_milli=qty, sku=sku) for sku, qty in items])
        conn = open_db(args)
        with transaction(conn):
            placed = place(conn, order, now())
        conn.close()
    if args.json:
        print(json.dumps(placed, ensure_ascii=False, indent=2))
    else:
        print(f"order {placed['number']} total {placed['total']} kopecks, ships from {placed['source_id']}")
        if placed.get("pickup_secret"):
            print(f"pickup code {placed['pickup_secret']}")
        if placed.get("pickup_code"):
            print(f"pickup QR {placed['pickup_code']}")
    return 0
