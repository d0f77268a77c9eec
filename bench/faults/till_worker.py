"""A headless till: ``python -m bench.faults.till_worker --db STORE --printer SPEC ...``.

It sells through exactly what the POS screens call (:class:`pos.services.PosServices`:
``offer`` -> ``Cart`` -> ``price`` -> ``finish_sale``, which commits the sale and queues
its receipt on a :class:`hardware.queue.PrintQueue` printing to ``--printer``), so a
fault suite can SIGKILL a real till mid-sale and mid-print (from outside, or with a
crash point armed through ``VITRINA_CRASH_AT``) without a window.

It writes one line per step to stdout, flushed before the next step starts::

    begin <sale id>        the sale is about to be committed
    committed <sale id>    finish_sale returned: the sale is on disk
    printed <job id>       the queue says the receipt printed
    done

``--sales 0`` sells nothing: the till is only started again after a crash, prints what
its queue still holds (as the POS does at start-up) and exits when nothing waits.
Exit status 0, or 2 with a message when the store or the printer cannot be used.
"""
from __future__ import annotations

import argparse
import random
import sys
import time

from retail.cart import Cart
from retail.ids import new_id
from retail.sales import Tender

WAIT_S = 20.0


def _say(*words: str) -> None:
    print(*words, flush=True)


def _customers(services) -> list[str]:
    return [r[0] for r in services.conn.execute("SELECT id FROM customers ORDER BY id")]


def _skus(services) -> list[str]:
    rows = services.conn.execute("SELECT sku FROM products WHERE unit = 'pcs' AND active = 1 ORDER BY sku")
    found = []
    for (sku,) in rows:
        try:
            services.offer(sku)
        except Exception:  # not sold here now (no price): the cashier could not scan it either
            continue
        found.append(sku)
        if len(found) >= 12:
            break
    return found


def sell(services, rng: random.Random, staff_id: str, shift_id: str, skus: list[str], customers: list[str]) -> None:
    cart = Cart()
    for sku in rng.sample(skus, rng.randint(1, min(4, len(skus)))):
        for _ in range(rng.randint(1, 2)):
            services.offer(sku).add_to(cart)
    priced = services.price(cart)
    customer = rng.choice(customers) if customers and rng.random() < 0.6 else None
    tenders = []
    if customer and rng.random() < 0.5:
        allowed, _ = services.redeemable_points(customer)
        value = services.point_value()
        points = min(allowed, rng.randint(1, 20), (priced.total - 1) // value)
        if points > 0:
            tenders.append(Tender("points", points * value))
    rest = priced.total - sum(t.amount for t in tenders)
    if rest:
        tenders.append(Tender("cash", rest + rng.choice((0, 0, 500, 10000))) if rng.random() < 0.4
                       else Tender("card", rest, f"RRN{rng.randrange(10**9):09d}"))
    sale_id = new_id()
    _say("begin", sale_id)
    services.finish_sale(priced, tenders, staff_id=staff_id, shift_id=shift_id, sale_id=sale_id,
                         customer_id=customer)
    _say("committed", sale_id)


def drain(queue, deadline: float) -> None:
    """Wait until the queue holds nothing to print (each job printed once, or failed)."""
    while time.monotonic() < deadline:
        waiting = queue.jobs(("queued", "printing"), limit=1)
        if not waiting:
            return
        job = queue.wait_printed(waiting[0].id, timeout=max(0.1, deadline - time.monotonic()))
        _say("printed", job.id)
    raise TimeoutError("receipts still wait in the queue: is the printer answering?")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.faults.till_worker", description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="the till's registered, synced local store")
    p.add_argument("--printer", required=True, help="printer spec, e.g. network:127.0.0.1:9100")
    p.add_argument("--sales", type=int, default=1, help="sales to make (0: only print what waits)")
    p.add_argument("--seed", type=int, default=1, help="seed of the baskets and tenders")
    args = p.parse_args(argv)

    from hardware.printing import PrinterConfig
    from hardware.queue import PrintQueue
    from pos.services import PosServices

    try:
        queue = PrintQueue(args.db, PrinterConfig(args.printer, timeout_s=3), backoff_s=(0.1,), poll_s=0.05)
    except Exception as exc:  # a bad spec or a store that cannot be opened: say which
        print(f"till_worker: cannot start the print queue: {exc}", file=sys.stderr)
        return 2
    services = PosServices(args.db, queue=queue)
    services.queue_owed_receipts()  # as the app does once it has started
    queue.start()
    try:
        if args.sales:
            rng = random.Random(args.seed)
            staff_id = services.conn.execute(
                "SELECT id FROM staff WHERE active = 1 AND role IN ('cashier', 'manager') "
                "ORDER BY role = 'manager' DESC, id LIMIT 1").fetchone()
            if staff_id is None:
                print("till_worker: nobody may open a shift here: sync the store first", file=sys.stderr)
                return 2
            staff_id = staff_id[0]
            shift = services.current_shift() or services.open_shift(staff_id, 0)
            skus, customers = _skus(services), _customers(services)
            if not skus:
                print("till_worker: nothing is for sale here: sync the store first", file=sys.stderr)
                return 2
            for _ in range(args.sales):
                sell(services, rng, staff_id, shift.id, skus, customers)
        drain(queue, time.monotonic() + WAIT_S)
        _say("done")
        return 0
    finally:
        queue.close()
        services.close()


if __name__ == "__main__":
    sys.exit(main())
