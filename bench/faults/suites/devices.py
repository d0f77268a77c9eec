"""Devices suite: card terminals and receipt printers that misbehave mid-sale (issue #8).

A till store loaded from the demo chain sells through :class:`pos.services.PosServices`
(what the screens call) with a real print queue on the ESC/POS printer emulator and a
real TCP client of the payment terminal emulator. Each case cues one card-terminal
behaviour (approve, decline, decline after a delay, time out after approving, drop the
connection after approving, drop it and reboot so the till's own recovery gives up and
says "unknown") and one printer fault (none, switched off, paper out after a random
number of bytes of the receipt, online but never answering, answering status queries with
garbage), and pays the way the payment screen does: the card under the key ``<sale id>:<attempt>``; an unknown outcome is asked again
with the *same* key ("Retry card"); a decline is paid in cash instead. Then the printer
is mended and the queue retried. Now and then the cashier then presses "Reprint last
receipt": the copy must print marked as a copy ("КОПИЯ"), as a copy of the sale's job.

After each case: the customer was charged at most once for the sale (the emulator's
ledger), a charge always has its recorded sale and a recorded card tender always has its
charge, the sale is recorded once, its receipt printed in full (a copy after a paper-out
is allowed, a lost receipt is not), and the next sale goes through; no exception reaches
the screen (the service calls are the ones the screens make; anything they raise is a
finding).
"""
from __future__ import annotations

import shutil
from collections import Counter
import time

from bench.faults.core import Context, Report, Suite
from retail.demo import DemoChain
from retail.demo.load import load_store

CARD = ("approve", "decline", "decline_after_delay", "timeout", "drop", "drop_reboot")
RETRY_AFTER_S = 0.4   # the cashier reads "outcome unknown" and presses "Retry card"
PRINTER = ("none", "off", "paper_out_mid", "silent", "garbage")
REPRINT_SHARE = 0.2
PRINT_WAIT_S = 15.0


