"""The till's reusable popups: manager approval, number entry, text entry, choices, confirmation.

Each popup takes the app (for ``tr``, the worker and the services) and a callback; the
approval popup is what every privileged action uses: the manager types a PIN on the
keypad, ``services.approve`` checks it and writes the audit row in the worker, and the
callback gets the ``Approval`` to hand to the domain call.
"""
from __future__ import annotations

from pathlib import Path

from kivy.factory import Factory
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, DictProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView

from retail.money import MILLI, MoneyError, parse_money

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

_open: list[ModalView] = []
MAX_CHOICES = 6

ACTION_NAMES = {
    "void_line_over_threshold": "Void a line over the limit",
    "price_override": "Change a price",
    "no_sale": "Open the drawer without a sale",
    "refund": "Refund",
    "blind_return": "Return without a receipt",
    "cash_out": "Take cash out",
    "close_shift": "Close the shift",
    "settings": "Device settings",
    "exit_kiosk": "Leave kiosk mode",
    "sync_console": "Sync console",
    "open_shift": "Open a shift",
    "cash_in": "Put cash in",
}


def top() -> ModalView | None:
    """The popup on top, if any (scans go to it first)."""
    return _open[-1] if _open else None


def close_all() -> None:
    for view in list(_open):
        view.dismiss()


class EntryError(ValueError):
    """What was typed cannot be used; the message is a translation id."""


def _digits(text: str) -> bool:
    """ASCII 0-9 only ("²" and other Unicode digits are not numbers a keypad types)."""
    return text.isascii() and text.isdigit()


def parse_entry(text: str, mode: str) -> int:
    """Typed keypad text -> an int: pieces -> thousandths, kg -> grams, money -> kopecks, digits -> itself."""
    text = (text or "").strip()
    if not text:
        raise EntryError("Type a value first")
    if mode == "money":
        try:
            return parse_money(text)
        except MoneyError:
            raise EntryError("That is not an amount") from None
    if mode == "weight":
        whole, _, frac = text.replace(".", ",").partition(",")
        if not (whole or frac) or not _digits(whole or "0") or (frac and not _digits(frac)) or len(frac) > 3:
            raise EntryError("Type the weight in kg, like 0,750")
        grams = int(whole or "0") * MILLI + int((frac + "000")[:3])
        if grams <= 0:
            raise EntryError("The weight must be more than zero")
        return grams
    if not _digits(text):
        raise EntryError("Type digits only")
    if mode == "qty":
        if int(text) <= 0:
            raise EntryError("The quantity must be more than zero")
        return int(text) * MILLI
    return int(text)


class PosPopup(ModalView):
    """A till popup: appears and goes at once (no fade), so the next touch lands where it aims."""

    app = ObjectProperty(None)
    title = StringProperty("")

    def open(self, *args, **kwargs) -> None:
        kwargs.setdefault("animation", False)
        super().open(*args, **kwargs)

    def dismiss(self, *args, **kwargs) -> None:
        kwargs.setdefault("animation", False)
        super().dismiss(*args, **kwargs)

    def on_open(self) -> None:
        _open.append(self)

    def on_dismiss(self) -> None:
        if self in _open:
            _open.remove(self)

    def tr(self, message: str, **params) -> str:
        return self.app.tr(message, **params)


class ApprovalPopup(PosPopup):
    """A manager approves ``action`` for the signed-in person with their PIN."""

    action = StringProperty("")
    details = DictProperty({})
    then = ObjectProperty(None)
    error = StringProperty("")
    checking = BooleanProperty(False)

    def action_name(self) -> str:
        return self.tr(ACTION_NAMES.get(self.action, self.action))

    def submit(self, pin: str) -> None:
        if self.checking:
            return
        if not pin:
            self.error = self.tr("Type the manager's PIN")
            return
        self.checking = True
        self.ids.pad.value = ""
        self.app.worker.submit(self.app.services.approve, self.action, self.app.staff_id, pin, dict(self.details),
                               on_done=self._approved, on_error=self._refused)

    def _approved(self, approval) -> None:
        self.checking = False
        self.dismiss()
        self.app.say(self.tr("Approved: {action}", action=self.action_name()), "success")
        self.then(approval)

    def _refused(self, exc) -> None:
        self.checking = False
        self.error = self.app.describe_error(exc)


