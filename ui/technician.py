"""The technician's screen, shared by the kiosk and the POS: devices and terminal registration.

Everything goes through the hardware layer's own functions (``hardware.devices``), so the
screen and ``python -m hardware`` read and write the same ``devices`` rows: configure a
printer, drawer, scanner or payment terminal by its one-line spec (checked before it is
stored), check every device's status, print the test page, and try the scanner (each
scan shows what was read and what it means). Registering the terminal with central does
what ``python -m sync register`` does.

Inject ``services`` (:class:`TechnicianServices`) and ``app`` (a ``ui.app.TerminalApp``
with its worker) like any screen; the App routes scans to :meth:`TechnicianScreen.on_scan`.
"""
from __future__ import annotations

import time
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ListProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from retail.store import connect
from retail.store.settings import get

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

STATE_NAMES = {"ok": "Works", "warning": "Warning", "error": "Fault", "unknown": "Not checked",
               "not_configured": "Not configured"}
STATE_COLOURS = {"ok": (0.0, 0.5, 0.3, 1), "warning": (0.75, 0.45, 0.0, 1), "error": (0.75, 0.1, 0.1, 1),
                 "unknown": (0.35, 0.37, 0.42, 1), "not_configured": (0.35, 0.37, 0.42, 1)}


class TechnicianError(ValueError):
    """What the technician typed cannot be used; the message says how to write it."""


def parse_options(text: str) -> dict:
    """``"width_mm=58 codepage_slot=59 qr_native=no"`` -> options with ints, floats and booleans."""
    out: dict = {}
    for part in (text or "").replace(",", " ").split():
        name, eq, raw = part.partition("=")
        if not eq or not name:
            raise TechnicianError(f"write options as name=value, separated by spaces; {part!r} is not")
        low = raw.lower()
        if low in ("yes", "true", "on"):
            value: object = True
        elif low in ("no", "false", "off"):
            value = False
        else:
            try:
                value = int(raw)
            except ValueError:
                try:
                    value = float(raw)
                except ValueError:
                    value = raw
        out[name] = value
    return out


def format_options(options: dict) -> str:
    return " ".join(f"{k}={'yes' if v is True else 'no' if v is False else v}" for k, v in sorted(options.items()))


class TechnicianServices:
    """Blocking device and registration calls for the technician screen (run them in the Worker)."""

    def __init__(self, db_path: str | Path, *, queue=None, central_url: str | None = None,
                 clock=time.time) -> None:
        self.db_path = Path(db_path)
        self.queue = queue          # the app's print queue: told when the printer changes
        self.central_url = central_url
        self.clock = clock

    def _conn(self):
        return connect(self.db_path, migrate_schema=False)

    def settings(self) -> dict:
        from hardware import devices

        conn = self._conn()
        try:
            return devices.read_devices(conn)
        finally:
            conn.close()

    def configure(self, kind: str, spec: str, options: dict | None = None):
        """Check and store a device; a new printer is handed to the running print queue."""
        from hardware import devices

        conn = self._conn()
        try:
            setting = devices.configure(conn, kind, spec.strip() or devices.NONE, options or {}, now=int(self.clock()))
            if kind == "printer" and self.queue is not None:
                self.queue.set_printer(devices.printer_config(conn))
            return setting
        finally:
            conn.close()

    def status(self) -> list:
        from hardware import devices

        conn = self._conn()
        try:
            return devices.device_status(conn)
        finally:
            conn.close()

    def ports(self) -> list[str]:
        """Serial ports and USB printers found on this machine, as specs to type."""
        from hardware import devices

        found = [f"serial:{p.device}" for p in devices.serial_ports()]
        printers, _note = devices.usb_printers()
        return found + [p.spec for p in printers]

    def test_print(self, lang: str = "ru") -> str:
        """Print the test page on the configured printer now; returns what happened."""
        from hardware import devices
        from hardware.printing import print_document
        from hardware.receipts.testpage import build_test_page

        conn = self._conn()
        try:
            config = devices.printer_config(conn)
        finally:
            conn.close()
        if config is None:
            raise TechnicianError("no printer is configured: type its spec and save it first")
        result = print_document(build_test_page(config, now=int(self.clock()), lang=lang), config)
        return f"{result.bytes_sent} bytes, {result.seconds:.2f} s; {result.status_after.detail}"

    def classify(self, data: str, symbology: str | None = None) -> str:
        from retail.codes.scan import classify

        result = classify(data, symbology=symbology)
        fields = ", ".join(f"{k}={v}" for k, v in vars(result).items() if not k.startswith("_"))
        return f"{type(result).__name__}: {fields}"

    def identity(self) -> dict:
        """The registered identity; before registration the central URL the app was started with."""
        conn = self._conn()
        try:
            ident = {k: get(conn, k) or "" for k in ("store_id", "terminal_id", "terminal_kind", "central_url")}
        finally:
            conn.close()
        ident["central_url"] = ident["central_url"] or self.central_url or ""
        return ident

    def register(self, central: str, store: str, terminal: str, token: str, kind: str):
        """What ``python -m sync register`` does: identity into the store, token beside it (0600)."""
        from sync import identity

        conn = self._conn()
        try:
            return identity.register(conn, self.db_path, central=central, store=store, terminal=terminal,
                                     token=token, kind=kind, now=int(self.clock()))
        finally:
            conn.close()


