"""Disk suite: the terminal's database volume fills up during a sale, a print and a feed page.

A full volume is simulated with SQLite's ``PRAGMA max_page_count`` on the connection
doing the work, set a random few pages above what the file holds: SQLite then answers
SQLITE_FULL exactly as it does when the file system has no room, at whatever write
comes first, so the fault lands at a random point inside the transaction. (A real tmpfs
would need mount privileges the CI machine does not give; the code path in SQLite and in
ours is the same.)

Each case, on a till store loaded from the demo chain, tries one of:

- ``sale``: sell random baskets until the disk is full; the failing sale must raise
  :class:`retail.store.StoreFull` (a message a cashier can act on), leave no trace (no
  sale, line, movement, tender, loyalty or outbox row, no receipt number taken), and go
  through once, under the same sale id, when space returns;
- ``print``: queue a receipt while full; refused the same way, no job kept, queued once
  when space returns;
- ``pos``: a cash sale through :meth:`pos.services.PosServices.finish_sale` (what the
  payment screen calls: commit, then queue the receipt) with a few pages of room, so the
  disk fills before the sale, inside it, or between the sale and its receipt. Either the
  sale is refused whole (StoreFull, no trace) and goes through once when space returns,
  or it is saved and the cashier is told so; a receipt a full disk kept out of the queue
  is queued by "Retry printing" once space returns, never lost and never twice;
- ``feed``: apply a catalogue page while full; refused, the feed's checkpoint and the
  catalogue unchanged (checkpoints after data), applied when space returns.

After each case ``PRAGMA integrity_check`` must say ok and receipt numbers stay gapless.

Then, when the suite runs as root and may mount a tmpfs (it checks and says so in a note
when it cannot; nothing depends on it), a few sales on a *real* full file system: the
store on a small tmpfs, a filler file taking all but a random few KB, sell until it is
full, check the refusal, delete the filler and sell the same sale again; and the print
queue's worker started on the full volume with the paper out must live on and print the
receipt once, when space and paper return.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from bench.faults import till
from bench.faults.core import Context, Report, Suite
from hardware.queue import enqueue
from hardware.receipts.sale import build_sale_receipt, job_id
from retail.codes.gtin import make_ean13
from retail.demo import DemoChain
from retail.demo.load import load_store
from retail.ids import new_id
from retail.sales import get_sale
from retail.store import StoreFull, connect
from retail.cart import Cart
from retail.sales import Tender
from retail.feeds.apply import apply_page

KINDS = ("sale", "print", "pos", "feed")
TRACE_TABLES = ("sales", "sale_lines", "tenders", "stock_movements", "loyalty_events", "outbox", "print_jobs",
                "products", "feed_state")
REFUSED: Counter[str] = Counter()   # refusals seen in this run, for the report
ROOMY = 1_073_741_823   # SQLite's default max_page_count: "space returns"


def _counts(conn) -> dict[str, int]:
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in TRACE_TABLES if t in have}


def _fill(conn, rng, headroom: int) -> None:
    """Leave ``headroom`` free pages (0 = full now)."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {int(pages + headroom):d}")


def _roomy(conn) -> None:
    conn.execute(f"PRAGMA max_page_count = {ROOMY:d}")


def _gapless(conn) -> str | None:
    numbers = [int(r[0].rsplit("-", 1)[1]) for r in conn.execute("SELECT number FROM sales ORDER BY seq")]
    if numbers != list(range(1, len(numbers) + 1)):
        return f"receipt numbers are not 1..{len(numbers)}: ...{numbers[-5:]}"
    return None


def _basket(conn, rng, skus, now):
    items = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, min(8, len(skus))))]
    return items


def _case_sale(conn, ctx: Context, report: Report, n: int, skus, now) -> None:
    _fill(conn, ctx.rng, ctx.rng.randint(0, 12))
    for _attempt in range(200):
        items = _basket(conn, ctx.rng, skus, now)
        sale_id = new_id()
        before = _counts(conn)
        try:
            till.sell(conn, items, now=now, sale_id=sale_id)
        except StoreFull as exc:
            REFUSED["sale"] += 1
            if _counts(conn) != before:
                report.found(f"sale case {n}: a sale refused for a full disk left rows behind")
            if "disk is full" not in str(exc):
                report.found(f"sale case {n}: unclear message {exc}")
            _roomy(conn)
            sale = till.sell(conn, items, now=now, sale_id=sale_id)
            again = till.sell(conn, items, now=now, sale_id=sale_id)
            if sale.number != again.number:
                report.found(f"sale case {n}: the retried sale was recorded twice")
            return
        except Exception as exc:  # anything else is a finding
            report.found(f"sale case {n}: {type(exc).__name__} instead of StoreFull: {exc}")
            _roomy(conn)
            return
    _roomy(conn)
    report.note(f"sale case {n}: the disk never filled in 200 sales")


