"""Sale and return receipts from real committed sales, printed over TCP to the emulator.

python-escpos' real Network printer sends the receipt; the emulator decodes it back to
text lines, and zxing-cpp reads the QR from the emulator's PNG of the paper.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.printing import Cut, Document, DrawerKick, Text, print_document
from hardware.receipts.common import ReceiptError, mark_copy, percent, redact, timestamp
from hardware.receipts.sale import build_sale_receipt, job_id
from retail import keys
from retail.returns import commit_return
from retail.shifts import current_shift
from receipts_support import CARD, NOW, config, emulator, open_store, qr_codes, sell

RUSSIAN_80 = [
    "Витрина — Тверская",
    "ООО «Витрина»",
    "Москва, Тверская, 12",
    "ИНН 7701234567",
    "-" * 48,
    "КАССОВЫЙ ЧЕК",
    "Чек № MSK1-P1-000001",
    "01.01.2026 12:01",
    "Кассир: Иванова А.                       Смена 1",
    "-" * 48,
    "1. Молоко Домик в деревне 3,2 % 930 мл",
    "2 шт × 89,90 ₽                          179,80 ₽",
    "Скидка 10%                              -17,98 ₽",
    "2. Яблоки Гренни Смит",
    "1,235 кг × 159,90 ₽                     197,48 ₽",
    "3. Кофе молотый Жокей Классический, вакуумная",
    "упаковка 250 г",
    "1 шт × 459,00 ₽                         459,00 ₽",
    "-" * 48,
    "Сумма без скидки                        836,28 ₽",
    "Скидка                                  -17,98 ₽",
    "ИТОГО                                   818,30 ₽",
    "в т.ч. НДС 20 %                          76,50 ₽",
    "в т.ч. НДС 10 %                          32,66 ₽",
    "-" * 48,
    "Банковская карта                        300,00 ₽",
    "RRN 000123 card •••• 9012",
    "Наличные                              1 000,00 ₽",
    "Сдача                                   481,70 ₽",
    "-" * 48,
    "Карта лояльности •••• 0017",
    "Начислено баллов                               8",
    "-" * 48,
    "Для возврата товара покажите этот код на кассе",
    "Спасибо за покупку!",
]


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


def test_russian_receipt_prints_and_decodes_line_for_line(db, emu):
    sale = sell(db)
    job = printed(emu, build_sale_receipt(db, sale.id, now=NOW, lang="ru"))
    assert job.text_lines == RUSSIAN_80
    assert [(k.pin, k.on_ms) for k in job.drawer_kicks] == [(2, 100)]
    assert job.cuts == ["full"]


def test_receipt_qr_verifies_as_a_receipt_code_for_this_sale(db, emu):
    sale = sell(db)
    job = printed(emu, build_sale_receipt(db, sale, now=NOW, lang="ru"))
    codes = qr_codes(emu, job)
    assert codes == job.qr_payloads and len(codes) == 1
    verified = keys.verify(db, codes[0], NOW + 86400 * 30, expect_kind="receipt")
    assert dict(verified.payload) == {"receipt": "MSK1-P1-000001", "sale_id": sale.id,
                                      "store": "MSK1"}


def test_english_receipt(db, emu):
    sale = sell(db, lang="en")
    job = printed(emu, build_sale_receipt(db, sale.id, now=NOW, lang="en"))
    lines = job.text_lines
    assert lines[0] == "Vitrina — Tverskaya"
    for expected in ("SALE RECEIPT", "Receipt no. MSK1-P1-000001", "2026-01-01 12:01",
                     "1. Milk 3.2 % 930 ml", "2. Granny Smith apples",
                     "Loyalty card •••• 0017", "Thank you for your purchase!"):
        assert expected in lines
    assert "1.235 kg × RUB 159.90                 RUB 197.48" in lines
    assert "10% off                               -RUB 17.98" in lines
    assert "TOTAL                                 RUB 818.30" in lines
    assert "incl. VAT 20 %                         RUB 76.50" in lines
    assert "incl. VAT 10 %                         RUB 32.66" in lines
    assert "Change                                RUB 481.70" in lines
    assert len(qr_codes(emu, job)) == 1 and job.cuts == ["full"]


def test_58_mm_wraps_long_names_and_never_overflows(db, tmp_path):
    sale = sell(db)
    with emulator(tmp_path / "58", width_dots=384) as emu:
        job = printed(emu, build_sale_receipt(db, sale.id, now=NOW), width_mm=58)
        assert max(len(line) for line in job.text_lines) <= 32
        assert "3. Кофе молотый Жокей" in job.text_lines
        joined = " ".join(job.text_lines)
        assert "Классический, вакуумная упаковка 250 г" in joined
        assert "1,235 кг × 159,90 ₽     197,48 ₽" in job.text_lines
        assert "ИТОГО                   818,30 ₽" in job.text_lines
        assert len(qr_codes(emu, job)) == 1


def test_80_mm_at_42_columns(db, emu):
    job = printed(emu, build_sale_receipt(db, sell(db).id, now=NOW), columns=42)
    assert max(len(line) for line in job.text_lines) <= 42
    assert "1,235 кг × 159,90 ₽               197,48 ₽" in job.text_lines


def test_no_full_card_loyalty_number_or_long_digits_on_the_paper(db, emu):
    sale = sell(db)
    job = printed(emu, build_sale_receipt(db, sale.id, now=NOW))
    assert CARD not in job.text and "2200123456789012" not in job.text
    assert not re.search(r"\d(?:[ -]?\d){11,}", job.text.replace(job.qr_payloads[0], ""))
    assert "RRN 000123 card •••• 9012" in job.text_lines


def test_return_receipt(db, emu):
    sale = sell(db)
    back = commit_return(db, sale.id, [(1, 1000), (2, 1235)], "cash", staff_id="staff-manager",
                         shift_id=current_shift(db).id, now=NOW + 600)
    job = printed(emu, build_sale_receipt(db, back.id, now=NOW + 600))
    lines = job.text_lines
    assert lines[5:9] == ["ЧЕК ВОЗВРАТА", "Чек № MSK1-P1-000002",
                          "Возврат по чеку № MSK1-P1-000001", "01.01.2026 12:10"]
    assert "1,235 кг × 159,90 ₽                     197,48 ₽" in lines
    assert "К ВОЗВРАТУ                              278,39 ₽" in lines
    assert "Возвращено: Наличные                    278,39 ₽" in lines
    assert "Отменено начисленных баллов                    3" in lines
    assert job.qr_payloads == []          # a return is not returnable
    assert job.drawer_kicks and job.cuts == ["full"]


def test_card_only_sale_does_not_kick_the_drawer_unless_asked(db):
    sale = sell(db, card=False, cash_only=True)
    assert any(isinstance(b, DrawerKick) for b in build_sale_receipt(db, sale.id, now=NOW))
    assert not any(isinstance(b, DrawerKick)
                   for b in build_sale_receipt(db, sale.id, now=NOW, kick_drawer=False))


def test_without_a_signing_key_the_receipt_still_prints_without_qr(tmp_path, emu):
    conn = open_store(tmp_path / "nokey.db", key=False)
    sale = sell(conn)
    job = printed(emu, build_sale_receipt(conn, sale.id, now=NOW))
    assert job.qr_payloads == [] and "Чек № MSK1-P1-000001" in job.text_lines
    assert "Для возврата товара покажите этот код на кассе" not in job.text_lines


def test_job_id_is_per_sale(db):
    sale = sell(db)
    assert job_id(sale.id) == f"receipt:{sale.id}"


@pytest.mark.parametrize("sale_ref, lang, message", [
    ("MSK1-P1-999999", "ru", "no sale MSK1-P1-999999"),
    ("", "ru", "type or scan a receipt number"),
    (None, "ru", "not NoneType"),
])
def test_bad_references_are_receipt_errors(db, sale_ref, lang, message):
    with pytest.raises(ReceiptError, match=message):
        build_sale_receipt(db, sale_ref, now=NOW, lang=lang)


def test_unknown_language_is_refused(db):
    sale = sell(db)
    with pytest.raises(ReceiptError, match="receipts print in ru or en, not 'de'"):
        build_sale_receipt(db, sale.id, now=NOW, lang="de")


# ---------------------------------------------------------------- shared helpers

def test_mark_copy_adds_marks_and_drops_the_drawer_kick():
    original = Document([Text("Чек"), DrawerKick(), Cut()])
    copy = mark_copy(original, "ru")
    assert [type(b).__name__ for b in copy] == ["Text", "Text", "Text", "Cut"]
    assert copy.blocks[0].text == copy.blocks[2].text == "*** КОПИЯ ***"
    assert mark_copy(Document([Text("x")]), "en").blocks[-1].text == "*** COPY ***"


@given(st.text(alphabet="0123456789 -", min_size=12, max_size=40))
def test_redact_leaves_no_run_of_twelve_digits(text):
    assert not re.search(r"\d(?:[ -]?\d){11,}", redact("card " + text + " end"))


@given(st.integers(0, 10**11 - 1))
def test_redact_keeps_short_numbers(number):
    assert redact(f"Чек {number}") == f"Чек {number}"


def test_redact_masks_to_the_last_four_digits():
    assert redact("PAN 2200 1234 5678 9012 ok") == "PAN •••• 9012 ok"
    assert redact("card 2900000010017") == "card •••• 0017"


@pytest.mark.parametrize("bp, ru, en", [(2000, "20", "20"), (1000, "10", "10"), (0, "0", "0"),
                                        (1250, "12,5", "12.5"), (1805, "18,05", "18.05")])
def test_percent(bp, ru, en):
    assert (percent(bp, "ru"), percent(bp, "en")) == (ru, en)


def test_timestamp_in_the_store_zone_and_utc_fallback():
    assert timestamp(NOW, "Europe/Moscow", "ru") == "01.01.2026 12:00"
    assert timestamp(NOW, "Asia/Yekaterinburg", "en") == "2026-01-01 14:00"
    assert timestamp(NOW, "Nowhere/Atlantis", "ru") == "01.01.2026 09:00 UTC"
