"""The till's App: who is signed in, which shift is open, scanners, locking, the offline banner.

``run_pos.py`` builds :class:`pos.services.PosServices` with the terminal's devices and
hands them to :class:`PosApp`; the App creates every screen and injects the services
(``screen.services``) and itself (``screen.app``), so screens never look anything up
globally. KV (``pos.kv`` beside this file, auto-loaded by name) lays out the frame: a
top bar with the navigation, the offline banner, the screens and the message line.

Scans arrive from two places and end in one method, :meth:`PosApp.scan`, on the main
thread: the keyboard-wedge scanner's keys come as Window key events, are fed to
``hardware.scanner.KeyboardWedge`` and polled on a Clock timer; a serial (or camera)
scanner calls back from its own thread, so the callback hops onto the main thread with
``ui.worker.call_soon``. The current screen's ``on_scan(data, symbology)`` handles it.
"""
from __future__ import annotations

import logging
import time

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import BooleanProperty, DictProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.textinput import TextInput

from hardware.scanner import KeyboardWedge, ScanEvent, TypedKeys
from retail import staff as retail_staff
from retail.i18n import LANGUAGES
from ui.app import TerminalApp, freeze_made, settle_garbage
from ui.worker import Worker, call_soon
from ui.services import ServiceError, offline_text
from ui.technician import TechnicianScreen

import ui.widgets  # noqa: F401  (BigButton, Keypad, TouchKeyboard, ScreenStack)

from .screens import SCREENS, popups

log = logging.getLogger(__name__)

WEDGE_POLL_S = 0.03
STATUS_POLL_S = 2.0
SETTLE_AFTER_START_S = 1.0
FREEZE_MADE_S = 0.5  # after the new screen's first layout

# Screen -> the action a person needs to open it (None: anyone signed in).
SCREEN_RIGHTS = {"sync_console": "sync_console", "technician": "settings"}


# The till's background: the window is cleared to it, so no full-window rectangle is
# drawn over it (under software OpenGL each layer that covers the window costs ~6 ms a frame).
BACKGROUND = (0.95, 0.95, 0.96, 1)


class Screens:
    """The till's screens, each made when it is first needed.

    Making every screen before the first frame costs most of a second, and making them in
    the background still takes the main thread (a screen is made from KV in one go, up to
    ~0.2 s): the sign-in screen is all a person needs first, and the next screen is made
    when they go there. ``screens[name]`` makes a screen that is not there yet.
    """

    def __init__(self, app: "PosApp", manager, classes: dict) -> None:
        self._app, self._manager, self._classes = app, manager, classes
        self._made: dict[str, object] = {}

    def __contains__(self, name: str) -> bool:
        return name in self._classes

    def __getitem__(self, name: str):
        screen = self._made.get(name)
        if screen is None:
            screen = self._app.make_screen(name, self._classes[name])
            self._manager.add_widget(screen)
            self._made[name] = screen
            Clock.schedule_once(lambda _dt: freeze_made(), FREEZE_MADE_S)  # a screen lives as long as the app
        return screen


