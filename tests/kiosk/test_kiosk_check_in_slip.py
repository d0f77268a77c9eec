"""A shopper checking in for a ready order at the kiosk gets a check-in slip from the real
printer queue (emulator over TCP): what to do at the till, not a handover receipt."""
from __future__ import annotations

from retail import orders as retail_orders

from kiosk.services import KioskServices


def test_check_in_prints_what_to_do_next_not_a_handover_receipt(kiosk_path, now, chain):
    from hardware.emulator.escpos_printer import EscposPrinterEmulator
    from hardware.printing import PrinterConfig
    from hardware.queue import PrintQueue

    with EscposPrinterEmulator(port=0) as printer:
        queue = PrintQueue(kiosk_path, PrinterConfig(printer.spec)).start()
        services = KioskServices(kiosk_path, clock=lambda: now + 60, queue=queue)
        try:
            ready = [(n, s) for n, status, s in chain.pickup_secrets("MSK1") if status == "ready"
                     and not retail_orders.get_order(services.conn, n).arrived_at]
            number, secret = ready[0]
            view = services.check_in(number=number, secret=secret)
            assert view.state == "ready"
            job = printer.wait_for_jobs(1)[0]
            again = services.check_in(number=number, secret=secret)  # a second check-in prints nothing more
            assert again.state == "arrived"
        finally:
            services.close()
            queue.close()
        assert len(printer.jobs) == 1
    text = job.text.replace("\n", " ")
    assert "ВАШ ЗАКАЗ ГОТОВ" in job.text_lines and f"Заказ № {number}" in job.text_lines
    assert "подойдите на кассу и покажите этот талон" in text and "уже знают, что вы пришли" in text
    assert ("К оплате на кассе" in text) == bool(view.order.due)
    for handover in ("ВЫДАЧА ЗАКАЗА", "Выдан:", "Оплачено при получении", "Подпись покупателя"):
        assert handover not in text
    assert secret not in job.text