def _case_print(conn, ctx: Context, report: Report, n: int, skus, now) -> None:
    sale = till.sell(conn, _basket(conn, ctx.rng, skus, now), now=now)
    document = build_sale_receipt(conn, get_sale(conn, sale.id), now=now, lang="ru")
    _fill(conn, ctx.rng, 0)
    before = _counts(conn)
    try:
        # a receipt of a few lines may fit in a page with room; make it larger than any free slot
        for i in range(50):
            enqueue(conn, f"{job_id(sale.id)}-{i}", document, "receipt", now=now)
        report.note(f"print case {n}: 50 receipts fitted in the last free pages")
    except StoreFull:
        REFUSED["print"] += 1
    except Exception as exc:
        report.found(f"print case {n}: {type(exc).__name__} instead of StoreFull: {exc}")
    after = _counts(conn)
    if after["print_jobs"] < before["print_jobs"]:
        report.found(f"print case {n}: queued receipts were lost")
    _roomy(conn)
    job = enqueue(conn, job_id(sale.id), document, "receipt", now=now)
    if job.status not in ("queued", "printed"):
        report.found(f"print case {n}: receipt job is {job.status} after space returned")


class Till:
    """The POS's own service layer on the case's store, with a print queue and no printer."""

    def __init__(self, path: Path, now: int) -> None:
        from hardware.queue import PrintQueue
        from pos.services import PosServices

        self.queue = PrintQueue(path, None)
        self.services = PosServices(path, clock=lambda: now, queue=self.queue)
        self.services.queue_owed_receipts()  # as the app does once it has started
        self.staff = till.cashier(self.services.conn)
        self.shift = till.shift(self.services.conn, self.staff, now)

    def close(self) -> None:
        self.queue.close()
        self.services.close()


def _sale_rows(conn, sale_id: str) -> int:
    return conn.execute("SELECT COUNT(*) FROM sales WHERE id = ?", (sale_id,)).fetchone()[0]


def _job(conn, sale_id: str):
    return conn.execute("SELECT status FROM print_jobs WHERE id = ?", (job_id(sale_id),)).fetchone()


def _case_pos(pos: Till, ctx: Context, report: Report, n: int, skus) -> None:
    from pos.services import RECEIPT_NOT_QUEUED, RECEIPT_NOT_QUEUED_CASH

    rng, services = ctx.rng, pos.services
    conn = services.conn
    cart = Cart()
    for sku in rng.sample(skus, rng.randint(1, min(12, len(skus)))):
        services.offer(sku).add_to(cart)
    priced = services.price(cart)
    sale_id = new_id()
    before = _counts(conn)
    _fill(conn, rng, rng.randint(0, 8))
    where = f"pos case {n} (seed {ctx.seed})"

    def finish():
        return services.finish_sale(priced, [Tender("cash", priced.total)], staff_id=pos.staff,
                                    shift_id=pos.shift, sale_id=sale_id)
    try:
        try:
            _sale, problem = finish()
        except StoreFull as exc:
            REFUSED["pos"] += 1
            if _counts(conn) != before:
                report.found(f"{where}: a sale refused for a full disk left rows behind")
            if "disk is full" not in str(exc):
                report.found(f"{where}: unclear message {exc}")
            _roomy(conn)
            _sale, problem = finish()     # the cashier presses Pay again when space returns
            if problem:
                report.found(f"{where}: with space back the sale still says {problem!r}")
        else:
            if problem in (RECEIPT_NOT_QUEUED, RECEIPT_NOT_QUEUED_CASH):
                REFUSED["pos-receipt-owed"] += 1
                if _job(conn, sale_id) is not None:
                    report.found(f"{where}: 'receipt could not be queued' but its job is there")
                _roomy(conn)
                services.retry_printing()
            elif problem:
                report.found(f"{where}: the cashier was told {problem!r}")
    except Exception as exc:   # would reach the payment screen as "something went wrong"
        report.found(f"{where}: {type(exc).__name__} reached the screen: {exc}")
    finally:
        _roomy(conn)
    if _sale_rows(conn, sale_id) != 1:
        report.found(f"{where}: the sale is recorded {_sale_rows(conn, sale_id)} times")
    job = _job(conn, sale_id)
    if job is None or job[0] != "queued":
        report.found(f"{where}: its receipt is {job[0] if job else 'lost'} after space returned")
    services.retry_printing()
    if conn.execute("SELECT COUNT(*) FROM print_jobs WHERE id = ?", (job_id(sale_id),)).fetchone()[0] != 1:
        report.found(f"{where}: the receipt was queued twice")


