"""A till that starts owing receipts shows its first frame first and prints them from its worker.

Found by the bench at a million SKUs: a shift of 13 376 sales whose receipts were never
queued (the bench commits sales without printing) held the POS's first frame for 174 s,
because ``PosServices`` laid every owed receipt out in its constructor, on the main
thread. A crash or a full disk leaves a real till owing some; now the app queues them in
its worker once it runs. Here a till owes 40 receipts of its open shift when it starts:
the sign-in screen comes up, the receipts are queued off the main thread and all print,
without a drawer kick, each once.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "sync"))

from central_fixture import central_template  # noqa: E402,F401  (session fixture)
from ui.driver import run_in_process  # noqa: E402

pytestmark = pytest.mark.gui

OWED = 40


def _owe_receipts(db: Path, count: int) -> list[str]:
    """Commit ``count`` cash sales in an open shift with no receipt queued (the till died each time)."""
    from pos.services import PosServices
    from retail.cart import Cart
    from retail.ids import new_id
    from retail.sales import Tender

    till = PosServices(db)
    try:
        staff_id = till.conn.execute("SELECT id FROM staff WHERE role = 'cashier' AND active = 1 "
                                     "ORDER BY id LIMIT 1").fetchone()[0]
        shift = till.current_shift() or till.open_shift(staff_id, 0)
        skus = [r[0] for r in till.conn.execute(
            "SELECT p.sku FROM products p WHERE p.unit = 'pcs' AND p.active = 1 AND EXISTS "
            "(SELECT 1 FROM prices r WHERE r.sku = p.sku AND r.price > 0) ORDER BY p.sku LIMIT 5")]
        numbers = []
        for i in range(count):
            cart = Cart()
            till.offer(skus[i % len(skus)]).add_to(cart)
            priced = till.price(cart)
            sale = till.commit_sale(priced, [Tender("cash", priced.total)], staff_id=staff_id, shift_id=shift.id,
                                    sale_id=new_id())
            numbers.append(sale.number)
        return numbers
    finally:
        till.close()


def owed_at_start(workdir: str, template) -> object:
    import threading

    from pos_harness import till

    from pos import demo_script as ds
    from ui.driver import run_scenario

    t = till(workdir, template, pickup_order=False)
    numbers = _owe_receipts(t.db, OWED)
    app = t.app
    services = app.services
    threads = []
    real = services.queue_owed_receipts

    def queue_owed(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    services.queue_owed_receipts = queue_owed

    def scenario(app, d):
        yield d.until(ds.on_screen(app, "sign_in"), 10, "the sign-in screen")
        yield d.until(lambda: threads, 30, "the owed receipts queued")
        yield d.until(lambda: len(t.printer.jobs) >= OWED, 120, "the owed receipts printed")

    try:
        outcome = run_scenario(app, ds.guarded(scenario, "pos-owed"), timeout=200)
        pages = ["\n".join(job.text_lines) for job in t.printer.wait_for_jobs(OWED)]
        outcome.notes.update(
            on_main_thread=threads, numbers=numbers, pages=pages,
            kicks=sum(len(job.drawer_kicks) for job in t.printer.jobs),
            statuses=[r[0] for r in t.conn().execute("SELECT status FROM print_jobs WHERE kind = 'receipt'")])
        return outcome
    finally:
        t.close()


def test_owed_receipts_print_from_the_worker_after_the_first_screen(tmp_path, central_template):
    outcome = run_in_process(f"{__name__}:owed_at_start", timeout=300, workdir=str(tmp_path),
                             template=central_template)
    assert outcome.ok, outcome.error
    n = outcome.notes
    assert n["on_main_thread"] == [False], "queued once, in the worker"
    assert n["statuses"] == ["printed"] * OWED
    assert n["kicks"] == 0, "the moment to open the drawer has passed"
    for number in n["numbers"]:
        assert sum(number in page for page in n["pages"]) == 1, number
