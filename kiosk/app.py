"""The shopper kiosk: ``KioskApp`` wires screens, scanners, the basket and the privacy reset.

The composition root (``run_kiosk.py``) builds :class:`kiosk.services.KioskServices` and
the devices and hands them in; the app gives every screen its ``services`` and itself
(``shell``) and never runs a query on the main thread: everything goes through
``self.worker``.

What the app itself owns:

- the shopper's session: the basket (a :class:`retail.cart.Cart`, changed only on the
  main thread; workers price copies of it), the identified loyalty customer, and the
  reset that clears both (and every screen's typed text) after inactivity, after a
  warning popup with a countdown;
- scans from every scanner (serial, keyboard wedge, camera), routed to the product page,
  the loyalty greeting or the pickup check;
- kiosk mode: no window close or Escape, and the hidden technician gesture (five taps in
  the bottom-left corner within 3 s) that opens a PIN pad for the technician only.
"""
from __future__ import annotations

import logging
import time

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.modalview import ModalView

from retail.cart import Cart, CartError
from retail.money import MILLI
from retail.store import StoreError

from ui.app import TerminalApp, settle_garbage
from ui.services import CardScanned, CodeScanned, ProductOffer, ScanProblem, ServiceError, agent_starting
from ui.worker import call_soon

from . import widgets  # noqa: F401  (kiosk widgets and their KV)
from .screens import SCREENS

log = logging.getLogger(__name__)

STATUS_POLL_S = 5.0


def hook(screen, name: str, **params) -> None:
    """Call a kiosk screen's hook (``open``, ``refresh``, ``reset``...) if it has one: the shared
    technician screen is a plain Screen."""
    method = getattr(screen, name, None)
    if method is not None:
        method(**params)


class KioskRoot(FloatLayout):
    """Top bar, screens, status bar (layout in kiosk.kv)."""


class IdleWarning(ModalView):
    """"Are you still there?" with a countdown; any touch keeps the session."""

    seconds_left = NumericProperty(0)


class ConfirmStartOver(ModalView):
    """Asked before "Start over" throws away a basket or a card."""


class TechnicianPad(ModalView):
    """The PIN pad behind the hidden gesture: choose what to do, then a technician's PIN."""

    action = StringProperty("")
    message = StringProperty("")
    busy = BooleanProperty(False)
    has_technician_screen = BooleanProperty(False)