class PosApp(TerminalApp):
    """The till. ``services``: PosServices; ``scanner``: a started-later hardware scanner or None."""

    services = ObjectProperty(None)
    staff_id = StringProperty("")
    staff_name = StringProperty("")
    staff_role = StringProperty("")
    shift_id = StringProperty("")
    shift_number = NumericProperty(0)
    locked = BooleanProperty(False)
    store_line = StringProperty("")
    sync_status = ObjectProperty(None, allownone=True)
    sync_phase = StringProperty("")
    busy = BooleanProperty(False)
    rights = DictProperty({})
    manager_screen = StringProperty("")
    printer_problem = StringProperty("")
    session_ready = BooleanProperty(False)   # signed in and the shift looked up: screens may be used

    def __init__(self, services, *, scanner=None, wedge: KeyboardWedge | None = None, technician=None,
                 lang: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        # A card payment may hold a worker thread until the customer decides (minutes);
        # a third thread keeps pricing, status and printing news flowing meanwhile.
        self.worker = Worker(threads=3)
        self.title = "Vitrina POS"
        self.services = services
        self.scanner = scanner
        self.wedge = wedge or KeyboardWedge()
        self.technician = technician  # ui.technician.TechnicianServices for the technician screen
        self.screens: Screens | None = None
        self.startup_problems: list[str] = []
        self._before_lock = ""
        self._wedge_event = None
        self._status_event = None
        self._status_loading = False
        if lang in LANGUAGES:
            self.lang = lang

    # ---------------------------------------------------------------- building

    def build(self):
        Window.clearcolor = BACKGROUND
        root = Factory.PosRoot()
        classes = dict(SCREENS)
        if self.technician is not None:
            classes["technician"] = TechnicianScreen
        self.screens = Screens(self, root.ids.screens, classes)
        self.screens["sign_in"]  # the first screen now; each other one when it is first needed
        root.ids.screens.current = "sign_in"
        return root

    def make_screen(self, name: str, cls):
        screen = cls(name=name)
        screen.app = self
        screen.services = self.technician if name == "technician" else self.services
        return screen

    @property
    def manager(self):
        return self.root.ids.screens

    def on_start(self) -> None:
        super().on_start()
        Window.bind(on_key_down=self._on_key_down)
        self.wedge.start(self._on_scan_event)
        self._wedge_event = Clock.schedule_interval(self._poll_wedge, WEDGE_POLL_S)
        if self.scanner is not None:
            try:
                self.scanner.start(lambda event: call_soon(lambda: self._on_scan_event(event)))
            except Exception as exc:  # a broken scanner config must not stop the till
                log.exception("scanner did not start")
                self.say(self.tr("Scanner problem: {error}", error=str(exc)), "error")
        self._status_event = Clock.schedule_interval(lambda _dt: self.refresh_status(), STATUS_POLL_S)
        self.refresh_status()
        self.worker.submit(self._load_identity, on_done=self._identity_loaded, on_error=self.show_error)
        queue = getattr(self.services, "queue", None)
        if queue is not None:
            queue.add_listener(lambda job: call_soon(lambda: self._print_job(job)))
            # Receipts a crash or a full disk kept out of the queue: laid out in the worker, after
            # the first frame (PosServices.queue_owed_receipts).
            self.worker.submit(self.services.queue_owed_receipts, self.lang, on_error=self.show_error)
        if self.startup_problems:
            self.say(self.tr("Device problem: {problem}", problem="; ".join(self.startup_problems)), "error")
        # Once the sign-in screen shows: the start-up objects out of the collector's way (ui.app.settle_garbage).
        Clock.schedule_once(lambda _dt: settle_garbage(), SETTLE_AFTER_START_S)

    def on_stop(self) -> None:
        for event in (self._wedge_event, self._status_event):
            if event is not None:
                event.cancel()
        if self.scanner is not None:
            try:
                self.scanner.stop()
            except Exception:
                log.exception("scanner did not stop cleanly")
        super().on_stop()
        self.services.close()

    def _load_identity(self):
        store, terminal = self.services.identity()
        return store, terminal, self.services.setting("store_name") or "", self.services.idle_lock_seconds()

    def _identity_loaded(self, result) -> None:
        store, terminal, name, idle = result
        self.store_line = f"{store}-{terminal}  {name}".strip()
        self.idle_seconds = idle
        self.reset_idle()

    # ---------------------------------------------------------------- messages

    def show_error(self, exc: BaseException) -> None:
        """Say what went wrong in the person's language; never raise from here."""
        self.say(self.describe_error(exc), "error")

    def describe_error(self, exc: BaseException) -> str:
        if isinstance(exc, ServiceError):
            return self.tr(exc.message, **exc.params)
        if isinstance(exc, (ValueError, RuntimeError, OSError)) and str(exc):
            return self.tr(str(exc))   # domain messages are catalogue keys where they have a translation
        log.error("unexpected error", exc_info=exc)
        return self.tr("Something went wrong: {error}", error=f"{type(exc).__name__}: {exc}")

    def _print_job(self, job) -> None:
        """The print queue's news: a receipt that waits for the printer is said, once fixed it prints."""
        if job.status == "queued" and job.last_error:
            self.printer_problem = job.last_error
            self.say(self.tr("Printer: {error}", error=job.last_error), "error")
        elif job.status == "printed":
            if self.printer_problem:
                self.say(self.tr("The printer is working again"), "success")
            self.printer_problem = ""

    def retry_printing(self) -> None:
        self.worker.submit(self.services.retry_printing, on_error=self.show_error)

    # ---------------------------------------------------------------- staff and shift

    def signed_in(self, member: retail_staff.StaffMember) -> None:
        self.staff_id, self.staff_name, self.staff_role = member.id, member.name, member.role
        self.rights = {action: retail_staff.can(member.role, action) for action in retail_staff.ACTIONS}
        self.locked = False
        self.session_ready = False
        self.clear_message()
        self.worker.submit(self.services.current_shift, on_done=self._shift_loaded, on_error=self.show_error)

    def _shift_loaded(self, shift) -> None:
        self.set_shift(shift)
        who, _, back = self._before_lock.partition(":")
        self._before_lock = ""
        if who != self.staff_id:  # someone else took the till over: their own start screen
            back = ""
        if back and back not in ("sign_in", "lock") and (shift is not None or back not in ("sell", "payment")):
            self.go(back)
        elif self.staff_role == "technician":
            self.go("technician")
        elif shift is None:
            self.go("shift")
        else:
            self.go("sell")
        self.session_ready = True

    def set_shift(self, shift) -> None:
        self.shift_id = shift.id if shift is not None else ""
        self.shift_number = shift.number if shift is not None else 0

    def can(self, action: str) -> bool:
        return bool(self.rights.get(action))

    def require(self, action: str, on_ok, details: dict | None = None, *, always: bool = False) -> None:
        """Run ``on_ok(approval)``: at once (approval None) if the person may, else after a manager's PIN."""
        if self.can(action) and not always:
            on_ok(None)
            return
        popups.ApprovalPopup(app=self, action=action, details=details or {}, then=on_ok).open()

    def lock(self, why: str = "lock") -> None:
        """Lock the till: the sale in progress stays; a PIN unlocks it."""
        if not self.staff_id or self.locked:
            return
        self.locked = True
        self.session_ready = False
        self._before_lock = f"{self.staff_id}:{self.manager.current}"
        popups.close_all()
        self.worker.submit(self.services.sign_out, self.staff_id, why, on_error=self.show_error)
        self.go("lock")
        Clock.schedule_once(lambda _dt: settle_garbage(), 0.5)  # nobody waits on the lock screen

    def sign_out(self) -> None:
        if self.staff_id:
            self.worker.submit(self.services.sign_out, self.staff_id, "sign out", on_error=self.show_error)
        self.staff_id = self.staff_name = self.staff_role = ""
        self.session_ready = False
        self._before_lock = ""
        self.rights = {}
        self.locked = False
        popups.close_all()
        self.go("sign_in")
        Clock.schedule_once(lambda _dt: settle_garbage(), 0.5)

    def on_idle(self) -> None:
        if self.staff_id and not self.locked:
            self.lock("idle")

    # ---------------------------------------------------------------- navigation

    def go(self, name: str) -> None:
        if name not in self.screens:
            return
        if name not in ("sign_in", "lock") and not self.staff_id:
            name = "sign_in"
        action = SCREEN_RIGHTS.get(name)
        if action and not self.can(action):
            self.require(action, lambda approval: self._switch(name, approval))
            return
        self._switch(name)

    def _switch(self, name: str, approval=None) -> None:
        self.screens[name]
        # The manager's approval that opened a gated screen goes with the services it
        # calls there (the sync console's retry checks it); leaving the screen drops it.
        self.screen_approval = approval
        self.manager.current = name

    @property
    def screen(self):
        return self.manager.current_screen

    # ---------------------------------------------------------------- devices

    def devices_changed(self, kind: str) -> None:
        """The technician saved ``kind``: build it again from the stored configuration and use it.

        (The printer is handed to the print queue by the technician's services.)
        """
        if kind in ("drawer", "payment", "scanner"):
            self.worker.submit(self.services.rebuild_device, kind, on_done=lambda built: self._device(kind, built),
                               on_error=self.show_error)

    def _device(self, kind: str, built) -> None:
        if kind != "scanner":
            return
        if self.scanner is not None:
            try:
                self.scanner.stop()
            except Exception:
                log.exception("the old scanner did not stop cleanly")
        self.scanner = None if built is None or isinstance(built, KeyboardWedge) else built
        if self.scanner is not None:
            self.scanner.start(lambda event: call_soon(lambda: self._on_scan_event(event)))

    # ---------------------------------------------------------------- scanning

    def _on_key_down(self, _window, key, _scancode, codepoint, modifiers) -> bool:
        name = codepoint if codepoint else {13: "enter", 271: "enter", 9: "tab", 8: "backspace",
                                            27: "escape"}.get(key, "")
        if not name:
            return False
        self.wedge.feed(name, time.monotonic())
        return False

    def _poll_wedge(self, _dt) -> None:
        for out in self.wedge.poll(time.monotonic()):
            if isinstance(out, TypedKeys):
                handler = getattr(self.screen, "on_typed", None)
                if handler is not None and not self._text_focused():
                    handler(out)

    @staticmethod
    def _focused_input():
        stack = list(Window.children)
        while stack:
            w = stack.pop()
            if isinstance(w, TextInput) and w.focus:
                return w
            stack.extend(w.children)
        return None

    def _text_focused(self) -> bool:
        return self._focused_input() is not None

    def _on_scan_event(self, event: ScanEvent) -> None:
        if event.source == "wedge":
            box = self._focused_input()
            if box is not None and box.text.endswith(event.data):  # the wedge also typed it there
                box.text = box.text[: -len(event.data)]
        self.scan(event.data, event.aim)

    def scan(self, data: str, symbology: str | None = None) -> None:
        """One scan, from any scanner, on the main thread."""
        self.reset_idle()
        if not self.staff_id or self.locked:
            self.say(self.tr("Sign in to scan"), "error")
            return
        top = popups.top()
        handler = getattr(top, "on_scan", None) or getattr(self.screen, "on_scan", None)
        if handler is None:
            self.say(self.tr("Scanning does nothing on this screen"), "info")
            return
        handler(data, symbology)

    # ---------------------------------------------------------------- sync status

    def refresh_status(self) -> None:
        if self._status_loading:
            return
        self._status_loading = True
        self.worker.submit(self.services.sync_status, on_done=self._status_loaded, on_error=self._status_failed)

    def _status_loaded(self, status) -> None:
        self._status_loading = False
        self.sync_status = status
        self.sync_phase = status.phase
        self.offline_text = offline_text(status, time.time(), self.tr, agent_started_at=self.agent_started_at)

    def _status_failed(self, exc) -> None:
        self._status_loading = False
        log.warning("sync status: %s", exc)

    def on_lang(self, app, lang: str) -> None:
        super().on_lang(app, lang)
        if self.sync_status is not None:
            self.offline_text = offline_text(self.sync_status, time.time(), self.tr,
                                             agent_started_at=self.agent_started_at)
