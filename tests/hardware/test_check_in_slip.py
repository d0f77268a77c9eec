"""The kiosk's check-in slip of a ready click-and-collect order, printed over TCP to the
emulator and read back: it tells the shopper what to do next and is no handover receipt
(nothing handed over, nothing paid, no signature line, no pickup code)."""
from __future__ import annotations

import pytest

from hardware.receipts import build_check_in_slip
from hardware.receipts.common import ReceiptError
from receipts_support import NOW, barcodes

from test_receipts_layouts import db, emu, order, printed  # noqa: F401  (fixtures)


def test_check_in_slip_says_what_to_do_at_the_till(db, emu):  # noqa: F811
    placed = order(db)
    job = printed(emu, build_check_in_slip(db, placed.number, now=NOW + 3600))
    lines = job.text_lines
    assert lines[5:7] == ["ВАШ ЗАКАЗ ГОТОВ", f"Заказ № {placed.number}"]
    text = job.text.replace("\n", " ")
    for expected in ("Вы отметились: 01.01.2026 13:00", "подойдите на кассу и покажите этот талон",
                     "уже знают, что вы пришли", "Кассир попросит 6-значный код получения",
                     "К оплате на кассе", "818,30 ₽", "В вашем заказе", "1,235 кг"):
        assert expected in text, expected
    for handover in ("ВЫДАЧА ЗАКАЗА", "Выдан", "Оплачено при получении", "Подпись", "претензий"):
        assert handover not in text, handover
    assert placed.pickup_secret not in job.text
    assert barcodes(emu, job) == [("Code128", placed.number)]


def test_a_prepaid_order_has_nothing_to_pay(db, emu):  # noqa: F811
    placed = order(db)
    db.execute("UPDATE orders SET paid = total WHERE id = ?", (placed.id,))
    job = printed(emu, build_check_in_slip(db, placed.number, now=NOW, lang="en"))
    assert "YOUR ORDER IS READY" in job.text_lines
    assert "Paid in advance: nothing to pay" in job.text_lines
    assert "To pay at the till" not in job.text


def test_check_in_slip_refusals(db):  # noqa: F811
    with pytest.raises(ReceiptError, match="order MSK9-X-000001 is not known"):
        build_check_in_slip(db, "MSK9-X-000001", now=NOW)
