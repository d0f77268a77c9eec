"""A full disk after the sale committed but before its receipt was queued.

Found by the disk fault suite (``python -m bench.faults --only disk``, kind ``pos``): the
sale commits in its own transaction, then ``after_sale`` queues the receipt; when the
disk filled in between, ``finish_sale`` raised ``StoreFull`` and the payment screen said
"The terminal's disk is full, so nothing was saved" about a sale that *was* saved (and
paid), inviting the cashier to take the money again or void a card. Now ``finish_sale``
returns the sale with a problem that says it is saved and the receipt is owed; the
receipt is queued once space returns (Retry printing, or the next start).
"""
from __future__ import annotations

import pytest

from hardware.queue import PrintQueue
from hardware.receipts.sale import job_id
from pos.services import RECEIPT_NOT_QUEUED, RECEIPT_NOT_QUEUED_CASH, PosServices
from retail import i18n
from retail.cart import Cart
from retail.ids import new_id
from retail.sales import Tender

from conftest import NOW

ROOMY = 1_073_741_823


class FullAfterCommit(PrintQueue):
    """A real queue on a disk that fills up right after the sale's commit, before the receipt."""

    filled = False

    def enqueue(self, conn, *args, **kwargs):
        if not self.filled:
            self.filled = True
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages:d}")
        return super().enqueue(conn, *args, **kwargs)


@pytest.fixture
def people(chain):
    return {row["role"]: row["id"] for row, pin in chain.staff_pins("MSK1") if row["active"]}


def _priced(till):
    """A long basket: its receipt needs pages of its own, so a full disk cannot take it."""
    skus = till.conn.execute(
        "SELECT DISTINCT p.sku FROM products p JOIN prices r ON r.sku = p.sku WHERE p.unit = 'pcs' AND p.active = 1 "
        "AND r.kind = 'regular' AND r.valid_from <= ? AND (r.valid_to IS NULL OR r.valid_to > ?) "
        "AND r.price > 0 ORDER BY p.sku LIMIT 20", (NOW, NOW)).fetchall()
    cart = Cart()
    for (sku,) in skus:
        till.offer(sku).add_to(cart)
    return till.price(cart)


@pytest.mark.parametrize("kind", ["cash", "card"])
def test_a_sale_saved_before_the_disk_filled_is_told_as_saved_and_its_receipt_owed(store_path, people, kind):
    queue = FullAfterCommit(store_path, None)
    till = PosServices(store_path, clock=lambda: NOW, queue=queue)
    try:
        shift = till.open_shift(people["cashier"], 0)
        priced = _priced(till)
        tender = Tender(kind, priced.total, "MIR **** 1234 T1" if kind == "card" else "")
        sale, problem = till.finish_sale(priced, [tender], staff_id=people["cashier"], shift_id=shift.id,
                                         sale_id=new_id())
        assert problem == (RECEIPT_NOT_QUEUED_CASH if kind == "cash" else RECEIPT_NOT_QUEUED)
        assert i18n.translate(problem, "ru").startswith("Продажа сохранена")
        assert till.conn.execute("SELECT COUNT(*) FROM sales WHERE id = ?", (sale.id,)).fetchone()[0] == 1
        assert queue.job(job_id(sale.id)) is None
        till.conn.execute(f"PRAGMA max_page_count = {ROOMY:d}")      # the technician freed space
        till.retry_printing()
        assert queue.job(job_id(sale.id)).status == "queued"
        till.retry_printing()
        assert len(queue.jobs()) == 1                                  # owed once, queued once
    finally:
        queue.close()
        till.close()