def _tmpfs_sales(ctx: Context, report: Report, template: Path, now: int) -> None:
    """A few sales on a real file system that fills up (root and a mountable tmpfs only)."""
    if os.geteuid() != 0:
        report.note("real full file system not tried: not running as root (max_page_count only)")
        return
    mount = ctx.workdir / "volume"
    mount.mkdir()
    size_kb = template.stat().st_size // 1024 + 2048
    tried = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)],
                           capture_output=True, text=True, timeout=30)
    if tried.returncode != 0:
        report.note(f"real full file system not tried: mount tmpfs refused ({tried.stderr.strip()[:120]})")
        return
    refused = other = 0
    cases = ctx.cases(3, 40)
    conn = None
    path = mount / "till.db"

    def fresh():
        """A fresh store on the volume each case: the last one's sales must not eat the room."""
        nonlocal conn
        if conn is not None:
            conn.close()
        for old in mount.glob("till.db*"):
            old.unlink()
        shutil.copyfile(template, path)
        conn = connect(path)
        till.sell(conn, [(skus[0], 1)], now=now)   # the shift and the WAL exist before the squeeze
        return conn

    try:
        skus = []
        shutil.copyfile(template, path)
        with connect(path) as probe:
            skus = till.priced_skus(probe, 20, now)
        probe.close()
        for n in range(cases):
            conn = fresh()
            headroom = ctx.rng.randint(0, 64) * 1024
            filler = _fill_volume(mount, headroom)
            where = f"tmpfs case {n} (seed {ctx.seed}, {headroom // 1024} KB left)"
            for _attempt in range(200):
                items = _basket(conn, ctx.rng, skus, now)
                sale_id = new_id()
                before = _counts(conn)
                try:
                    till.sell(conn, items, now=now, sale_id=sale_id)
                except StoreFull:
                    refused += 1
                    if _counts(conn) != before:
                        report.found(f"{where}: a refused sale left rows behind")
                    filler.unlink()
                    till.sell(conn, items, now=now, sale_id=sale_id)
                    if _sale_rows(conn, sale_id) != 1:
                        report.found(f"{where}: the sale is not recorded once after space returned")
                    break
                except Exception as exc:
                    other += 1
                    report.found(f"{where}: {type(exc).__name__} instead of StoreFull: {exc}")
                    filler.unlink(missing_ok=True)
                    break
            else:
                report.note(f"{where}: 200 sales fitted")
            filler.unlink(missing_ok=True)
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                report.found(f"{where}: integrity_check failed")
            gap = _gapless(conn)
            if gap:
                report.found(f"{where}: {gap}")
            report.tried("tmpfs")
        _tmpfs_queue(ctx, report, mount, fresh(), skus, now)
    finally:
        if conn is not None:
            conn.close()
        if subprocess.run(["umount", str(mount)], capture_output=True, timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)   # detach it at least
    report.note(f"real full tmpfs: {refused} of {cases} cases refused with StoreFull, {other} otherwise")


def _fill_volume(mount: Path, headroom: int) -> Path:
    filler = mount / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
        left = max(0, free - headroom)
        while left > 0:
            left -= os.write(fd, b"\0" * min(65536, left))
    except OSError:     # the volume's own rounding: full already
        pass
    finally:
        os.close(fd)
    return filler


def _tmpfs_queue(ctx: Context, report: Report, mount: Path, conn, skus, now: int) -> None:
    """The print queue's worker on the full volume: lives on, prints once there is room."""
    import time

    from hardware.emulator.escpos_printer import EscposPrinterEmulator
    from hardware.printing import PrinterConfig
    from hardware.queue import PrintQueue

    sale = till.sell(conn, _basket(conn, ctx.rng, skus, now), now=now)
    enqueue(conn, job_id(sale.id), build_sale_receipt(conn, get_sale(conn, sale.id), now=now, lang="ru"),
            "receipt", now=now)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with EscposPrinterEmulator(port=0, paper="out") as printer:
        filler = _fill_volume(mount, 0)
        queue = PrintQueue(mount / "till.db", PrinterConfig(printer.spec, timeout_s=1.0), backoff_s=(0.05, 0.1),
                           poll_s=0.05).start()
        try:
            time.sleep(0.6)     # the worker meets paper out and a disk that cannot take the note
            if not queue._thread.is_alive():
                report.found(f"tmpfs queue (seed {ctx.seed}): the print queue's worker died on the full disk")
            filler.unlink()
            printer.set_state(paper="ok")
            queue.retry_now()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and queue.job(job_id(sale.id)).status != "printed":
                time.sleep(0.05)
            if queue.job(job_id(sale.id)).status != "printed":
                report.found(f"tmpfs queue (seed {ctx.seed}): the receipt did not print once space returned")
            elif len(printer.jobs) != 1:
                report.found(f"tmpfs queue (seed {ctx.seed}): the receipt printed {len(printer.jobs)} times")
        finally:
            queue.close()
    report.tried("tmpfs-queue")


