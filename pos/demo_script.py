"""Scripted walks through the till, for the demo (``run_pos.py --script``) and the GUI tests.

Each step is what a cashier does: taps on the touch keypad and buttons (through Kivy's
event system, via :class:`ui.driver.Driver`), scans through the keyboard-wedge scanner
(key events fed to the Window, exactly as a USB scanner types them), waits for what the
screen should then show, and a screenshot of each screen. Scenarios are generators in
the :mod:`ui.driver` style; :func:`scenario` chains named parts so the demo and the tests
walk the same paths.

What to sell is looked up in the worker from the store the till has (products whose
promotion applies, a demo loyalty card), never hard-coded: the same script works on any
seed of the demo chain.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from retail.demo import DEMO_PINS

CASHIER, MANAGER = DEMO_PINS["cashier"], DEMO_PINS["manager"]


# ---------------------------------------------------------------- driving helpers


@dataclass
class Pending:
    """A worker result the scenario waits for (``yield box.ready``)."""

    done: bool = False
    value: Any = None
    error: BaseException | None = None

    def ready(self) -> bool:
        if self.error is not None:
            raise AssertionError(f"background look-up failed: {self.error!r}")
        return self.done


def background(app, fn: Callable, *args) -> Pending:
    box = Pending()

    def done(value) -> None:
        box.value, box.done = value, True

    def failed(exc) -> None:
        box.error = exc

    app.worker.submit(fn, *args, on_done=done, on_error=failed)
    return box


def eventually(d, app, fn: Callable, check: Callable[[Any], bool], timeout: float, what: str):
    """A wait step: ask ``fn`` in the worker again and again until ``check(result)`` holds."""
    state: dict = {"job": None}

    def ready() -> bool:
        job = state["job"]
        if job is not None and job.ready():
            if check(job.value):
                return True
            job = None
        if job is None:
            state["job"] = background(app, fn)
        return False

    return d.until(ready, timeout, what)


def keypad(d, pad: str, text: str) -> None:
    """Type ``text`` on a Keypad (digits and the decimal comma) by touching its keys."""
    widget = d.get(pad)
    for ch in text:
        key = "," if ch in ",." else ch
        button = next((b for b in widget.children if getattr(b, "text", None) == key), None)
        if button is None:
            raise AssertionError(f"keypad {pad} has no key {key!r}")
        d.tap(button)


def wedge_scan(data: str, suffix: str = "enter") -> None:
    """A keyboard-wedge scanner types ``data`` and Enter: key events a few ms apart, as one burst."""
    from kivy.core.window import Window

    for ch in data:
        Window.dispatch("on_key_down", 0, 0, ch, [])
    Window.dispatch("on_key_down", 13 if suffix == "enter" else 9, 0, None, [])


def shown(d, name: str) -> str:
    w = d.find(name)
    return getattr(w, "text", "") if w is not None else ""


def on_screen(app, name: str) -> Callable[[], bool]:
    """The screen is current and has been laid out (seen on two successive polls)."""
    seen = {"n": 0}

    def settled() -> bool:
        if app.manager.current == name and not app.manager.transition.is_active:
            seen["n"] += 1
        else:
            seen["n"] = 0
        return seen["n"] >= 2

    return settled


def popup(cls: str) -> Callable[[], bool]:
    from pos.screens import popups

    def opened() -> bool:
        top = popups.top()  # open and done animating, so touches land where the buttons are
        return top is not None and type(top).__name__ == cls and getattr(top, "_anim_alpha", 1) >= 1

    return opened


def popup_prompt() -> str:
    from pos.screens import popups

    return getattr(popups.top(), "prompt", "")


def no_popup() -> bool:
    from pos.screens import popups

    return popups.top() is None


# ---------------------------------------------------------------- what to sell


@dataclass
class Goods:
    """Barcodes found in the till's own store: promoted items, a plain one, a loyalty card."""

    promoted: list[str] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    card: str = ""
    card_name: str = ""
    weighed_plu: int | None = None