class Devices:
    def __init__(self, ctx: Context) -> None:
        from hardware.emulator.escpos_printer import EscposPrinterEmulator
        from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
        from hardware.payment import TcpPaymentTerminal
        from hardware.printing import PrinterConfig
        from hardware.queue import PrintQueue
        from pos.services import PosServices

        self.ctx = ctx
        now = int(time.time())
        template = ctx.workdir / "template.db"
        load_store(template, DemoChain(now=now - 3600, seed=17, skus=80, stores=2, customers=6), "MSK1",
                   terminal_id="P1")
        self.db = ctx.workdir / "till.db"
        shutil.copyfile(template, self.db)
        self.switched_on = 0
        self.first_outcomes: Counter[str] = Counter()   # what the first ask of each sale's card payment said
        self.recovered = 0                             # Unknown outcomes settled by "Retry card" (same key)
        self.printer = EscposPrinterEmulator(port=0, out_dir=ctx.workdir / "receipts" / "0").start()
        self.port = self.printer.port
        self.card = EmulatedPaymentTerminal().start()
        self.queue = PrintQueue(self.db, PrinterConfig(self.printer.spec, timeout_s=1.0), backoff_s=(0.1, 0.3),
                                poll_s=0.05)
        # the till's own recovery is short, so a terminal that reboots after approving (dark
        # for longer than it) leaves the screen with "unknown" and the cashier's retry settles it
        payment = TcpPaymentTerminal("127.0.0.1", self.card.port, timeout_s=1.0, decision_timeout_s=1.0,
                                     recovery_s=0.3, poll_s=0.05)
        self.services = PosServices(self.db, queue=self.queue, payment=payment)
        self.services.queue_owed_receipts()  # as the app does once it has started
        self.queue.start()
        staff = self.services.conn.execute("SELECT id FROM staff WHERE role = 'manager' AND active = 1").fetchone()[0]
        self.staff = staff
        self.shift = self.services.current_shift() or self.services.open_shift(staff, 100_000)
        self.skus = []
        for (sku,) in self.services.conn.execute("SELECT sku FROM products WHERE unit = 'pcs' AND active = 1"):
            try:
                self.services.offer(sku)
            except Exception:  # not priced here: the cashier could not sell it either
                continue
            self.skus.append(sku)
            if len(self.skus) == 10:
                break

    def close(self) -> None:
        self.queue.close()
        self.services.close()
        self.card.stop()
        self.printer.stop()

    # ---------------------------------------------------------------- one sale, paid as the screen pays

    def sell(self, report: Report, where: str) -> tuple[str, int, str]:
        """Returns (sale id, total, how it was paid: card | cash)."""
        from hardware.payment.results import Approved, Declined
        from retail.cart import Cart
        from retail.ids import new_id
        from retail.sales import Tender

        rng = self.ctx.rng
        cart = Cart()
        for sku in rng.sample(self.skus, rng.randint(1, 3)):
            self.services.offer(sku).add_to(cart)
        priced = self.services.price(cart)
        sale_id = new_id()
        tender = None
        attempt = 1
        result = self.services.pay_card(f"{sale_id}:{attempt}", priced.total)
        self.first_outcomes[type(result).__name__] += 1
        retried = False
        for _retry in range(3):
            if isinstance(result, (Approved, Declined)):
                break
            retried = True
            time.sleep(RETRY_AFTER_S)
            result = self.services.pay_card(f"{sale_id}:{attempt}", priced.total)   # "Retry card": same key
        if retried and isinstance(result, (Approved, Declined)):
            self.recovered += 1
        if isinstance(result, Approved):
            tender = Tender("card", result.amount, f"{result.scheme} {result.masked_pan} {result.txn_id}")
        else:
            if not isinstance(result, Declined):
                report.found(f"{where}: the card outcome stayed {type(result).__name__} after three retries")
            tender = Tender("cash", priced.total)
        sale, _problem = self.services.finish_sale(priced, [tender], staff_id=self.staff, shift_id=self.shift.id,
                                                   sale_id=sale_id)
        return sale_id, sale.total, tender.kind

    # ---------------------------------------------------------------- printer faults

    def break_printer(self, fault: str) -> None:
        rng = self.ctx.rng
        if fault == "off":
            self.printer.stop()
        elif fault == "silent":
            self.printer.set_state(online=False)
        elif fault == "paper_out_mid":   # a receipt is ~1-3 KB: anywhere from the first byte to past the end
            self.printer.paper_out_after(rng.randint(0, 2500))
        elif fault == "garbage":         # invalid bytes, all ones, or a random (maybe well-formed) status byte
            self.printer.garble_status(rng.choice([b"\xff", b"\x00", bytes([rng.randrange(256)])]))

    def mend_printer(self, fault: str) -> None:
        if fault == "off":   # switched on again: the same printer at the same address
            from hardware.emulator.escpos_printer import EscposPrinterEmulator

            self.switched_on += 1   # its own folder: a new emulator numbers its pages from 1 again
            self.printer = EscposPrinterEmulator(port=self.port, out_dir=self.ctx.workdir / "receipts" /
                                                 str(self.switched_on)).start()
        self.printer.paper_out_after(None)
        self.printer.garble_status(None)
        self.printer.set_state(paper="ok", online=True)
        self.services.retry_printing()


def _charges(devices: Devices, sale_id: str) -> int:
    return sum(1 for c in devices.card.ledger if c.key.startswith(f"{sale_id}:"))


def _receipt_printed(devices: Devices, number: str, deadline: float) -> bool:
    from hardware.receipts.sale import job_id

    conn = devices.services.conn
    while time.monotonic() < deadline:
        row = conn.execute("SELECT status FROM print_jobs WHERE id = ?", (job_id(_sale_id(conn, number)),)).fetchone()
        if row is not None and row[0] == "printed":
            return True
        time.sleep(0.05)
    return False


