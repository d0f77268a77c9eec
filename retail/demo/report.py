"""What a demo terminal store holds, as text for the person who just built it.

Counts come from the local store itself (so the report shows what was written, not what
was meant to be), names and demo secrets from the generator (a store keeps only hashes of
PINs and pickup codes). Money goes through :func:`retail.money.format_money`.
"""
from __future__ import annotations

import sqlite3

from retail import prices
from retail.money import format_money

from .chain import DemoChain
from .products import HERO


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _one(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> int:
    return conn.execute(sql, params).fetchone()[0]


def describe(conn: sqlite3.Connection, chain: DemoChain, store_id: str, terminal_id: str) -> list[str]:
    now = chain.now
    store = conn.execute("SELECT name_ru, city_ru, address FROM stores WHERE id = ?", (store_id,)).fetchone()
    out = [f"Vitrina demo: store {store_id} «{store[0]}» at {store[2]}, terminal {terminal_id}, seed {chain.seed}"]

    locations = conn.execute("SELECT id, kind, pickup FROM stores").fetchall()
    order = {sid: k for k, sid in enumerate(chain.location_ids)}
    locations.sort(key=lambda r: order.get(r[0], len(order)))
    shops = [f"{r[0]}{'' if r[2] else ' (no pickup)'}" for r in locations if r[1] == "store"]
    depots = [r[0] for r in locations if r[1] == "warehouse"]
    out.append(f"Stores:      {len(shops)} ({', '.join(shops)}) + warehouse {', '.join(depots)}")

    products = _one(conn, "SELECT COUNT(*) FROM products")
    weighed = _one(conn, "SELECT COUNT(*) FROM products WHERE unit = 'kg'")
    inactive = _one(conn, "SELECT COUNT(*) FROM products WHERE active = 0")
    out.append(f"Catalogue:   {_n(products)} SKUs ({_n(weighed)} weighed, with PLU; {_n(inactive)} delisted), "
               f"{_n(_one(conn, 'SELECT COUNT(*) FROM barcodes'))} barcodes, "
               f"{_n(_one(conn, 'SELECT COUNT(*) FROM categories'))} categories, "
               f"{_n(_one(conn, 'SELECT COUNT(*) FROM brands'))} brands")

    by_kind = dict(conn.execute("SELECT kind, COUNT(*) FROM prices GROUP BY kind").fetchall())
    future = _one(conn, "SELECT COUNT(*) FROM prices WHERE valid_from > ?", (now,))
    low, high = conn.execute("SELECT MIN(price), MAX(price) FROM prices WHERE kind = 'regular' AND valid_from <= ? "
                             "AND (valid_to IS NULL OR valid_to > ?)", (now, now)).fetchone()
    out.append(f"Prices:      {_n(sum(by_kind.values()))} rows (regular {_n(by_kind.get('regular', 0))}, "
               f"label {_n(by_kind.get('label', 0))}; {_n(future)} scheduled), "
               f"{format_money(low or 0)} to {format_money(high or 0)}")

    stocked = _one(conn, "SELECT COUNT(*) FROM stock")
    sold_out = _one(conn, "SELECT COUNT(*) FROM stock WHERE on_hand_milli <= 0")
    network = conn.execute("SELECT location_id, COUNT(*) FROM network_stock GROUP BY location_id "
                           "ORDER BY location_id").fetchall()
    out.append(f"Stock:       {_n(stocked)} SKUs carried here ({_n(sold_out)} sold out), "
               f"{_n(products - stocked)} only elsewhere; network rows: "
               + ", ".join(f"{loc} {_n(n)}" for loc, n in network))

    kinds = conn.execute("SELECT kind, COUNT(*) FROM promotions GROUP BY kind ORDER BY kind").fetchall()
    active = _one(conn, "SELECT COUNT(*) FROM promotions WHERE (valid_from IS NULL OR valid_from <= ?) "
                        "AND (valid_to IS NULL OR valid_to > ?)", (now, now))
    coupons = [r[0] for r in conn.execute("SELECT DISTINCT coupon_code FROM promotions WHERE coupon_code IS NOT NULL "
                                          "ORDER BY coupon_code")]
    personal = _one(conn, "SELECT COUNT(*) FROM promotions WHERE customer_id IS NOT NULL")
    tiers = _one(conn, "SELECT COUNT(*) FROM promotions WHERE tier IS NOT NULL")
    out.append(f"Promotions:  {sum(n for _, n in kinds)} ({_n(active)} active now): "
               + ", ".join(f"{kind} {n}" for kind, n in kinds))
    out.append(f"             coupons {', '.join(coupons) or '-'}; {tiers} tier offers; {personal} personal offers")

    tiers_count = dict(conn.execute("SELECT tier, COUNT(*) FROM customers GROUP BY tier").fetchall())
    cards = _one(conn, "SELECT COUNT(*) FROM loyalty_cards")
    blocked = _one(conn, "SELECT COUNT(*) FROM loyalty_cards WHERE blocked = 1")
    out.append(f"Customers:   {_n(sum(tiers_count.values()))} (gold {_n(tiers_count.get('gold', 0))}, "
               f"silver {_n(tiers_count.get('silver', 0))}, base {_n(tiers_count.get('base', 0))}), "
               f"{_n(cards)} cards ({_n(blocked)} blocked)")

    statuses = conn.execute("SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY status").fetchall()
    out.append(f"Orders:      {sum(n for _, n in statuses)}: " + ", ".join(f"{s} {n}" for s, n in statuses))

    out.append("")
    out.append("Staff (demo PINs):")
    for row, pin in chain.staff_pins(store_id):
        state = "" if row["active"] else "  (inactive: must be refused)"
        out.append(f"  {row['role']:<11} {row['name']:<26} PIN {pin}{state}")

    out.append("Loyalty cards of the demo customers:")
    for person in chain.demo_customers():
        cards_text = ", ".join(f"{c['number']}{' (blocked)' if c['blocked'] else ''}" for c in person["cards"])
        out.append(f"  {person['first_name']} {person['last_name']:<12} {person['tier']:<6} "
                   f"{_n(person['balance'])} points  card {cards_text}")

    out.append("Pickup orders here (number, status, code, to pay at pickup):")
    rows = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT number, total, paid FROM orders")}
    for number, status, secret in chain.pickup_secrets(store_id):
        total, paid = rows.get(number, (0, 0))
        due = format_money(max(total - paid, 0))
        out.append(f"  {number}  {status:<9}  code {secret}  total {format_money(total)}, due {due}")

    out.append("Products to try (shelf price now):")
    heroes = sorted(HERO.items(), key=lambda item: item[1])
    for _, index in heroes[:10]:
        if index >= chain.skus:
            continue
        core = chain.catalogue.core(index)
        shelf = prices.price_at(conn, core.sku, now)
        barcode = conn.execute("SELECT code FROM barcodes WHERE sku = ? ORDER BY code LIMIT 1", (core.sku,)).fetchone()
        price = "no price" if shelf is None else format_money(shelf.shown) + ("/kg" if core.loose else "")
        code = barcode[0] if barcode else "-"
        out.append(f"  {core.sku}  {code}  {chain.catalogue.name_ru(core):<45} {price}")
    return out
