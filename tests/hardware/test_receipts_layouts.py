"""Pickup slip, basket ticket, order confirmation, X/Z reports and the test page: built
from real domain records, printed over TCP to the emulator, decoded back (text by the
emulator, QR codes and barcodes by zxing-cpp from the PNG of the paper)."""
from __future__ import annotations

import pytest

from hardware.printing import print_document
from hardware.receipts.basket import build_basket_ticket
from hardware.receipts.common import ReceiptError
from hardware.receipts.order import build_order_confirmation
from hardware.receipts.pickup import build_pickup_slip, mask_phone
from hardware.receipts.reports import build_shift_report, job_id as report_job_id
from hardware.receipts.testpage import ALPHABET_LOWER, ALPHABET_UPPER, build_test_page, ruler
from hardware.emulator.escpos_printer import EscposPrinterEmulator
from retail import keys
from retail.cart import Cart
from retail.orders import Contact, place_order, verify_pickup
from retail.pricing import PricingContext, Promotion, price_cart
from retail.shifts import close_shift, current_shift, x_report, z_report
from receipts_support import (CASHIER, NOW, PRODUCTS, barcodes, config, emulator, open_store,
                              qr_codes, sell)


@pytest.fixture
def db(tmp_path):
    conn = open_store(tmp_path / "till.db")
    yield conn
    conn.close()


@pytest.fixture
def emu(tmp_path):
    with emulator(tmp_path) as running:
        yield running


def printed(emu, document, **kwargs):
    before = len(emu.jobs)
    print_document(document, config(emu, **kwargs))
    return emu.wait_for_jobs(before + 1)[-1]


def shopping_cart() -> Cart:
    cart = Cart()
    for (sku, ru, en, unit, vat), qty, price in zip(PRODUCTS, (2000, 1235, 1000),
                                                    (89_90, 159_90, 459_00)):
        cart.add(sku=sku, name_ru=ru, name_en=en, unit=unit, unit_price=price, vat_rate_bp=vat,
                 qty_milli=qty)
    return cart


def priced(cart: Cart):
    promo = Promotion(id="p10", kind="percent_off", name="x",
                      params={"target": {"skus": ["MILK"]}, "percent_bp": 1000})
    return price_cart(cart.cart_lines(), [promo], PricingContext(now=NOW))


def order(db, fulfilment="pickup", **kwargs):
    cart = shopping_cart()
    contact = Contact("Иван Петров", "+7 916 123-45-67",
                      address="Москва, ул. Тверская, д. 1, кв. 2")
    return place_order(db, cart, priced(cart), channel="kiosk", fulfilment=fulfilment,
                       pickup_store_id="MSK3" if fulfilment == "pickup" else None,
                       contact=contact, now=NOW, **kwargs)


# ---------------------------------------------------------------- basket ticket

def test_basket_ticket_qr_verifies_as_a_basket_with_the_cart_lines(db, emu):
    cart = shopping_cart()
    job = printed(emu, build_basket_ticket(db, cart, now=NOW, priced=priced(cart)))
    lines = job.text_lines
    assert lines[5:7] == ["ВАША КОРЗИНА", "Покажите этот код на кассе"]
    assert "Действует до 01.01.2026 16:00" in lines
    assert "1,235 кг × 159,90 ₽                     197,48 ₽" in lines
    assert "Скидка 10%                              -17,98 ₽" in lines
    assert "ИТОГО (предварительно)                  818,30 ₽" in lines
    codes = qr_codes(emu, job)
    assert len(codes) == 1
    verified = keys.verify(db, codes[0], NOW + 3600, expect_kind="basket")
    assert dict(verified.payload) == {
        "basket_id": cart.id, "store": "MSK1", "terminal": "P1",
        "lines": (("MILK", 2000), ("APPLE", 1235), ("COFFEE", 1000))}
    assert job.cuts == ["full"] and job.drawer_kicks == []


