"""A terminal's local store with real committed records, for the receipt and queue tests.

Everything goes through the domain's own writers (commit_sale, commit_return, open and
close shift, place_order), so a layout is tested against what the till really stores.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import zxingcpp
from PIL import Image as PILImage

from hardware.emulator.escpos_printer import EscposPrinterEmulator
from hardware.printing import PrinterConfig
from retail import keys, loyalty
from retail.pricing import CartLine, PricingContext, Promotion, price_cart
from retail.sales import Tender, commit_sale
from retail.shifts import open_shift
from retail.store import connect, transaction
from retail.store.settings import put

NOW = 1_767_225_600 + 9 * 3600  # 2026-01-01 09:00 UTC = 12:00 in Moscow
SECRET = bytes(range(32))
CASHIER = "staff-cashier"
CARD = "2900000010017"  # a valid EAN-13 loyalty card: prints as •••• 0017


def fast_hash(pin: str) -> str:
    salt = os.urandom(16)
    key = hashlib.scrypt(pin.encode(), salt=salt, n=16, r=1, p=1, dklen=32)
    return f"scrypt$16$1$1${salt.hex()}${key.hex()}"


PRODUCTS = [
    # sku, name_ru, name_en, unit, vat
    ("MILK", "Молоко Домик в деревне 3,2 % 930 мл", "Milk 3.2 % 930 ml", "pcs", 1000),
    ("APPLE", "Яблоки Гренни Смит", "Granny Smith apples", "kg", 1000),
    ("COFFEE", "Кофе молотый Жокей Классический, вакуумная упаковка 250 г",
     "Ground coffee Jockey Classic, vacuum pack 250 g", "pcs", 2000),
]


def open_store(path: Path, *, key: bool = True):
    conn = connect(path)
    with transaction(conn):
        put(conn, "store_id", "MSK1")
        put(conn, "terminal_id", "P1")
        put(conn, "store_name", "Витрина — Тверская")
        put(conn, "receipt_header", ["ООО «Витрина»", "Москва, Тверская, 12", "ИНН 7701234567"])
        conn.execute("INSERT INTO stores(id, name_ru, name_en, kind, address, timezone) VALUES "
                     "('MSK1', 'Витрина — Тверская', 'Vitrina — Tverskaya', 'store', "
                     "'Москва, Тверская, 12', 'Europe/Moscow')")
        conn.execute("INSERT INTO stores(id, name_ru, name_en, kind, address) VALUES "
                     "('MSK3', 'Витрина — Арбат', 'Vitrina — Arbat', 'store', 'Москва, Арбат, 5')")
        conn.execute("INSERT INTO staff(id, name, role, pin_hash) VALUES (?, 'Иванова А.', "
                     "'cashier', ?)", (CASHIER, fast_hash("1111")))
        conn.execute("INSERT INTO staff(id, name, role, pin_hash) VALUES ('staff-manager', "
                     "'Петров П.', 'manager', ?)", (fast_hash("2222"),))
        for sku, ru, en, unit, vat in PRODUCTS:
            conn.execute("INSERT INTO products(sku, name_ru, name_en, unit, vat_rate_bp) "
                         "VALUES (?, ?, ?, ?, ?)", (sku, ru, en, unit, vat))
        conn.execute("INSERT INTO customers(id, first_name, tier, balance) VALUES "
                     "('cust-1', 'Иван', 'base', 1000)")
        conn.execute("INSERT INTO loyalty_cards(number, customer_id) VALUES (?, 'cust-1')", (CARD,))
        if key:
            keys.put_key(conn, "msk1-2", SECRET, valid_from=0)
    return conn


def basket():
    """2 milk at 10 % off, 1,235 kg of apples at 159,90/kg, 1 coffee (VAT 20 %)."""
    lines = [
        CartLine(line_no=1, sku="MILK", qty_milli=2000, unit_price=89_90, vat_rate_bp=1000),
        CartLine(line_no=2, sku="APPLE", qty_milli=1235, unit_price=159_90, vat_rate_bp=1000,
                 unit="kg"),
        CartLine(line_no=3, sku="COFFEE", qty_milli=1000, unit_price=459_00, vat_rate_bp=2000),
    ]
    promo = Promotion(id="p10", kind="percent_off", name="Молочная неделя",
                      params={"target": {"skus": ["MILK"]}, "percent_bp": 1000})
    return price_cart(lines, [promo], PricingContext(now=NOW))


def sell(conn, *, lang: str = "ru", card: bool = True, cash_only: bool = False):
    """Open a shift (if none) and commit the basket: card 300 ₽ + cash 1 000 ₽ with change."""
    from retail.shifts import current_shift

    shift = current_shift(conn) or open_shift(conn, CASHIER, 2000_00, NOW)
    cart = basket()
    names = {1: PRODUCTS[0][1 if lang == "ru" else 2], 2: PRODUCTS[1][1 if lang == "ru" else 2],
             3: PRODUCTS[2][1 if lang == "ru" else 2]}
    tenders = [Tender("cash", 1000_00)] if cash_only else \
        [Tender("card", 300_00, "RRN 000123 card 2200123456789012"), Tender("cash", 1000_00)]
    customer = loyalty.find_card(conn, CARD) if card else None
    return commit_sale(conn, cart, tenders, staff_id=CASHIER, shift_id=shift.id,
                       customer=customer, now=NOW + 60, names=names)


def emulator(tmp_path, **kwargs) -> EscposPrinterEmulator:
    return EscposPrinterEmulator(port=0, out_dir=tmp_path / "paper", **kwargs)


def config(emu, **kwargs) -> PrinterConfig:
    kwargs.setdefault("timeout_s", 1.0)
    return PrinterConfig(emu.spec, **kwargs)


def qr_codes(emu, job) -> list[str]:
    """QR payloads read back with zxing-cpp from the emulator's PNG of the job."""
    image = PILImage.open(emu.out_dir / f"{job.number}.png")
    return [r.text for r in zxingcpp.read_barcodes(image)
            if r.format == zxingcpp.BarcodeFormat.QRCode]


def barcodes(emu, job) -> list[tuple[str, str]]:
    image = PILImage.open(emu.out_dir / f"{job.number}.png")
    return [(r.format.name, r.text) for r in zxingcpp.read_barcodes(image)]