def find_goods(services, want_promoted: int = 3) -> Goods:
    """Runs in the worker: items whose shelf promotion applies on its own, and a gold card."""
    from retail.cart import Cart

    conn, goods = services.conn, Goods()
    rows = conn.execute(
        "SELECT b.code, p.sku FROM barcodes b JOIN products p ON p.sku = b.sku "
        "WHERE p.unit = 'pcs' AND p.active = 1 AND length(b.code) = 13 AND b.code LIKE '46%' "
        "ORDER BY p.category_id, p.sku LIMIT 3000").fetchall()
    seen_categories = set()
    for code, sku in rows:
        if len(goods.promoted) >= want_promoted and len(goods.plain) >= 2:
            break
        offer = services.resolve_scan(code)
        if not hasattr(offer, "product") or offer.product.category_id in seen_categories:
            continue
        if not 3000 <= offer.price.shown <= 300000:
            continue
        cart = Cart()
        offer.add_to(cart)
        priced = services.price(cart)
        if priced.discount_total > 0 and len(goods.promoted) < want_promoted:
            goods.promoted.append(code)
            seen_categories.add(offer.product.category_id)
        elif priced.discount_total == 0 and len(goods.plain) < 2:
            goods.plain.append(code)
    card = conn.execute(
        "SELECT l.number, c.first_name FROM loyalty_cards l JOIN customers c ON c.id = l.customer_id "
        "WHERE l.blocked = 0 AND c.tier = 'gold' AND c.balance > 0 ORDER BY c.balance DESC, l.number LIMIT 1"
    ).fetchone()
    if card is not None:
        goods.card, goods.card_name = card[0], card[1]
    plu = conn.execute("SELECT plu FROM products WHERE unit = 'kg' AND plu IS NOT NULL AND active = 1 "
                       "ORDER BY sku LIMIT 1").fetchone()
    goods.weighed_plu = plu[0] if plu else None
    return goods


# ---------------------------------------------------------------- the parts of a shift


def sign_in(app, d, pin: str = CASHIER, shot: str | None = "01-sign-in") -> Iterator:
    yield d.until(on_screen(app, "sign_in"), 10, "the sign-in screen")
    if shot:
        d.shot(shot)
    keypad(d, "pin_pad", pin)
    d.tap("sign_in_ok")
    yield d.until(lambda: app.session_ready, 15, "signed in")


def open_shift(app, d, float_rub: str = "5000") -> Iterator:
    if app.shift_id:
        if app.manager.current != "sell":
            app.go("sell")
        return
    yield d.until(on_screen(app, "shift"), 10, "the shift screen")
    d.shot("02-no-shift")
    d.tap("shift_open")
    yield d.until(popup("EntryPopup"), 5, "the float popup")
    keypad(d, "entry_pad", float_rub)
    d.tap("entry_ok")
    yield d.until(lambda: app.shift_id and app.manager.current == "sell", 15, "the shift to open")


def ring_up(app, d, goods: Goods, *, with_card: bool = True, shot: str = "03-sale") -> Iterator:
    sell = app.screens["sell"]
    for n, code in enumerate(goods.promoted + goods.plain[:1], start=1):
        wedge_scan(code)
        yield d.until(lambda n=n: len(sell.rows) == n, 10, f"line {n} after a scan")
    yield d.until(lambda: sell.sale.is_current and sell.sale.priced.discount_total > 0, 10,
                  "promotions on the priced basket")
    if with_card and goods.card:
        wedge_scan(goods.card)
        yield d.until(lambda: sell.sale.customer is not None and sell.sale.is_current, 10, "the loyalty customer")
    yield 0.3
    d.shot(shot)


def pay_split(app, d, card_part_rub: str | None = None, shot: str = "05-paid") -> Iterator:
    """Pay part by card (through the payment terminal) and the rest in cash, exact."""
    payment = app.screens["payment"]
    d.tap("act_pay")
    yield d.until(on_screen(app, "payment"), 10, "the payment screen")
    if card_part_rub:
        d.tap("pay_card_part")
        yield d.until(popup("EntryPopup"), 5, "the card amount popup")
        d.tap("entry_clear")
        keypad(d, "entry_pad", card_part_rub)
        d.tap("entry_ok")
        yield d.until(lambda: payment.sale.card_taken and not payment.busy, 30, "the card approval")
        d.shot("04-card-approved")
    d.tap("pay_cash")
    yield d.until(popup("EntryPopup"), 5, "the cash popup")
    d.tap(d.get(text=app.tr("Exact")))
    yield d.until(lambda: payment.done, 20, "the sale to commit")
    yield 0.3
    d.shot(shot)