def test_unpriced_english_basket_ticket(db, emu):
    job = printed(emu, build_basket_ticket(db, shopping_cart(), now=NOW, lang="en"))
    assert "YOUR BASKET" in job.text_lines and "1. Milk 3.2 % 930 ml" in job.text_lines
    assert "1.235 kg × RUB 159.90" in job.text_lines
    assert not any("TOTAL" in line for line in job.text_lines)
    assert len(qr_codes(emu, job)) == 1


def test_basket_ticket_refusals(db, tmp_path):
    with pytest.raises(ReceiptError, match="the basket is empty"):
        build_basket_ticket(db, Cart(), now=NOW)
    with pytest.raises(ReceiptError, match="printed for a Cart, not dict"):
        build_basket_ticket(db, {"items": []}, now=NOW)
    big = Cart()
    for n in range(61):
        big.add(sku=f"SKU-{n}", name_ru="x", name_en="x", unit="pcs", unit_price=100,
                vat_rate_bp=2000)
    with pytest.raises(ReceiptError, match="hand it over as an order"):
        build_basket_ticket(db, big, now=NOW)
    nokey = open_store(tmp_path / "nokey.db", key=False)
    with pytest.raises(ReceiptError, match="let the terminal sync once"):
        build_basket_ticket(nokey, shopping_cart(), now=NOW)


# ---------------------------------------------------------------- order confirmation

def test_pickup_order_confirmation_has_the_code_and_a_verifiable_qr(db, emu):
    placed = order(db)
    job = printed(emu, build_order_confirmation(db, placed))
    lines = job.text_lines
    assert lines[5] == "ПОДТВЕРЖДЕНИЕ ЗАКАЗА"
    assert f"Заказ № {placed.number}" in lines
    assert "Пункт выдачи: Витрина — Арбат, Москва, Арбат, 5" in lines
    assert "Код получения:" in lines and placed.pickup_secret in lines
    assert "2 шт × 89,90 ₽                          179,80 ₽" in lines
    assert "Скидка                                  -17,98 ₽" in lines
    assert "К оплате при получении                  818,30 ₽" in lines
    assert "Телефон: +7 *** ***-45-67" in lines and "9161234567" not in job.text
    codes = qr_codes(emu, job)
    assert codes == [placed.pickup_code]
    payload = keys.verify(db, codes[0], NOW + 86400, expect_kind="pickup").payload
    assert dict(payload) == {"order": placed.number, "secret": placed.pickup_secret}
    assert verify_pickup(db, now=NOW + 86400, code=codes[0]).id == placed.id


def test_delivery_confirmation_in_english_has_no_pickup_code(db, emu):
    placed = order(db, fulfilment="delivery", paid=818_30)
    job = printed(emu, build_order_confirmation(db, placed, lang="en"))
    assert "ORDER CONFIRMATION" in job.text_lines and "Home delivery" in job.text_lines
    assert "Москва, ул. Тверская, д. 1, кв. 2" in job.text_lines
    assert "Paid                                  RUB 818.30" in job.text_lines
    assert job.qr_payloads == [] and placed.pickup_secret not in job.text


def test_a_confirmation_printed_again_later_has_no_code_but_says_how_to_collect(db, emu):
    first = order(db)
    again = order(db, order_id=first.id)            # place_order is idempotent: no secret now
    assert again.pickup_secret == ""
    job = printed(emu, build_order_confirmation(db, again))
    assert "Для получения назовите номер заказа и телефон" in job.text_lines
    assert job.qr_payloads == []


# ---------------------------------------------------------------- pickup slip

def test_pickup_slip_with_scannable_order_number(db, emu):
    placed = order(db)
    job = printed(emu, build_pickup_slip(db, placed.number, now=NOW + 3600, staff_id=CASHIER))
    lines = job.text_lines
    assert lines[5:7] == ["ВЫДАЧА ЗАКАЗА", f"Заказ № {placed.number}"]
    for expected in ("Покупатель: Иван Петров", "Телефон: +7 *** ***-45-67",
                     "Выдан: 01.01.2026 13:00", "Сотрудник: Иванова А.",
                     "Оплачено при получении                  818,30 ₽",
                     "Подпись покупателя ____________"):
        assert expected in lines
    assert placed.pickup_secret not in job.text
    assert barcodes(emu, job) == [("Code128", placed.number)]