class DeviceRow(ButtonBehavior, BoxLayout):
    kind = StringProperty("")
    spec = StringProperty("")
    state = StringProperty("")
    detail = StringProperty("")
    colour = ListProperty([0.35, 0.37, 0.42, 1])
    screen = ObjectProperty(None, allownone=True)

    def on_release(self) -> None:
        self.screen.choose(self.kind)


class TechnicianScreen(Screen):
    services = ObjectProperty(None)
    app = ObjectProperty(None)
    tab = StringProperty("devices")
    rows = ListProperty([])
    kind = StringProperty("printer")
    scan_line = StringProperty("")
    result = StringProperty("")
    identity_line = StringProperty("")
    target = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._settings: dict = {}
        self._status: dict = {}

    def _run(self, fn, *args, on_done=None):
        return self.app.worker.submit(fn, *args, on_done=on_done, on_error=self._failed)

    def _failed(self, exc) -> None:
        self.result = str(exc) or type(exc).__name__
        self.app.say(self.result, "error")

    def on_pre_enter(self, *_args) -> None:
        self.load()
        self.check()

    def load(self) -> None:
        self._run(self.services.settings, on_done=self._loaded)
        self._run(self.services.identity, on_done=self._identity)

    def _loaded(self, settings) -> None:
        self._settings = settings
        self.refresh()
        self.choose(self.kind)

    def _identity(self, ident: dict) -> None:
        tr = self.app.tr
        if ident["store_id"]:
            self.identity_line = tr("Terminal {terminal} ({kind}) of store {store}, central {central}",
                                    terminal=ident["terminal_id"], kind=ident["terminal_kind"],
                                    store=ident["store_id"], central=ident["central_url"])
        else:
            self.identity_line = tr("This terminal is not registered with central yet")
        for key, field in (("central_url", "reg_central"), ("store_id", "reg_store"), ("terminal_id", "reg_terminal")):
            if ident[key] and not self.ids[field].text:
                self.ids[field].text = ident[key]

    def refresh(self) -> None:
        rows = []
        tr = self.app.tr
        for kind, setting in self._settings.items():
            status = self._status.get(kind)
            state = status.state if status is not None else ""
            rows.append({"kind": kind, "spec": setting.spec, "state": tr(STATE_NAMES.get(state, state)) if state else "",
                         "detail": status.detail if status is not None else "",
                         "colour": list(STATE_COLOURS.get(state, STATE_COLOURS["unknown"])), "screen": self})
        self.rows = rows

    def choose(self, kind: str) -> None:
        self.kind = kind
        setting = self._settings.get(kind)
        if setting is not None:
            self.ids.spec_box.text = "" if setting.spec == "none" else setting.spec
            self.ids.options_box.text = format_options(dict(setting.options))

    def save(self) -> None:
        try:
            options = parse_options(self.ids.options_box.text)
        except TechnicianError as exc:
            self._failed(exc)
            return
        self._run(self.services.configure, self.kind, self.ids.spec_box.text, options, on_done=self._saved)

    def _saved(self, setting) -> None:
        self.result = self.app.tr("Saved: {kind} {spec}", kind=setting.kind, spec=setting.spec)
        self.app.say(self.result, "success")
        changed = getattr(self.app, "devices_changed", None)  # the app uses the new device at once
        if changed is not None:
            changed(setting.kind)
        self.load()
        self.check()

    def check(self) -> None:
        self.result = self.app.tr("Checking the devices…")
        self._run(self.services.status, on_done=self._checked)

    def _checked(self, statuses) -> None:
        self._status = {s.kind: s for s in statuses}
        self.result = ""
        self.refresh()

    def test_print(self) -> None:
        self.result = self.app.tr("Printing the test page…")
        self._run(self.services.test_print, self.app.lang,
                  on_done=lambda text: setattr(self, "result", self.app.tr("Test page printed: {detail}", detail=text)))

    def find_ports(self) -> None:
        self._run(self.services.ports, on_done=lambda found: setattr(
            self, "result", self.app.tr("Found: {ports}", ports=", ".join(found) or self.app.tr("nothing"))))

    def on_scan(self, data: str, symbology: str | None = None) -> None:
        self._run(self.services.classify, data, symbology, on_done=lambda text: setattr(
            self, "scan_line", self.app.tr("Scanned {data!r} ({symbology}): {meaning}", data=data,
                                           symbology=symbology or "?", meaning=text)))

    def register(self) -> None:
        ids = self.ids
        self._run(self.services.register, ids.reg_central.text, ids.reg_store.text, ids.reg_terminal.text,
                  ids.reg_token.text, ids.reg_kind.text or "pos", on_done=self._registered)

    def _registered(self, ident) -> None:
        self.ids.reg_token.text = ""
        self.result = self.app.tr("Registered terminal {terminal} of store {store}", terminal=ident.terminal_id,
                                  store=ident.store_id)
        self.app.say(self.result, "success")
        self.load()

    def focus_field(self, field) -> None:
        self.target = field