def _check_reprint(devices: Devices, report: Report, where: str, sale_id: str) -> bool:
    """The cashier's "Reprint last receipt": a copy of this sale's job, printed, marked as a copy."""
    from hardware.receipts.sale import job_id

    copy = devices.services.reprint_last()
    if copy.copy_of != job_id(sale_id):
        report.found(f"{where}: the reprint is a copy of {copy.copy_of}, not of this sale's receipt")
        return False
    done = devices.queue.wait_printed(copy.id, PRINT_WAIT_S)
    if done.status != "printed":
        report.found(f"{where}: the reprint ended {done.status}: {done.last_error}")
        return False
    if not any(b.text.strip("* ") in ("КОПИЯ", "COPY") for b in done.document() if hasattr(b, "text")):
        report.found(f"{where}: the reprint is not marked as a copy")
        return False
    return True


def _sale_id(conn, number: str) -> str:
    return conn.execute("SELECT id FROM sales WHERE number = ?", (number,)).fetchone()[0]


def run(ctx: Context, report: Report) -> None:
    devices = Devices(ctx)
    charged_twice = 0
    reprints = 0
    try:
        for n in range(ctx.cases(16, 1000)):
            card = CARD[n % len(CARD)] if n < 10 else ctx.rng.choice(CARD)
            fault = PRINTER[n % len(PRINTER)] if n < 10 else ctx.rng.choice(PRINTER)
            where = f"case {n} (card {card}, printer {fault}, seed {ctx.seed})"
            delay = {"approve": (0.0, 0.3), "decline_after_delay": (0.0, 0.3), "drop_reboot": (0.4, 0.9)}.get(card)
            devices.card.cue(card, ctx.rng.uniform(*delay) if delay else None)
            devices.break_printer(fault)
            try:
                sale_id, total, paid = devices.sell(report, where)
            except Exception as exc:   # it would have reached the screen
                report.found(f"{where}: the sale failed with {type(exc).__name__}: {exc}")
                devices.mend_printer(fault)
                continue
            conn = devices.services.conn
            rows = conn.execute("SELECT number, total FROM sales WHERE id = ?", (sale_id,)).fetchall()
            charges = _charges(devices, sale_id)
            if len(rows) != 1:
                report.found(f"{where}: the sale is recorded {len(rows)} times")
                continue
            if charges > 1:
                charged_twice += 1
                report.found(f"{where}: the customer was charged {charges} times")
            if paid == "card" and charges != 1:
                report.found(f"{where}: a card tender without its charge")
            if paid == "cash" and charges:
                report.found(f"{where}: charged on the card and paid again in cash")
            devices.mend_printer(fault)
            number = rows[0][0]
            if not _receipt_printed(devices, number, time.monotonic() + PRINT_WAIT_S):
                report.found(f"{where}: receipt {number} not printed {PRINT_WAIT_S:.0f} s after the printer was mended")
            elif n == 3 or ctx.rng.random() < REPRINT_SHARE:
                try:
                    reprints += _check_reprint(devices, report, where, sale_id)
                except Exception as exc:   # it would have reached the screen
                    report.found(f"{where}: reprint failed with {type(exc).__name__}: {exc}")
            report.tried(f"{card}+{fault}")
            if ctx.long and (n + 1) % 100 == 0:
                print(f"devices: {n + 1} cases, {len(report.findings)} findings", flush=True)
        seen = [p.read_text(encoding="utf-8") for p in (ctx.workdir / "receipts").rglob("*.txt")]
        numbers = [r[0] for r in devices.services.conn.execute("SELECT number FROM sales")]
        missing = [x for x in numbers if not any(x in page for page in seen)]
        if missing:
            report.found(f"receipts never came out of the printer: {missing[:5]}")
        report.note(f"{len(devices.card.ledger)} card charges for {len(numbers)} sales; "
                    f"{len(seen)} receipt pages printed for them (copies after paper-out included); "
                    f"{reprints} reprints came out marked as copies")
        report.note("first card outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(devices.first_outcomes.items()))
                    + f"; {devices.recovered} unknown outcomes settled by retrying with the same key")
    finally:
        devices.close()


SUITE = Suite("devices", "card terminals that decline, time out or drop after approving, and printers that "
              "are off, run out of paper mid-receipt or never answer: charged once, recorded once, printed", run)