def _page(conn, rng, n: int) -> tuple[dict, str]:
    cursor = (conn.execute("SELECT cursor FROM feed_state WHERE feed = 'catalogue'").fetchone() or [""])[0]
    base = 900_000 + n * 100
    rows = []
    for i in range(rng.randint(20, 80)):
        sku = str(base + i)
        rows.append({"op": "upsert", "key": f"product:{sku}", "data": {
            "type": "product", "sku": sku, "name_ru": f"Товар {sku} " + "а" * rng.randint(0, 400),
            "name_en": f"Item {sku}", "description_ru": "", "description_en": "", "category_id": None,
            "brand_id": None, "unit": "pcs", "vat_rate_bp": 2000, "plu": None, "image": "", "attributes": {},
            "related": [], "active": True, "location": "", "barcodes": [make_ean13("461" + sku.zfill(9))]}})
    terminal = conn.execute("SELECT value FROM settings WHERE key = 'terminal_id'").fetchone()[0]
    nxt = f"{base}"
    return ({"feed": "catalogue", "store": "MSK1", "version": base, "cursor": cursor, "next_cursor": nxt,
             "more": False, "included": {terminal: 0}, "server_time": 0, "rows": rows}, terminal)


def _case_feed(conn, ctx: Context, report: Report, n: int, now) -> None:
    page, terminal = _page(conn, ctx.rng, n)
    state = conn.execute("SELECT cursor FROM feed_state WHERE feed = 'catalogue'").fetchone()
    _fill(conn, ctx.rng, ctx.rng.randint(0, 3))
    before = _counts(conn)
    try:
        apply_page(conn, "catalogue", page, terminal_id=terminal, now=now, sent_cursor=page["cursor"])
        report.note(f"feed case {n}: the page fitted")
    except StoreFull:
        REFUSED["feed"] += 1
        if _counts(conn)["products"] != before["products"]:
            report.found(f"feed case {n}: a page refused for a full disk left products behind")
        if conn.execute("SELECT cursor FROM feed_state WHERE feed = 'catalogue'").fetchone() != state:
            report.found(f"feed case {n}: the checkpoint moved without its data")
    except Exception as exc:
        report.found(f"feed case {n}: {type(exc).__name__} instead of StoreFull: {exc}")
    _roomy(conn)
    apply_page(conn, "catalogue", page, terminal_id=terminal, now=now, sent_cursor=page["cursor"])
    sku = page["rows"][0]["data"]["sku"]
    if conn.execute("SELECT 1 FROM products WHERE sku = ?", (sku,)).fetchone() is None:
        report.found(f"feed case {n}: the page did not apply once space returned")


def run(ctx: Context, report: Report) -> None:
    REFUSED.clear()
    now = 1_795_000_000
    template = ctx.workdir / "template.db"
    load_store(template, DemoChain(now=now, seed=11, skus=150, stores=2, customers=10), "MSK1", terminal_id="P1")
    cases = ctx.cases(24, 1500)
    per_store = 50      # a fresh copy now and then keeps the file small and the cases varied
    conn = pos = None
    try:
        for n in range(cases):
            if n % per_store == 0:
                if conn is not None:
                    conn.close()
                    pos.close()
                path = ctx.workdir / f"till-{n // per_store}.db"
                shutil.copyfile(template, path)
                conn = connect(path)
                skus = till.priced_skus(conn, 20, now)
                pos = Till(path, now)
            kind = KINDS[n % len(KINDS)] if n < len(KINDS) else KINDS[ctx.rng.randrange(len(KINDS))]
            _case(kind, conn, pos, ctx, report, n, skus, now)
    finally:
        if conn is not None:
            conn.close()
            pos.close()
    _tmpfs_sales(ctx, report, template, now)
    report.note("refused for a full disk and then done once: " +
                ", ".join(f"{REFUSED[k]} of {report.attempts[k]} {k} cases" for k in KINDS) +
                f"; {REFUSED['pos-receipt-owed']} pos sales saved with their receipt owed, queued when space returned")


def _case(kind: str, conn, pos: Till, ctx: Context, report: Report, n: int, skus, now: int) -> None:
    if kind == "sale":
        _case_sale(conn, ctx, report, n, skus, now)
    elif kind == "print":
        _case_print(conn, ctx, report, n, skus, now)
    elif kind == "pos":
        _case_pos(pos, ctx, report, n, skus)
    else:
        _case_feed(conn, ctx, report, n, now)
    if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        report.found(f"{kind} case {n}: integrity_check failed")
    gap = _gapless(conn)
    if gap:
        report.found(f"{kind} case {n}: {gap}")
    report.tried(kind)


SUITE = Suite("disk", "the database volume full during a sale, a print, a POS sale and its receipt, and a feed "
              "page: clear refusal, nothing partial, resumes when space returns", run)