def test_pickup_slip_refusals(db):
    with pytest.raises(ReceiptError, match="order MSK9-X-000001 is not known"):
        build_pickup_slip(db, "MSK9-X-000001", now=NOW)
    with pytest.raises(ReceiptError, match="type or scan the order number"):
        build_pickup_slip(db, " ", now=NOW)


@pytest.mark.parametrize("phone, masked", [("+79161234567", "+7 *** ***-45-67"),
                                           ("8 (916) 123-45-67", "+8 *** ***-45-67"),
                                           ("12", ""), ("", "")])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


# ---------------------------------------------------------------- X and Z reports

def test_x_and_z_reports(db, emu):
    sell(db)
    shift = current_shift(db)
    x = x_report(db, NOW + 7200)
    job = printed(emu, build_shift_report(db, x))
    lines = job.text_lines
    assert lines[5] == "X-ОТЧЁТ" and "Отчёт снят: 01.01.2026 14:00" in lines
    assert "Смена 1" + " " * 33 + "Касса P1" in lines
    assert "Продажи (1)                             818,30 ₽" in lines
    assert "Наличные                                518,30 ₽" in lines
    assert "Банковская карта                        300,00 ₽" in lines
    assert "НДС 20 % с 459,00 ₽                      76,50 ₽" in lines
    assert "НДС 10 % с 359,30 ₽                      32,66 ₽" in lines
    assert "Должно быть в ящике                   2 518,30 ₽" in lines
    assert not any(line.startswith("Расхождение") for line in lines)
    assert report_job_id(x) == f"x_report:{shift.id}:{NOW + 7200}"

    z = close_shift(db, shift.id, 2_481_90, staff_id="staff-manager", now=NOW + 8000)
    zjob = printed(emu, build_shift_report(db, z))
    assert zjob.text_lines[5] == "Z-ОТЧЁТ (ЗАКРЫТИЕ СМЕНЫ)"
    assert "Закрыта: 01.01.2026 14:13, Петров П." in zjob.text_lines
    assert "Пересчитано                           2 481,90 ₽" in zjob.text_lines
    assert "Расхождение                             -36,40 ₽" in zjob.text_lines
    assert zjob.cuts == ["full"]
    reprint = printed(emu, build_shift_report(db, z_report(db, shift.id)))
    assert reprint.text_lines == zjob.text_lines
    assert report_job_id(z) == f"z_report:{shift.id}"
    english = printed(emu, build_shift_report(db, z, lang="en"))
    assert "Z REPORT (SHIFT CLOSED)" in english.text_lines
    assert "Difference                            -RUB 36.40" in english.text_lines


def test_report_refusals(db):
    with pytest.raises(ReceiptError, match="from a ShiftReport, not dict"):
        build_shift_report(db, {"kind": "X"})


# ---------------------------------------------------------------- test page

@pytest.mark.parametrize("slot", [17, 59, 10])
def test_test_page_decodes_cyrillic_with_the_printers_slot(tmp_path, slot):
    with EscposPrinterEmulator(port=0, out_dir=tmp_path, cp866_slot=slot) as emu:
        cfg = config(emu, codepage_slot=slot)
        job = printed(emu, build_test_page(cfg, now=NOW), codepage_slot=slot)
        lines = job.text_lines
        assert lines[0] == "ТЕСТОВАЯ СТРАНИЦА ПРИНТЕРА"
        assert [ALPHABET_UPPER[:17], ALPHABET_UPPER[17:], ALPHABET_LOWER[:17],
                ALPHABET_LOWER[17:]] == lines[lines.index("Кириллица:") + 1:][:4]
        assert "№ ₽ « » — € ×" in lines
        assert f"Кодовая страница: CP866 принтера, слот {slot}" in lines
        assert ruler(48) in lines
        assert sorted(barcodes(emu, job)) == [("EAN13", "4601234567893"),
                                              ("QRCode", f"VITRINA TEST {cfg.spec}")]
        assert job.cuts == ["full"]