def new_sale(app, d) -> Iterator:
    d.tap("pay_back")
    yield d.until(on_screen(app, "sell"), 10, "back to selling")


def return_last(app, d, number: str, shot: str = "06-return") -> Iterator:
    """Return everything of receipt ``number``, refunded to the original tenders (manager's PIN)."""
    returns = app.screens["returns"]
    d.tap("nav_returns")
    yield d.until(on_screen(app, "returns"), 10, "the returns screen")
    d.tap("ret_receipt")
    yield d.until(popup("TextPopup"), 5, "the receipt number popup")
    d.type_into("text_box", number)
    d.tap("text_ok")
    yield d.until(lambda: returns.source == "sale" and returns.rows, 10, "the receipt's lines")
    d.tap("ret_all")
    yield 0.2
    d.shot(shot)
    d.tap("ret_refund")
    if not app.can("refund"):
        yield d.until(popup("ApprovalPopup"), 5, "the manager approval")
        d.shot("07-approval")
        keypad(d, "approval_pad", MANAGER)
        d.tap("approval_ok")
    yield d.until(lambda: returns.done_text, 20, "the refund")
    yield 0.3
    d.shot("08-returned")


def mark_ready(app, d, number: str) -> Iterator:
    """Pick the order and mark it ready: central tells the shopper it can be collected."""
    pickup = app.screens["pickup"]
    yield d.until(lambda: d.find_row("OrderRow", number=number) is not None, 15, f"order {number} in the list")
    yield d.tap(d.find_row("OrderRow", number=number))
    yield d.until(lambda: pickup.order is not None and pickup.order.number == number, 10, f"order {number} chosen")
    for button, status in (("order_picking", "picking"), ("order_ready", "ready")):
        d.tap(button)
        yield d.until(lambda status=status: pickup.order is not None and pickup.order.status == status, 10, status)


def hand_over(app, d, pickup_code: str, number: str = "", shot: str = "10-handed-over") -> Iterator:
    """Scan a pickup QR at the till; pay what is due in cash; the order is handed over.

    With ``number``, the order is first picked and marked ready on the pickup screen.
    """
    pickup = app.screens["pickup"]
    d.tap("nav_pickup")
    yield d.until(on_screen(app, "pickup"), 10, "the pickup screen")
    yield d.until(lambda: pickup.rows, 10, "the store's orders")
    d.shot("09-pickup")
    if number:
        yield from mark_ready(app, d, number)
    pickup.last_handed = ""
    wedge_scan(pickup_code)
    yield d.until(lambda: app.manager.current == "payment" or pickup.last_handed, 15, "payment or handover")
    if app.manager.current == "payment":
        payment = app.screens["payment"]
        yield d.until(on_screen(app, "payment"), 5, "the payment screen")
        d.tap("pay_cash")
        yield d.until(popup("EntryPopup"), 5, "the cash popup")
        d.tap(d.get(text=app.tr("Exact")))
        yield d.until(lambda: payment.done, 20, "the order's payment")
        d.tap("pay_back")
    yield d.until(lambda: pickup.last_handed, 15, "the handover")
    d.note("handed_over", pickup.last_handed)
    app.go("pickup")
    yield 0.5
    d.shot(shot)


def close_shift(app, d, shot: str = "12-z-report") -> Iterator:
    shift = app.screens["shift"]
    d.tap("nav_shift")
    yield d.until(on_screen(app, "shift"), 10, "the shift screen")
    d.tap("shift_x")
    yield d.until(lambda: shift.report_text, 10, "the X report")
    d.shot("11-x-report")
    expected = background(app, lambda: app.services.x_report(app.shift_id).cash_expected)
    yield expected.ready
    d.tap("shift_close")
    yield d.until(popup("EntryPopup"), 5, "the counted cash popup")
    rub, kop = divmod(expected.value, 100)
    keypad(d, "entry_pad", f"{rub},{kop:02d}" if kop else str(rub))
    d.tap("entry_ok")
    yield d.until(popup("ConfirmPopup"), 10, "the difference shown")
    d.tap("confirm_yes")
    if not app.can("close_shift"):
        yield d.until(popup("ApprovalPopup"), 5, "the manager approval")
        keypad(d, "approval_pad", MANAGER)
        d.tap("approval_ok")
    yield d.until(lambda: not app.shift_id and "Z" in shift.report_text.split("·")[0], 20, "the Z report")
    yield 0.3
    d.shot(shot)


