"""Printed layouts built from the domain: receipts, slips, tickets, reports, test page.

Each layout module has a loader that reads the local store (and signs its QR code) and a
pure layout function (data -> :class:`hardware.printing.Document`); the ``build_*``
functions do both. :mod:`.common` holds what they share (header, money, quantities,
dates, QR sizing, redaction of long numbers, the copy mark). Queue a document with
:func:`hardware.queue.enqueue` under the module's ``job_id``.

    build_sale_receipt(conn, sale_id, now=now)            sale or return receipt
    build_pickup_slip(conn, order_number, now=now)        click-and-collect handover slip
    build_check_in_slip(conn, order_number, now=now)      kiosk check-in slip of a ready order
    build_basket_ticket(conn, cart, now=now)              kiosk hand-off ticket (basket QR)
    build_order_confirmation(conn, placed_order)          endless-aisle order confirmation
    build_shift_report(conn, x_or_z_report)               X / Z report
    build_test_page(printer_config, now=now)              technician's test page
"""
from .basket import build_basket_ticket
from .common import ReceiptError, mark_copy
from .order import build_order_confirmation
from .pickup import build_check_in_slip, build_pickup_slip
from .reports import build_shift_report
from .sale import build_sale_receipt
from .testpage import build_test_page

__all__ = ["ReceiptError", "build_basket_ticket", "build_check_in_slip", "build_order_confirmation",
           "build_pickup_slip",
           "build_sale_receipt", "build_shift_report", "build_test_page", "mark_copy"]