class KioskApp(TerminalApp):
    services = ObjectProperty(None)
    basket_count = NumericProperty(0)
    basket_total = NumericProperty(0)
    basket = ObjectProperty(None, allownone=True)      # kiosk.services.BasketView, priced
    customer = ObjectProperty(None, allownone=True)    # ui.services.CustomerView
    greeting = StringProperty("")
    current = StringProperty("attract")
    store_name = StringProperty("")
    kiosk_mode = BooleanProperty(True)
    exited = BooleanProperty(False)     # a technician left kiosk mode; the window is closing
    warn_seconds = NumericProperty(15)
    default_lang = StringProperty("ru")

    def __init__(self, services, *, idle_seconds: float = 90, warn_seconds: float | None = None,
                 scanners=(), wedge=None, camera_scanner=None, camera_index: int | None = None,
                 kiosk_mode: bool = True, technician=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.title = "Vitrina"
        self.services = services
        self.idle_seconds = idle_seconds
        self.warn_seconds = warn_seconds if warn_seconds is not None else max(1.0, min(15.0, idle_seconds / 3))
        self.scanners = list(scanners)
        self.wedge = wedge
        self.camera_scanner = camera_scanner
        self.camera_index = camera_index
        self.camera_feed = None
        self.kiosk_mode = kiosk_mode
        self.technician = technician  # ui.technician.TechnicianServices for the technician screen
        self.cart = Cart()
        self.screens: dict = {}
        self.started_at = time.monotonic()
        self.first_frame_s: float | None = None
        self.scans_handled = 0
        self._warning: IdleWarning | None = None
        self._warning_event = None
        self._status_event = None
        self._wedge_event = None
        self._pad: TechnicianPad | None = None
        self._stopped = False

    # ---------------------------------------------------------------- building

    def build(self):
        Window.clearcolor = (0.95, 0.95, 0.94, 1)
        root = KioskRoot()
        manager = root.ids.sm
        for name, cls in SCREENS.items():
            screen = cls(name=name)
            screen.services = self.services
            screen.shell = self
            manager.add_widget(screen)
            self.screens[name] = screen
        if self.technician is not None:
            from ui.technician import TechnicianScreen

            screen = TechnicianScreen(name="technician")
            screen.services, screen.app = self.technician, self
            manager.add_widget(screen)
            self.screens["technician"] = screen
        manager.current = "attract"
        root.ids.corner.bind(on_gesture=lambda *_: self.open_technician_pad())
        if self.camera_index is not None:
            self._add_camera(root)
        return root

    def _add_camera(self, root) -> None:
        from kivy.uix.camera import Camera

        from .camera import CameraFeed

        try:
            camera = Camera(index=self.camera_index, resolution=(640, 480), play=True,
                            size_hint=(None, None), size=(160, 120))
        except Exception as exc:  # no camera device: the scanners still work
            log.warning("camera %s cannot start: %s", self.camera_index, exc)
            return
        root.ids.camera_slot.add_widget(camera)
        if self.camera_scanner is not None:
            self.camera_feed = CameraFeed(self.camera_scanner)
            self.camera_feed.attach(camera)

    def on_start(self) -> None:
        super().on_start()
        if self.kiosk_mode:
            Window.bind(on_request_close=self._refuse_close)
        Clock.schedule_once(self._first_frame, 0)
        for scanner in self.scanners:
            self._start_scanner(scanner)
        if self.camera_scanner is not None and self.camera_scanner not in self.scanners:
            self._start_scanner(self.camera_scanner)
        if self.wedge is not None:
            self.wedge.start(self._scan_from_thread)
            Window.bind(on_key_down=self._wedge_key)
            self._wedge_event = Clock.schedule_interval(lambda _dt: self.wedge.poll(time.monotonic()), 0.05)
        self._status_event = Clock.schedule_interval(lambda _dt: self.poll_status(), STATUS_POLL_S)
        self.poll_status()
        self.worker.submit(self._store_name, on_done=lambda name: setattr(self, "store_name", name))
        self.worker.submit(self.services.default_language, on_done=self._default_language)
        self.screens["attract"].open()

    def _default_language(self, lang: str) -> None:
        self.default_lang = lang
        if self.current == "attract" and self.cart.is_empty():
            self.lang = lang

    def _store_name(self) -> str:
        store_id, _ = self.services.identity()
        for place in self.services.locations(self.lang):
            if place.id == store_id:
                return place.name
        return self.services.setting("store_name") or ""

    def _first_frame(self, _dt) -> None:
        if self.first_frame_s is None:
            self.first_frame_s = time.monotonic() - self.started_at
            log.info("kiosk: first frame after %.2f s", self.first_frame_s)
            Clock.schedule_once(lambda _dt: settle_garbage(), 0.5)

    def on_stop(self) -> None:
        self._stopped = True
        for scanner in self.scanners + ([self.camera_scanner] if self.camera_scanner else []):
            try:
                scanner.stop()
            except Exception as exc:  # stopping must go on for the others
                log.warning("scanner %s did not stop cleanly: %s", getattr(scanner, "source", scanner), exc)
        if self.camera_feed is not None:
            self.camera_feed.detach()
        super().on_stop()

    def _refuse_close(self, *_args) -> bool:
        return True  # kiosk mode: only the technician PIN leaves

    # ---------------------------------------------------------------- navigation

    def show(self, name: str, **params) -> None:
        """Open screen ``name`` with ``params`` (each screen's ``open``)."""
        screen = self.screens[name]
        hook(screen, "open", **params)
        self.root.ids.sm.current = name
        self.current = name

    def start(self) -> None:
        """From the attract screen into the shop."""
        self.show("search")

    def ask_start_over(self) -> None:
        if self.cart.is_empty() and self.customer is None:
            self.reset_session()
        else:
            ConfirmStartOver().open()

    def on_lang(self, app, lang: str) -> None:
        super().on_lang(app, lang)
        if self.root is None:
            return
        self.poll_status()  # the offline line in the new language
        screen = self.screens.get(self.current)
        if screen is not None:
            hook(screen, "refresh")
        if self.basket_count:
            self.reprice()
        if self.customer is not None:
            self.worker.submit(self.services.identify, self.customer.number, lang,
                               on_done=self._identified_quietly, key="customer")
        self.worker.submit(self._store_name, on_done=lambda name: setattr(self, "store_name", name))

    # ---------------------------------------------------------------- messages

    def error_text(self, exc: BaseException) -> str:
        if isinstance(exc, ServiceError):
            return self.tr(exc.message, **exc.params)
        if isinstance(exc, ScanProblem):
            return self.tr(exc.message, **exc.params)
        if isinstance(exc, (ValueError, CartError, StoreError)):
            return self.tr(str(exc))
        log.error("kiosk: unexpected error", exc_info=exc)
        return self.tr("Something went wrong; please try again or ask a member of staff")

    def show_error(self, exc: BaseException) -> None:
        self.say(self.error_text(exc), "error")

    # ---------------------------------------------------------------- the basket

    def add_to_basket(self, sku: str, qty_milli: int = MILLI) -> None:
        def done(offer) -> None:
            try:
                offer.add_to(self.cart, qty_milli)
            except CartError as exc:
                self.show_error(exc)
                return
            name = offer.product.name(self.lang)
            self.say(self.tr("Added to your basket: {name}", name=name), "success")
            self.reprice()

        self.worker.submit(self.services.offer, sku, on_done=done, on_error=self.show_error)

    def set_qty(self, line_no: int, qty_milli: int) -> None:
        try:
            if qty_milli <= 0:
                self.cart.remove(line_no)
            else:
                self.cart.set_qty(line_no, qty_milli)
        except CartError as exc:
            self.show_error(exc)
            return
        self.reprice()

    def remove_line(self, line_no: int) -> None:
        self.set_qty(line_no, 0)

    def cart_copy(self) -> Cart:
        return Cart.from_dict(self.cart.to_dict())

    def reprice(self) -> None:
        self.basket_count = self.cart.count()
        if self.cart.is_empty():
            self.basket, self.basket_total = None, 0
            self._basket_changed()
            return
        self.worker.submit(self.services.basket, self.cart_copy(), self.lang, on_done=self._priced,
                           on_error=self.show_error, key="basket")

    def _priced(self, view) -> None:
        self.basket = view
        self.basket_total = view.total
        self._basket_changed()

    def _basket_changed(self) -> None:
        screen = self.screens.get(self.current)
        if screen is not None:
            hook(screen, "basket_changed")

    def order_placed(self, placed, printed: bool) -> None:
        """The order is recorded: the basket is spent; the done screen shows the number and code."""
        self.cart.clear()
        if self.customer is not None:
            account = self.customer.account
            self.cart.identify(account.customer_id, account.tier, account.card_masked)
        self.basket, self.basket_count, self.basket_total = None, 0, 0
        self.show("done", placed=placed, printed=printed)

    # ---------------------------------------------------------------- loyalty

    def identify(self, number: str, then_show: bool = True) -> None:
        def done(view) -> None:
            self._identified_quietly(view)
            self.say(self.tr("Hello, {name}!", name=view.account.first_name), "success")
            if then_show:
                self.show("loyalty")

        self.worker.submit(self.services.identify, number, self.lang, on_done=done, on_error=self.show_error,
                           key="customer")

    def _identified_quietly(self, view) -> None:
        self.customer = view
        self.greeting = view.account.first_name
        self.cart.identify(view.account.customer_id, view.account.tier, view.account.card_masked)
        self.reprice()
        screen = self.screens.get(self.current)
        if screen is not None and self.current != "loyalty":
            hook(screen, "refresh")

    def forget_customer(self) -> None:
        self.customer = None
        self.greeting = ""
        self.cart.identify(None)
        self.reprice()

    # ---------------------------------------------------------------- scans

    def _scan_from_thread(self, event) -> None:
        call_soon(lambda: self.handle_scan(event.data, event.aim))

    def _start_scanner(self, scanner) -> None:
        try:
            scanner.start(self._scan_from_thread)
        except Exception as exc:  # a missing scanner must not stop the kiosk
            log.warning("scanner %s cannot start: %s", getattr(scanner, "source", scanner), exc)

    def _wedge_key(self, _window, key, _scancode, codepoint, _modifiers) -> None:
        from kivy.core.window import Keyboard

        name = codepoint or Keyboard.keycode_to_string(Window._system_keyboard, key) or ""
        if name:
            self.wedge.feed(name, time.monotonic())

    def handle_scan(self, data: str, aim: str | None = None) -> None:
        """One scan from any scanner: open the product, greet the card holder, or check a pickup."""
        self.reset_idle()
        self._dismiss_warning()
        if self.current == "technician":  # the technician is trying the scanner
            self.screens["technician"].on_scan(data, aim)
            return
        if self.current == "attract":
            self.show("search")

        def done(outcome) -> None:
            self.scans_handled += 1
            self.route_scan(outcome)

        self.worker.submit(self.services.kiosk_scan, data, aim, on_done=done, on_error=self.show_error)

    def route_scan(self, outcome) -> None:
        from .services import PickupClaim

        if isinstance(outcome, ProductOffer):
            self.show("product", sku=outcome.product.sku)
        elif isinstance(outcome, CardScanned):
            self.identify(outcome.number)
        elif isinstance(outcome, PickupClaim):
            self.show("pickup", code=outcome.code)
        elif isinstance(outcome, CodeScanned) and outcome.kind == "basket":
            self.say(self.tr("This is a basket ticket: please take it to the till to pay"), "info")
        elif isinstance(outcome, CodeScanned):
            self.say(self.tr("Receipts and returns are handled at the till"), "info")
        elif isinstance(outcome, ScanProblem):
            self.say(self.tr(outcome.message, **outcome.params), "error")

    # ---------------------------------------------------------------- sync status

    def poll_status(self) -> None:
        self.worker.submit(self.services.sync_status, on_done=self._status, on_error=lambda _exc: None,
                           key="status")

    def _status(self, status) -> None:
        offline = status is not None and status.registered and not status.online \
            and not agent_starting(status, time.time(), self.agent_started_at)
        self.offline_text = self.tr("Working offline: orders are saved here and sent on as soon as the "
                                    "connection is back") if offline else ""

    # ---------------------------------------------------------------- inactivity

    def busy(self) -> bool:
        screen = self.screens.get(self.current)
        return bool(getattr(screen, "busy", False))

    def on_idle(self) -> None:
        if self.current == "attract" and self.cart.is_empty() and self.customer is None:
            return
        if self.busy():  # never walk away from a card payment in progress
            self.reset_idle()
            return
        if self._warning is None:
            self._warning = IdleWarning()
            self._warning.bind(on_dismiss=lambda *_: self._cancel_countdown())
        self._warning.seconds_left = int(round(self.warn_seconds))
        self._warning.open()
        self._cancel_countdown()
        self._warning_event = Clock.schedule_interval(self._countdown, 1.0)

    def _countdown(self, _dt) -> None:
        if self._warning is None:
            return
        self._warning.seconds_left -= 1
        if self._warning.seconds_left <= 0:
            self._cancel_countdown()
            self._warning.dismiss()
            self.reset_session()

    def _cancel_countdown(self) -> None:
        if self._warning_event is not None:
            self._warning_event.cancel()
            self._warning_event = None

    def _dismiss_warning(self) -> None:
        if self._warning is not None and self._warning.parent is not None:
            self._warning.dismiss()

    def still_here(self) -> None:
        self._dismiss_warning()
        self.reset_idle()

    def reset_session(self) -> None:
        """Forget the shopper: basket, card, typed text on every screen; back to the attract screen."""
        self.cart.clear()
        self.customer = None
        self.greeting = ""
        self.basket, self.basket_count, self.basket_total = None, 0, 0
        for screen in self.screens.values():
            hook(screen, "reset")
        self.large_text = False
        self.lang = self.default_lang
        self.clear_message()
        self.show("attract")
        self.reset_idle()
        Clock.schedule_once(lambda _dt: settle_garbage(), 1.0)

    # ---------------------------------------------------------------- technician

    def open_technician_pad(self) -> None:
        if self._pad is None:
            self._pad = TechnicianPad()
        self._pad.action = ""
        self._pad.message = ""
        self._pad.has_technician_screen = self.technician is not None
        self._pad.ids.keypad.value = ""
        self._pad.open()

    def technician_pin(self, pin: str) -> None:
        pad = self._pad
        if pad is None or not pad.action:
            return
        pad.busy = True
        action = pad.action

        def done(member) -> None:
            pad.busy = False
            pad.dismiss()
            if action == "exit_kiosk":
                self.exit_kiosk()
            else:
                self.open_technician_screen(member)

        def failed(exc) -> None:
            pad.busy = False
            pad.ids.keypad.value = ""
            pad.message = self.error_text(exc)

        self.worker.submit(self.services.technician, pin, action, on_done=done, on_error=failed)

    def exit_kiosk(self) -> None:
        """The technician's way out: kiosk mode off, the window closes a moment later."""
        self.kiosk_mode = False
        self.exited = True
        Window.unbind(on_request_close=self._refuse_close)
        Clock.schedule_once(lambda _dt: self.stop() if not self._stopped else None, 0.5)

    def open_technician_screen(self, member) -> None:
        """The shared technician screen (devices, registration); "Back to the kiosk" or the idle
        reset returns to the attract screen."""
        if self.technician is not None:
            self.technician_member = member
            self.show("technician")

    technician_member = None

    def exit_from_technician_screen(self) -> None:
        member = self.technician_member
        if member is None:
            self.reset_session()
            return
        self.worker.submit(self.services.audit, member.id, "exit_kiosk", on_done=lambda _r: self.exit_kiosk(),
                           on_error=self.show_error)

    def leave_technician_screen(self) -> None:
        self.technician_member = None
        self.reset_session()