def sync_console(app, d, shot: str = "13-sync-console") -> Iterator:
    console = app.screens["sync_console"]
    d.tap("nav_sync")
    if not app.can("sync_console"):
        yield d.until(popup("ApprovalPopup"), 5, "the manager approval")
        keypad(d, "approval_pad", MANAGER)
        d.tap("approval_ok")
    yield d.until(on_screen(app, "sync_console"), 10, "the sync console")
    d.tap("sync_now")
    yield d.until(lambda: console.request_line, 10, "the sync request")
    yield d.until(lambda: console.request_done, 60, "the sync to finish")
    yield 0.6
    d.shot(shot)


# ---------------------------------------------------------------- whole scripts


def demo(app, d, params: dict) -> Iterator:
    """The README demo: a sale with promotions, a loyalty card and a card + cash split, its
    return, a click-and-collect handover, the sync console, and the close with a Z report."""
    found = background(app, find_goods, app.services)
    yield from sign_in(app, d)
    yield found.ready
    goods = found.value
    d.note("goods", goods.__dict__)
    yield from open_shift(app, d)
    yield from ring_up(app, d, goods)
    yield from pay_split(app, d, card_part_rub="100")
    number = app.screens["payment"].receipt_number
    d.note("sale", number)
    yield from new_sale(app, d)
    yield from return_last(app, d, number)
    d.note("return", app.screens["returns"].done_text)
    if params.get("pickup_code"):
        yield from hand_over(app, d, params["pickup_code"], params.get("pickup_number", ""))
    app.lock()
    yield d.until(on_screen(app, "lock"), 5, "the lock screen")
    d.shot("14-locked")
    keypad(d, "unlock_pad", MANAGER)
    d.tap("unlock_ok")
    yield d.until(lambda: app.session_ready and app.staff_role == "manager", 10, "the manager signed in")
    yield from sync_console(app, d)
    yield from close_shift(app, d)
    app.toggle_language()
    yield 0.5
    d.shot("15-english")


def technician(app, d, params: dict) -> Iterator:
    """The technician's screen: device status, a test page, a scan test."""
    yield from sign_in(app, d, DEMO_PINS["technician"], shot=None)
    screen = app.screens["technician"]
    yield d.until(on_screen(app, "technician"), 10, "the technician screen")
    yield d.until(lambda: screen.rows and all(r["state"] for r in screen.rows), 20, "device status")
    if params.get("test_print"):
        d.tap("tech_test_print")
        yield d.until(lambda: screen.result.startswith(app.tr("Test page printed: {detail}", detail="")[:8]), 20,
                      "the test page")
    wedge_scan(params.get("scan", "4601234567893"))
    yield d.until(lambda: screen.scan_line.startswith(app.tr("Scanned {data!r} ({symbology}): {meaning}",
                                                             data="", symbology="", meaning="")[:4]), 10,
                  "the scan test")
    yield 0.3
    d.shot(params.get("shot", "16-technician"))


SCRIPTS: dict[str, Callable] = {"demo": demo, "technician": technician}


def guarded(steps: Callable, name: str = "failure") -> Callable:
    """The scenario, with a screenshot of the screen as it was when a step failed."""

    def run(app, d):
        try:
            yield from steps(app, d)
        except Exception:
            try:
                d.shot(name)
            except Exception:  # the screenshot is a courtesy; the failure is what matters
                pass
            raise

    return run


def scenario(name: str, **params) -> Callable:
    """The named script as a ``run_scenario`` scenario; ``params`` reach the script."""
    if name not in SCRIPTS:
        raise SystemExit(f"unknown script {name!r}; scripts: {', '.join(sorted(SCRIPTS))}")

    def run(app, d):
        started = time.monotonic()
        yield from SCRIPTS[name](app, d, params)
        d.note("seconds", round(time.monotonic() - started, 1))

    return guarded(run)
