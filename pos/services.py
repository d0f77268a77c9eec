"""Everything the till's screens ask for, as blocking calls for the Worker.

``PosServices`` extends :class:`ui.services.TerminalServices` with the cashier's and the
manager's actions: PIN sign-in and on-the-spot approvals, shifts and cash, committing
sales with their tenders, card payments through the payment terminal, suspended sales,
kiosk baskets handed over by QR, returns (by receipt, of web orders looked up online,
and blind), click-and-collect handover, and the sync console's lists.

Screens never run SQL and never block: they call these methods through
``app.worker.submit``. Every write goes through the domain modules in ``retail/``
(each one durable transaction with its outbox event); the little the till keeps for
itself (suspended sales, recalled baskets) lives in migration 0004's tables.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from retail import crashpoints, loyalty, outbox, returns, sales, shifts, staff
from retail import orders as retail_orders
from retail.cart import Cart, CartError
from retail.money import MILLI, vat_included
from retail.pricing import CartLine, PricedCart, PricedLine, VatRow
from retail.store import StoreFull, checkpoint, transaction
from retail.store.settings import get_int

from ui.services import ServiceError, TerminalServices

log = logging.getLogger(__name__)

RECEIPT_NOT_QUEUED = ("The sale is saved, but the terminal's disk is full and its receipt could not be queued. "
                      "Call the technician to free space and restart the till: the receipt prints then")
RECEIPT_NOT_QUEUED_CASH = RECEIPT_NOT_QUEUED + ". Open the cash drawer with the key"   # its kick was in the receipt


@dataclass(frozen=True)
class SuspendedSale:
    id: str
    label: str
    staff_id: str
    lines: int
    total: int
    created_at: int


@dataclass(frozen=True)
class RecalledBasket:
    """A kiosk basket taken over at the till: the cart, and the lines that could not come."""

    cart: Cart
    basket_id: str
    kiosk: str
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class OutboxRow:
    seq: int
    kind: str
    status: str
    created_at: int
    attempts: int
    last_error: str
    acked_at: int | None
    ref: str                  # what it is about: receipt, order or shift number
    amount: int | None        # its total or amount, when it has one


@dataclass(frozen=True)
class QuarantineRow:
    id: int
    feed: str
    row_key: str
    reason: str
    at: int


class PosServices(TerminalServices):
    """The till's services. ``payment`` is a ``hardware.payment.PaymentTerminal`` (or None);
    ``lookup_order`` fetches a web order from central by number (``sync.lookup``)."""

    def __init__(self, db_path, *, clock=None, payment=None, queue=None, drawer=None,
                 lookup_order: Callable[[str], dict] | None = None, **kwargs) -> None:
        if clock is not None:
            kwargs["clock"] = clock
        super().__init__(db_path, **kwargs)
        self.payment = payment
        self.queue = queue      # hardware.queue.PrintQueue (receipts wait there for the printer)
        self.drawer = drawer    # hardware.drawer.Drawer, when it is not kicked through the receipt
        self._lookup_order = lookup_order

    # ---------------------------------------------------------------- staff

    def sign_in(self, pin: str) -> staff.StaffMember:
        """The staff member with this PIN (counts failures towards the PIN pad lockout)."""
        member = staff.sign_in(self.conn, pin, self.now())
        staff.audit(self.conn, member.id, "sign_in", now=self.now())
        return member

    def sign_out(self, staff_id: str, why: str = "lock") -> None:
        staff.audit(self.conn, staff_id, "sign_out", now=self.now(), details={"why": why})

    def approve(self, action: str, requester_id: str, pin: str, details: dict | None = None) -> staff.Approval:
        """A manager's PIN approves ``action`` for ``requester_id``; the approval is audited."""
        return staff.approve(self.conn, action, requester_id, pin, self.now(), details)

    def audit(self, staff_id: str, action: str, details: dict | None = None,
              approval: staff.Approval | None = None) -> str:
        """Record what the screen did (a void, a price override...); returns the audit row's id.

        An action that :data:`retail.staff.PERMISSIONS` gates is only recorded as done by
        someone whose role allows it, or with an approval that a manager really gave
        for this person (its audit row); otherwise :class:`retail.staff.NotAllowed`, so
        the trail can never show a cashier's override as a manager's right.
        """
        if approval is not None:
            self._check_approval(approval, staff_id)
        elif action in staff.PERMISSIONS:
            member = staff.require_staff(self.conn, staff_id)
            if not staff.can(member.role, action):
                raise staff.NotAllowed(f"{action.replace('_', ' ')} needs a manager's approval")
        return staff.audit(self.conn, staff_id, action, now=self.now(),
                           approver_id=approval.approver_id if approval else None, details=details)

    def _check_approval(self, approval: staff.Approval, staff_id: str) -> None:
        """Is ``approval`` an approval row a manager gave to ``staff_id`` (not one made up)?"""
        row = self.conn.execute("SELECT staff_id, approver_id, action FROM audit WHERE id = ?",
                                (approval.id,)).fetchone()
        if (row is None or row[0] != staff_id or row[1] is None or row[1] != approval.approver_id
                or row[2] != approval.action):
            raise staff.NotAllowed("that approval was not given on this till for this person; ask a manager")

    def _spend_approval(self, approval: staff.Approval, action: str, staff_id: str) -> None:
        """Inside the action's transaction: check ``approval`` and mark it used, once.

        For actions that leave no row with an ``approval_id`` column (no sale, the sync
        console), the ``approval_used`` audit row is what makes an approval single use.
        """
        approval_id = staff.authorise(self.conn, action, staff_id, self.now(), approval=approval)
        used = self.conn.execute(
            "SELECT 1 FROM audit WHERE action = 'approval_used' AND json_extract(details, '$.approval') = ?",
            (approval_id,)).fetchone()
        if used:
            raise staff.NotAllowed("that approval was already used; each one is good for one action")
        staff.audit(self.conn, staff_id, "approval_used", now=self.now(), approver_id=approval.approver_id,
                    details={"approval": approval_id, "action": action})

    def staff_name(self, staff_id: str) -> str:
        member = staff.get_staff(self.conn, staff_id)
        return member.name if member else staff_id

    def void_threshold(self) -> int:
        return get_int(self.conn, "void_threshold_kopecks", 100_000)

    def idle_lock_seconds(self) -> int:
        return get_int(self.conn, "idle_lock_seconds", 300)

    # ---------------------------------------------------------------- shifts and cash

    def current_shift(self) -> shifts.Shift | None:
        return shifts.current_shift(self.conn)

    def open_shift(self, staff_id: str, float_amount: int, shift_id: str | None = None) -> shifts.Shift:
        return shifts.open_shift(self.conn, staff_id, float_amount, self.now(), shift_id=shift_id)

    def cash_in(self, shift_id: str, amount: int, reason: str, staff_id: str,
                movement_id: str | None = None) -> shifts.CashMovement:
        return shifts.cash_in(self.conn, shift_id, amount, reason, staff_id=staff_id, now=self.now(),
                              movement_id=movement_id)

    def cash_out(self, shift_id: str, amount: int, reason: str, staff_id: str,
                 approval: staff.Approval | None = None, movement_id: str | None = None) -> shifts.CashMovement:
        return shifts.cash_out(self.conn, shift_id, amount, reason, staff_id=staff_id, now=self.now(),
                               approval=approval, movement_id=movement_id)

    def cash_in_drawer(self, shift_id: str) -> int:
        return shifts.cash_in_drawer(self.conn, shift_id)

    def x_report(self, shift_id: str | None = None) -> shifts.ShiftReport:
        return shifts.x_report(self.conn, self.now(), shift_id)

    def close_shift(self, shift_id: str, counted: int, staff_id: str,
                    approval: staff.Approval | None = None) -> shifts.ShiftReport:
        return shifts.close_shift(self.conn, shift_id, counted, staff_id=staff_id, now=self.now(),
                                  approval=approval)

    def z_report(self, shift_id: str) -> shifts.ShiftReport:
        return shifts.z_report(self.conn, shift_id)

    def print_report(self, report: shifts.ShiftReport, lang: str = "ru") -> str:
        """Queue an X or Z report for the printer; returns a problem to tell, or ""."""
        if self.queue is None:
            return "No receipt printer is set up; the report was not printed"
        from hardware.receipts.reports import build_shift_report, job_id

        self.queue.enqueue(self.conn, job_id(report), build_shift_report(self.conn, report, lang=lang), "report",
                           lang=lang)
        return ""

    def print_x_report(self, shift_id: str, lang: str = "ru") -> tuple[shifts.ShiftReport, str]:
        report = self.x_report(shift_id)
        return report, self.print_report(report, lang)

    def close_and_print(self, shift_id: str, counted: int, staff_id: str, approval: staff.Approval | None,
                        lang: str = "ru") -> tuple[shifts.ShiftReport, str]:
        """Close the shift with the counted cash and print its Z report."""
        report = self.close_shift(shift_id, counted, staff_id, approval)
        return report, self.print_report(report, lang)

    # ---------------------------------------------------------------- selling

    def central_online(self) -> bool:
        """Did the running agent reach central on its last try? (Decides the points cap.)"""
        try:
            return bool(self.sync_status().online)
        except Exception:  # a status row that cannot be read means: assume offline
            log.exception("sync status unreadable")
            return False

    def redeemable_points(self, customer_id: str) -> tuple[int, bool]:
        """(points the customer may spend now, central reachable)."""
        account = loyalty.get_account(self.conn, customer_id)
        if account is None:
            return 0, False
        online = self.central_online()
        return loyalty.max_redeemable(self.conn, account, online), online

    def point_value(self) -> int:
        return loyalty.point_value(self.conn)

    def commit_sale(self, priced: PricedCart, tenders: Iterable[sales.Tender], *, staff_id: str,
                    shift_id: str, sale_id: str, customer_id: str | None = None, card_number: str | None = None,
                    order_id: str | None = None, names: Mapping[int, str] | None = None) -> sales.CommittedSale:
        """Record the paid sale once (idempotent by ``sale_id``); points cap by central's reachability."""
        customer = None
        if customer_id:
            account = loyalty.get_account(self.conn, customer_id)
            if account is None:
                raise ServiceError("This customer is not known on this till; sell without the card")
            customer = loyalty.Account(account.customer_id, account.first_name, account.tier,
                                       account.central_balance, account.pending_points, account.balance,
                                       loyalty.mask_card(card_number) if card_number else "")
        online = any(t.kind == "points" for t in tenders) and self.central_online()
        return sales.commit_sale(self.conn, priced, list(tenders), staff_id=staff_id, shift_id=shift_id,
                                 customer=customer, order_id=order_id, now=self.now(), sale_id=sale_id,
                                 names=names, points_online=online)

    def pay_card(self, key: str, amount: int, on_state=None):
        """Charge ``amount`` on the payment terminal under idempotency ``key`` (a PaymentResult).

        The same key after an Unknown outcome asks the terminal again instead of charging twice.
        """
        if self.payment is None:
            raise ServiceError("No card terminal is configured on this till")
        return self.payment.pay(key, amount, on_state=on_state)

    def card_status(self, key: str):
        if self.payment is None:
            raise ServiceError("No card terminal is configured on this till")
        return self.payment.status(key)

    def finish_sale(self, priced: PricedCart, tenders: Iterable[sales.Tender], *, lang: str = "ru",
                    **commit) -> tuple[sales.CommittedSale, str]:
        """Commit the sale, queue its receipt and open the drawer for cash.

        Returns (the sale, a problem to tell the cashier or ""). The sale stands whatever
        the printer does: a receipt that cannot print waits in the queue for a reprint.
        Once the sale is committed nothing raises: a full disk while queueing the receipt
        is a problem to tell (the sale *was* saved), not the store's "nothing was saved".
        """
        sale = self.commit_sale(priced, tenders, **commit)
        crashpoints.reach("sale.committed")
        return sale, self.after_sale(sale, lang)

    def after_sale(self, sale: sales.CommittedSale, lang: str = "ru") -> str:
        """Queue the receipt of a committed sale or return and kick the drawer if cash moved.

        Then checkpoint the WAL while the customer takes the receipt: the till's connections
        leave that out of their commits (see :mod:`retail.store.db`), so no sale pays for it.
        """
        problem = self._receipt_and_drawer(sale, lang)
        checkpoint(self.conn)
        return problem

    def _receipt_and_drawer(self, sale: sales.CommittedSale, lang: str) -> str:
        cash = any(t.kind == "cash" for t in sale.tenders)
        problem = ""
        if cash and self.drawer is not None and not self._drawer_on_printer():
            try:
                self.drawer.open()
            except Exception as exc:  # the sale is done; say what to check
                log.warning("drawer: %s", exc)
                problem = "The cash drawer did not open: open it with the key"
        if self.queue is None:
            return problem or "No receipt printer is set up; the receipt was not printed"
        from hardware.receipts.sale import build_sale_receipt, job_id

        document = build_sale_receipt(self.conn, sale, now=self.now(), lang=lang,
                                      kick_drawer=cash and self._drawer_on_printer())
        try:
            self.queue.enqueue(self.conn, job_id(sale.id), document, "receipt", lang=lang)
        except StoreFull:
            # The sale committed in its own transaction; only the receipt job did not fit.
            # "Retry printing" (or the next start) queues the receipts the shift still owes.
            log.warning("disk full: the receipt of sale %s is owed until space returns", sale.number)
            return RECEIPT_NOT_QUEUED_CASH if cash and self._drawer_on_printer() else RECEIPT_NOT_QUEUED
        return problem

    def queue_owed_receipts(self, lang: str = "ru") -> int:
        """Queue the receipts the open shift's sales and returns are still owed; returns how many.

        A sale commits first and its receipt is queued right after, in a second step: a till
        killed between the two (power cut, crash) left a paid sale with nothing to print and
        "Reprint last receipt" pointing at the customer before. The app runs this in its
        worker once it has started (a shift that a full disk kept from printing can owe
        thousands, ~13 ms each to lay out: never before the first frame); the drawer is not
        kicked, that moment passed.
        """
        if self.queue is None:
            return 0
        shift = self.current_shift()
        if shift is None:
            return 0
        from hardware.receipts.sale import build_sale_receipt, job_id

        owed = [r[0] for r in self.conn.execute(
            "SELECT s.id FROM sales s WHERE s.shift_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM print_jobs j WHERE j.id = ? || s.id) ORDER BY s.seq", (shift.id, job_id("")))]
        queued = 0
        for sale_id in owed:
            try:
                document = build_sale_receipt(self.conn, sale_id, now=self.now(), lang=lang, kick_drawer=False)
                self.queue.enqueue(self.conn, job_id(sale_id), document, "receipt", lang=lang)
            except Exception:  # one receipt that cannot be laid out must not keep the till from starting
                log.exception("could not queue the owed receipt of sale %s", sale_id)
                continue
            queued += 1
        if queued:
            log.warning("queued %d owed receipts (a crash or a full disk had kept them out)", queued)
        return queued

    def _drawer_on_printer(self) -> bool:
        from hardware.drawer import PrinterDrawer

        return self.drawer is None or isinstance(self.drawer, PrinterDrawer)

    def rebuild_device(self, kind: str):
        """Build ``kind`` again from the device configuration and use it (the technician changed it).

        The drawer and the payment terminal are swapped here; a scanner is returned for the
        app to start (it delivers to the app's callback).
        """
        from hardware import devices

        if kind == "drawer":
            self.drawer = devices.build_drawer(self.conn, self.queue.printer if self.queue is not None else None)
            return self.drawer
        if kind == "payment":
            old, self.payment = self.payment, devices.build_payment(self.conn)
            close = getattr(old, "close", None)
            if close is not None:
                close()
            return self.payment
        if kind == "scanner":
            return devices.build_scanner(self.conn)
        raise ServiceError("Unknown device kind {kind}", kind=kind)

    def reprint_last(self):
        """Queue a copy of the last receipt (marked as a copy)."""
        if self.queue is None:
            raise ServiceError("No receipt printer is set up on this till")
        job = self.queue.last_receipt_job()
        if job is None:
            raise ServiceError("There is no receipt to reprint yet")
        return self.queue.reprint(job.id)

    def retry_printing(self) -> None:
        """The cashier's "Retry printing": queue receipts a full disk kept out, then print now."""
        if self.queue is not None:
            self.queue_owed_receipts()
            self.queue.retry_now()

    def open_drawer(self) -> None:
        if self.drawer is None:
            raise ServiceError("No cash drawer is set up on this till")
        self.drawer.open()

    def open_drawer_quietly(self) -> None:
        """Open the drawer for cash in or out when there is one; a missing drawer is no error."""
        if self.drawer is not None:
            try:
                self.drawer.open()
            except Exception as exc:
                log.warning("drawer: %s", exc)

    def no_sale(self, staff_id: str, approval: staff.Approval | None = None) -> None:
        """Open the drawer without a sale (a manager's right or approval); audited."""
        if self.drawer is None:
            raise ServiceError("No cash drawer is set up on this till")
        with transaction(self.conn):
            if approval is None:  # the person's own right, audited by authorise
                staff.authorise(self.conn, "no_sale", staff_id, self.now(), details={"reason": "no sale"})
            else:                 # the approval audited itself; it opens the drawer once
                self._spend_approval(approval, "no_sale", staff_id)
        self.open_drawer()

    def last_sale(self) -> sales.CommittedSale | None:
        return sales.last_sale(self.conn)

    def get_sale(self, id_or_number: str) -> sales.CommittedSale:
        return sales.get_sale(self.conn, id_or_number)

    # ---------------------------------------------------------------- suspended sales

    def suspend(self, cart: Cart, total: int, staff_id: str, shift_id: str | None, label: str = "") -> str:
        """Put a sale aside; returns its id (the cart's). Nothing is sold or held."""
        if cart.is_empty():
            raise ServiceError("There is nothing to suspend")
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO suspended_sales(id, label, staff_id, shift_id, cart, lines, total, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET label = excluded.label, "
                "cart = excluded.cart, lines = excluded.lines, total = excluded.total, "
                "created_at = excluded.created_at, resumed_at = NULL, resumed_by = NULL",
                (cart.id, label.strip()[:60], staff_id, shift_id, json.dumps(cart.to_dict(), ensure_ascii=False),
                 len(cart.items), total, self.now()))
            staff.audit(self.conn, staff_id, "suspend_sale", now=self.now(),
                        details={"cart_id": cart.id, "lines": len(cart.items), "total": total})
        return cart.id

    def suspended(self) -> list[SuspendedSale]:
        return [SuspendedSale(*r) for r in self.conn.execute(
            "SELECT id, label, staff_id, lines, total, created_at FROM suspended_sales "
            "WHERE resumed_at IS NULL ORDER BY created_at")]

    def resume(self, suspended_id: str, staff_id: str) -> Cart:
        """Take a suspended sale back into the till; refused if someone already did."""
        with transaction(self.conn):
            row = self.conn.execute(
                "UPDATE suspended_sales SET resumed_at = ?, resumed_by = ? WHERE id = ? AND resumed_at IS NULL "
                "RETURNING cart", (self.now(), staff_id, suspended_id)).fetchone()
            if row is None:
                raise ServiceError("That suspended sale was already resumed")
            staff.audit(self.conn, staff_id, "resume_sale", now=self.now(), details={"cart_id": suspended_id})
        try:
            return Cart.from_dict(json.loads(row[0]))
        except (CartError, ValueError) as exc:
            raise ServiceError("The suspended sale cannot be read: {error}", error=str(exc)) from None

    # ---------------------------------------------------------------- kiosk baskets

    def recall_basket(self, code: str, staff_id: str) -> RecalledBasket:
        """A kiosk basket from its signed hand-off QR, priced at today's shelf prices.

        The signature is checked offline; a basket of another store, or one already
        recalled, is refused. Lines no longer sold here are left out and named.
        """
        scanned = self.verify_code(code, "basket")
        payload = scanned.payload
        store, _terminal = self.identity()
        if payload.get("store") != store:
            raise ServiceError("This basket is from store {store}, not this one", store=payload.get("store"))
        basket_id, kiosk = str(payload["basket_id"]), str(payload.get("terminal", ""))
        cart, skipped = Cart(), []
        for sku, qty in payload.get("lines", ()):
            try:
                self.offer(sku).add_to(cart, qty)
            except (ServiceError, CartError) as exc:
                skipped.append(f"{sku}: {exc}")
        if cart.is_empty():
            raise ServiceError("None of the basket's products can be sold here now")
        with transaction(self.conn):
            done = self.conn.execute("SELECT at FROM basket_recalls WHERE basket_id = ?", (basket_id,)).fetchone()
            if done is not None:
                raise ServiceError("This basket was already taken over at the till")
            self.conn.execute("INSERT INTO basket_recalls(basket_id, kiosk, staff_id, lines, at) VALUES (?, ?, ?, ?, ?)",
                              (basket_id, kiosk, staff_id, len(cart.items), self.now()))
        return RecalledBasket(cart, basket_id, kiosk, tuple(skipped))

    # ---------------------------------------------------------------- returns

    def find_receipt(self, text: str) -> sales.CommittedSale:
        """A sale by its signed receipt QR (checked offline) or its typed receipt number."""
        text = (text or "").strip()
        if not text:
            raise ServiceError("Scan the receipt's QR code or type its number")
        if text.upper().startswith("VT"):
            payload = self.verify_code(text, "receipt").payload
            store, _ = self.identity()
            if payload.get("store") != store:
                raise ServiceError("This receipt is from store {store}, not this one", store=payload.get("store"))
            try:
                return sales.get_sale(self.conn, str(payload["sale_id"]))
            except sales.SaleNotFound:
                raise ServiceError("Receipt {number} was sold on another till of this store; return it there "
                                   "or as a return without a receipt", number=payload.get("receipt")) from None
        sale = sales.get_sale(self.conn, text)
        if sale.kind != "sale":
            raise ServiceError("{number} is itself a return; find the original receipt", number=sale.number)
        return sale

    def returnable(self, sale_id: str) -> list[returns.ReturnableLine]:
        return returns.returnable_lines(self.conn, sale_id)

    def return_sale(self, sale_id: str, lines: list[tuple[int, int]], refund: str | None, *, staff_id: str,
                    shift_id: str, return_id: str, approval: staff.Approval | None = None) -> sales.CommittedSale:
        """Return ``lines`` [(line_no, qty_milli)]; ``refund`` None = to the original tenders, "cash" = cash."""
        return returns.commit_return(self.conn, sale_id, lines, refund, staff_id=staff_id, shift_id=shift_id,
                                     now=self.now(), return_id=return_id, approval=approval)

    def lookup_order(self, number: str) -> dict:
        """A web/app order of the chain by number, asked of central now (fails fast when offline)."""
        if self._lookup_order is None:
            raise ServiceError("Looking up web orders needs the connection to central")
        number = (number or "").strip().upper()
        if not number:
            raise ServiceError("Type the order number")
        from sync.errors import AuthError, TransportError
        from sync.lookup import OrderNotFound

        try:
            return self._lookup_order(number)
        except TransportError:
            raise ServiceError("Central cannot be reached now, so web orders cannot be looked up; "
                               "try again when the till is online") from None
        except OrderNotFound:
            raise ServiceError("Central has no order {number}; check the number in the confirmation",
                               number=number) from None
        except AuthError:
            raise ServiceError("Central refused this till's token; a technician must register it again") from None

    def return_order(self, order: dict, lines: list[tuple[int, int]], refund: str | None, *, staff_id: str,
                     shift_id: str, return_id: str, approval: staff.Approval | None = None) -> sales.CommittedSale:
        return returns.commit_order_return(self.conn, order, lines, refund, staff_id=staff_id, shift_id=shift_id,
                                           now=self.now(), return_id=return_id, approval=approval)

    def blind_return(self, items: list[tuple[str, int]], refund: str | None, *, staff_id: str, shift_id: str,
                     return_id: str, approval: staff.Approval, lang: str = "ru") -> sales.CommittedSale:
        """Items [(sku, qty_milli)] without a receipt, at today's shelf price; needs an approval."""
        lines = []
        for sku, qty in items:
            offer = self.offer(sku)
            lines.append(returns.BlindLine(sku, offer.product.name(lang), qty, offer.price.shown,
                                           offer.product.vat_rate_bp))
        return returns.commit_blind_return(self.conn, lines, refund, approval=approval, staff_id=staff_id,
                                           shift_id=shift_id, now=self.now(), return_id=return_id)

    # ---------------------------------------------------------------- click and collect

    def pickup_orders(self) -> list[retail_orders.Order]:
        store, _ = self.identity()
        return retail_orders.orders_for_store(self.conn, store)

    def overdue_orders(self) -> list[retail_orders.Order]:
        store, _ = self.identity()
        return retail_orders.overdue(self.conn, store, self.now())

    def get_order(self, id_or_number: str) -> retail_orders.Order | None:
        return retail_orders.get_order(self.conn, id_or_number)

    def set_order_status(self, order_id: str, status: str, staff_id: str) -> retail_orders.Order:
        return retail_orders.set_status(self.conn, order_id, status, staff_id=staff_id, now=self.now())

    def hand_over(self, order_id: str, staff_id: str, sale_id: str | None = None) -> retail_orders.Order:
        return retail_orders.hand_over(self.conn, order_id, staff_id=staff_id, now=self.now(), sale_id=sale_id)

    @staticmethod
    def order_priced_cart(order: retail_orders.Order) -> PricedCart:
        """The amount due at handover as a priced cart: the order's lines at the order's amounts.

        The order was priced when it was placed (promotions included); the till charges
        exactly that, not today's prices.
        """
        lines, vat = [], {}
        for n, ol in enumerate(order.lines, start=1):
            unit = "pcs" if ol.qty_milli % MILLI == 0 else "kg"
            line = CartLine(line_no=n, sku=ol.sku, qty_milli=ol.qty_milli, unit_price=ol.unit_price,
                            vat_rate_bp=ol.vat_rate_bp, unit=unit)
            tax = vat_included(ol.amount, ol.vat_rate_bp)
            lines.append(PricedLine(line, ol.amount, (), 0, ol.amount, tax))
            gross, v = vat.get(ol.vat_rate_bp, (0, 0))
            vat[ol.vat_rate_bp] = (gross + ol.amount, v + tax)
        total = sum(pl.amount for pl in lines)
        rows = tuple(VatRow(rate, g, v) for rate, (g, v) in sorted(vat.items(), reverse=True))
        return PricedCart(tuple(lines), total, 0, total, rows, (), ())

    # ---------------------------------------------------------------- sync console

    def outbox_rows(self, status: str, limit: int = 200) -> list[OutboxRow]:
        """Events of one status ('pending', 'acked', 'dead'), newest first, with reasons."""
        if status not in ("pending", "acked", "dead"):
            raise ServiceError("Unknown event status {status}", status=status)
        out = []
        for r in self.conn.execute(
                "SELECT seq, kind, status, created_at, attempts, COALESCE(last_error, ''), acked_at, payload "
                "FROM outbox WHERE status = ? ORDER BY seq DESC LIMIT ?", (status, limit)):
            out.append(OutboxRow(*r[:7], *_event_ref(r[7])))
        return out

    def retry_dead(self, seq: int, staff_id: str, approval: staff.Approval | None = None) -> None:
        """Send a dead letter again (after the cause was fixed); the sync console's right; audited."""
        with transaction(self.conn):
            if approval is None:
                member = staff.require_staff(self.conn, staff_id)
                if not staff.can(member.role, "sync_console"):
                    raise staff.NotAllowed("sending a dead letter again needs a manager or technician")
            else:  # the approval that opened the console: genuine, for this person, fresh
                staff.authorise(self.conn, "sync_console", staff_id, self.now(), approval=approval)
            outbox.retry_dead(self.conn, seq)
            staff.audit(self.conn, staff_id, "retry_dead_letter", now=self.now(),
                        approver_id=approval.approver_id if approval else None, details={"seq": seq})

    def quarantine(self, limit: int = 200) -> list[QuarantineRow]:
        return [QuarantineRow(*r) for r in self.conn.execute(
            "SELECT id, feed, row_key, reason, at FROM quarantine ORDER BY id DESC LIMIT ?", (limit,))]


def _event_ref(payload_text: str) -> tuple[str, int | None]:
    """What an event is about (receipt, order or shift number) and its amount, for the console."""
    try:
        payload = json.loads(payload_text)
    except ValueError:
        return "", None
    ref = next((str(payload[k]) for k in ("number", "order_id", "shift_id", "id") if payload.get(k)), "")
    amount = payload.get("total", payload.get("amount"))
    return ref, amount if isinstance(amount, int) and not isinstance(amount, bool) else None


__all__ = ["OutboxRow", "PosServices", "QuarantineRow", "RecalledBasket", "ServiceError", "SuspendedSale"]