class EntryPopup(PosPopup):
    """Type a number on the keypad: ``mode`` qty (pieces), weight (kg), money, digits or pin."""

    mode = StringProperty("qty")
    prompt = StringProperty("")
    then = ObjectProperty(None)
    quick = ListProperty([])     # [(label, text)] shortcuts, e.g. exact amounts
    initial = StringProperty("")
    error = StringProperty("")

    def on_kv_post(self, _base) -> None:
        self.ids.pad.value = self.initial
        for label, text in self.quick:
            self.ids.quick.add_widget(Factory.BigButton(
                text=label, kind="quiet", font_size="17sp", size_hint_min_y=dp(48),
                on_release=lambda _b, t=text: self.submit(t)))

    def submit(self, text: str) -> None:
        try:
            value = parse_entry(text, "digits" if self.mode == "pin" else self.mode)
        except EntryError as exc:
            self.error = self.tr(str(exc))
            return
        self.dismiss()
        self.then(text if self.mode == "pin" else value)


class TextPopup(PosPopup):
    """Type text on the on-screen keyboard (a reason, a label, an order number)."""

    prompt = StringProperty("")
    then = ObjectProperty(None)
    required = BooleanProperty(True)
    error = StringProperty("")

    @classmethod
    def ask(cls, app, *, title: str, then, prompt: str = "", initial: str = "", required: bool = True) -> "TextPopup":
        """Open the app's text popup for one question; the popup (and its ~60 keys) is made once.

        Making it anew took ~70 ms of the main thread each time (suspending a sale, a cash
        movement's reason, a receipt number), most of it the keyboard's buttons.
        """
        popup = getattr(app, "_text_popup", None)
        if popup is None:
            popup = app._text_popup = cls(app=app)
        popup.title, popup.prompt, popup.required, popup.then = title, prompt, required, then
        popup.error = ""
        popup.ids.box.text = initial
        popup.ids.keyboard.shift = False
        popup.open()
        return popup

    def submit(self, text: str) -> None:
        text = text.strip()
        if self.required and not text:
            self.error = self.tr("Type something first")
            return
        self.dismiss()
        self.then(text)


class ChoicePopup(PosPopup):
    """Pick one of ``choices`` [(label, value)]; the first :data:`MAX_CHOICES` are shown."""

    choices = ListProperty([])
    then = ObjectProperty(None)
    empty_text = StringProperty("")

    def on_kv_post(self, _base) -> None:
        box = self.ids.choices
        for label, value in self.choices[:MAX_CHOICES]:
            box.add_widget(Factory.BigButton(text=label, size_hint_y=None, height=dp(64),
                                             on_release=lambda _b, v=value: self.choose(v)))

    def choose(self, value) -> None:
        self.dismiss()
        self.then(value)


class ConfirmPopup(PosPopup):
    text = StringProperty("")
    yes_text = StringProperty("")
    then = ObjectProperty(None)

    def yes(self) -> None:
        self.dismiss()
        self.then()


class CustomerPopup(PosPopup):
    """Identify the loyalty customer: scan the card (or the app's QR) or type its number."""

    then = ObjectProperty(None)
    error = StringProperty("")

    def submit(self, number: str) -> None:
        number = number.strip()
        if not number:
            self.error = self.tr("Scan the card or type its number")
            return
        self.dismiss()
        self.then(number)

    def on_scan(self, data: str, symbology=None) -> None:
        self.app.worker.submit(self.app.services.resolve_scan, data, symbology, on_done=self._scanned,
                               on_error=self.app.show_error)

    def _scanned(self, outcome) -> None:
        number = getattr(outcome, "number", None)
        if number is None:
            self.error = self.tr("That is not a loyalty card")
            return
        self.submit(number)