def test_test_page_on_the_wrong_slot_shows_garbled_letters(tmp_path):
    with EscposPrinterEmulator(port=0, out_dir=tmp_path, cp866_slot=59) as emu:
        job = printed(emu, build_test_page(config(emu), now=NOW))
        assert ALPHABET_UPPER[:17] not in job.text_lines


def test_test_page_in_english_on_58_mm(tmp_path):
    with EscposPrinterEmulator(port=0, out_dir=tmp_path, width_dots=384) as emu:
        cfg = config(emu, width_mm=58)
        job = printed(emu, build_test_page(cfg, now=NOW, lang="en"), width_mm=58)
        assert "PRINTER TEST PAGE" in job.text_lines and ruler(32) in job.text_lines
        assert "Paper: 58 mm, 32 columns" in job.text_lines
        assert max(len(line) for line in job.text_lines) <= 32


@pytest.mark.parametrize("columns, text", [(32, "....:....1....:....2....:....3.."),
                                           (42, "....:....1....:....2....:....3....:....4..")])
def test_ruler(columns, text):
    assert ruler(columns) == text and len(ruler(columns)) == columns


# ---------------------------------------------------------------- every layout on 58 mm

def test_every_layout_fits_58_mm(db, tmp_path):
    sale = sell(db)
    cart = shopping_cart()
    placed = order(db)
    shift = current_shift(db)
    from hardware.receipts.sale import build_sale_receipt

    documents = [build_sale_receipt(db, sale.id, now=NOW),
                 build_basket_ticket(db, cart, now=NOW, priced=priced(cart)),
                 build_order_confirmation(db, placed),
                 build_pickup_slip(db, placed.id, now=NOW, staff_id=CASHIER),
                 build_shift_report(db, x_report(db, NOW)),
                 build_shift_report(db, close_shift(db, shift.id, 0, staff_id="staff-manager",
                                                    now=NOW + 60))]
    with EscposPrinterEmulator(port=0, out_dir=tmp_path / "58", width_dots=384) as emu:
        for document in documents:
            job = printed(emu, document, width_mm=58)
            assert job.text_lines and max(len(line) for line in job.text_lines) <= 32
            assert job.cuts == ["full"]


# ---------------------------------------------------------------- a caller's code and date

def test_a_callers_own_basket_code_and_ready_date_are_printed(db, emu):
    from datetime import date

    from hardware.receipts.basket import basket_code
    from retail.orders import get_order

    cart = shopping_cart()
    code = basket_code(db, cart, NOW, ttl_s=600)
    job = printed(emu, build_basket_ticket(db, cart, now=NOW, priced=priced(cart), code=code))
    assert qr_codes(emu, job) == [code]
    assert "Действует до 01.01.2026 12:10" in job.text_lines

    placed = order(db)
    found = get_order(db, placed.id)
    job = printed(emu, build_order_confirmation(db, found, pickup_secret=placed.pickup_secret,
                                                pickup_code=placed.pickup_code,
                                                ready_on=date(2026, 1, 3)))
    assert "Заказ можно забрать с 03.01.2026" in job.text_lines
    assert qr_codes(emu, job) == [placed.pickup_code]
    job = printed(emu, build_pickup_slip(db, found, now=NOW, lang="en"))
    assert "ORDER PICKUP" in job.text_lines


def test_a_given_basket_code_must_be_genuine_and_for_this_basket(db):
    from hardware.receipts.basket import basket_code

    cart, other = shopping_cart(), shopping_cart()
    code = basket_code(db, other, NOW)
    with pytest.raises(ReceiptError, match="belongs to another basket"):
        build_basket_ticket(db, cart, now=NOW, code=code)
    forged = code[:-2] + ("AA" if code[-2:] != "AA" else "BB")
    with pytest.raises(ReceiptError, match="cannot be printed"):
        build_basket_ticket(db, other, now=NOW, code=forged)
    with pytest.raises(ReceiptError, match="ready date must be a date"):
        build_order_confirmation(db, order(db), ready_on="tomorrow")
