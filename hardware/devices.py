"""The terminal's devices: configuration in the local store, building them, finding them
and checking them. The technician CLI (``python -m hardware``) and the apps' technician
screens call these functions; they return data and print nothing.

Configuration lives in the ``devices`` table of the terminal's local store, one row per
kind, so the POS, the kiosk and the CLI read the same settings. Each row is a one-line
*spec* plus JSON *options*::

    printer   none | network:HOST[:PORT] | serial:DEV[:BAUD] | usb:VID:PID | file:PATH |
              cups:NAME | dummy          options: width_mm, columns, codepage_slot,
              codepage_mode, drawer_pin, drawer_pulse_ms, timeout_s, qr_native
    drawer    none | printer | serial:PORT[:BAUD]   options: pin, pulse_ms, trigger, timeout_s
    scanner   none | serial:PORT[:BAUD][;suffix=CR...] | wedge | camera:N   (all in the spec)
    payment   none | tcp:HOST:PORT | emulator      options: timeout_s, decision_timeout_s,
              recovery_s

A fresh terminal has no rows: every kind reads as ``none``, reported as "not configured"
with the command that configures it, never as a silent dummy. ``payment emulator``
starts an in-process payment terminal emulator, for the demo.

:func:`configure` checks a setting by building the device's configuration object before
it writes anything, so a typo is refused with the device module's own message.
"""
from __future__ import annotations

import ipaddress
import json
import os
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import serial
from serial.tools import list_ports

from hardware.drawer import Drawer, DrawerError, PrinterDrawer, SerialDrawer, parse_drawer_spec
from hardware.payment import PaymentError, TcpPaymentTerminal
from hardware.printing import PrinterConfig, PrinterError, open_printer, query_status
from hardware.printing.backends import close_printer
from hardware.scanner import Scanner, ScannerConfig, ScannerError
from retail.store import StoreError, connect, transaction

KINDS = ("printer", "drawer", "scanner", "payment")
NONE = "none"
ENV_DB = "VITRINA_DB"
OPTIONS: Mapping[str, tuple[str, ...]] = {
    "printer": ("width_mm", "columns", "codepage_slot", "codepage_mode", "drawer_pin",
                "drawer_pulse_ms", "timeout_s", "qr_native"),
    "drawer": ("pin", "pulse_ms", "trigger", "timeout_s"),
    "scanner": (),
    "payment": ("timeout_s", "decision_timeout_s", "recovery_s"),
}
FORMS = {
    "printer": "none, network:HOST[:PORT], serial:DEVICE[:BAUD], usb:VID:PID, file:PATH, "
               "cups:NAME or dummy",
    "drawer": "none, printer or serial:PORT[:BAUD]",
    "scanner": "none, serial:PORT[:BAUD][;suffix=CR], wedge or camera:N",
    "payment": "none, tcp:HOST:PORT or emulator",
}
HOW_TO = "python -m hardware configure --db PATH {kind} SPEC"


class DeviceConfigError(ValueError):
    """A device setting that cannot work; the message says what to change."""


@dataclass(frozen=True)
class DeviceSetting:
    """One kind's configuration as stored (``spec`` is ``'none'`` when not configured)."""
    kind: str
    spec: str = NONE
    options: Mapping[str, Any] = field(default_factory=dict)
    updated_at: int | None = None

    @property
    def configured(self) -> bool:
        return self.spec != NONE


# ---------------------------------------------------------------- the local store

def default_db() -> Path | None:
    """The local store named by ``$VITRINA_DB``, if set."""
    value = os.environ.get(ENV_DB)
    return Path(value) if value else None


def open_store(path: str | Path, *, create: bool = False) -> sqlite3.Connection:
    """Open the terminal's local store; a missing file is an error unless ``create``."""
    path = Path(path)
    if not create and not path.exists():
        raise DeviceConfigError(f"no local store at {path}: give the terminal's database with "
                                f"--db (or set ${ENV_DB})")
    try:
        return connect(path)
    except (StoreError, sqlite3.Error, OSError, RuntimeError) as exc:
        raise DeviceConfigError(f"cannot open the local store {path}: {exc}") from None


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise DeviceConfigError(f"device kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return kind


def get_device(conn: sqlite3.Connection, kind: str) -> DeviceSetting:
    """The stored setting of ``kind``, or ``none`` when the terminal has none."""
    _check_kind(kind)
    row = conn.execute("SELECT spec, options, updated_at FROM devices WHERE kind = ?",
                       (kind,)).fetchone()
    if row is None:
        return DeviceSetting(kind)
    try:
        options = json.loads(row[1])
    except ValueError:
        raise DeviceConfigError(f"the stored {kind} options are damaged; configure the {kind} "
                                "again") from None
    return DeviceSetting(kind, row[0], options if isinstance(options, dict) else {}, row[2])


def read_devices(conn: sqlite3.Connection) -> dict[str, DeviceSetting]:
    """Every kind's setting (``none`` for those not configured), in :data:`KINDS` order."""
    return {kind: get_device(conn, kind) for kind in KINDS}


def _clean_options(kind: str, options: Mapping[str, Any] | None) -> dict[str, Any]:
    options = dict(options or {})
    unknown = sorted(set(options) - set(OPTIONS[kind]))
    if unknown:
        known = ", ".join(OPTIONS[kind]) or "none (everything is in the spec)"
        raise DeviceConfigError(f"{kind} has no option(s) {', '.join(unknown)}; known: {known}")
    return {k: v for k, v in options.items() if v is not None or k == "codepage_slot"}


def canonical(setting: DeviceSetting) -> DeviceSetting:
    """Check a setting by building its configuration; returns it with a canonical spec."""
    kind = _check_kind(setting.kind)
    if not isinstance(setting.spec, str) or not setting.spec.strip():
        raise DeviceConfigError(f"{kind} spec is empty; use {FORMS[kind]}")
    spec = setting.spec.strip()
    options = _clean_options(kind, setting.options)
    if spec.lower() == NONE:
        return DeviceSetting(kind, NONE, {}, setting.updated_at)
    if kind == "printer":
        spec = str(printer_config(DeviceSetting(kind, spec, options)).spec)
    elif kind == "drawer":
        drawer_kind, port, baudrate = _drawer_spec(spec)
        spec = "printer" if drawer_kind == "printer" else f"serial:{port}:{baudrate}"
        if drawer_kind == "serial":
            build_drawer(DeviceSetting(kind, spec, options), None)
        else:
            _printer_drawer_options(options)
    elif kind == "scanner":
        spec = scanner_config(DeviceSetting(kind, spec)).to_spec()
    else:
        spec = _payment_spec(spec)
        _payment_options(options)
    return DeviceSetting(kind, spec, options, setting.updated_at)


def configure(conn: sqlite3.Connection, kind: str, spec: str,
              options: Mapping[str, Any] | None = None, *, now: int | None = None) -> DeviceSetting:
    """Check and store ``kind``'s setting (``spec='none'`` removes it); returns what was stored.

    Runs in the caller's transaction if one is open, else in its own.
    """
    setting = canonical(DeviceSetting(_check_kind(kind), spec, options or {}))
    at = int(time.time()) if now is None else now

    def write() -> None:
        if setting.spec == NONE:
            conn.execute("DELETE FROM devices WHERE kind = ?", (kind,))
        else:
            conn.execute("INSERT INTO devices(kind, spec, options, updated_at) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT(kind) DO UPDATE SET spec = excluded.spec, "
                         "options = excluded.options, updated_at = excluded.updated_at",
                         (kind, setting.spec, json.dumps(setting.options, sort_keys=True), at))

    if conn.in_transaction:
        write()
    else:
        with transaction(conn):
            write()
    return get_device(conn, kind)


# ---------------------------------------------------------------- building devices

def _setting(source: sqlite3.Connection | DeviceSetting, kind: str) -> DeviceSetting:
    if isinstance(source, DeviceSetting):
        if source.kind != kind:
            raise DeviceConfigError(f"expected the {kind} setting, got the {source.kind} setting")
        return source
    return get_device(source, kind)


def printer_config(source: sqlite3.Connection | DeviceSetting) -> PrinterConfig | None:
    """The configured receipt printer, or None when there is none."""
    setting = _setting(source, "printer")
    if not setting.configured:
        return None
    options = _clean_options("printer", setting.options)
    try:
        return PrinterConfig(setting.spec, **options)
    except PrinterError as exc:
        raise DeviceConfigError(str(exc)) from None
    except TypeError as exc:
        raise DeviceConfigError(f"printer options: {exc}") from None


def _drawer_spec(spec: str) -> tuple[str, str, int]:
    try:
        return parse_drawer_spec(spec)
    except DrawerError as exc:
        raise DeviceConfigError(str(exc)) from None


def _printer_drawer_options(options: Mapping[str, Any]) -> dict[str, Any]:
    extra = sorted(set(options) - {"pin", "pulse_ms"})
    if extra:
        raise DeviceConfigError(f"a drawer on the printer takes only pin and pulse_ms, not "
                                f"{', '.join(extra)}")
    pin, pulse = options.get("pin"), options.get("pulse_ms")
    if pin is not None and pin not in (2, 5):
        raise DeviceConfigError(f"cash drawer pin must be 2 or 5, got {pin!r}")
    if pulse is not None and (isinstance(pulse, bool) or not isinstance(pulse, int)
                              or not 100 <= pulse <= 800):
        raise DeviceConfigError(f"drawer pulse must be 100-800 ms, got {pulse!r}")
    return {"pin": pin, "pulse_ms": pulse}


def build_drawer(source: sqlite3.Connection | DeviceSetting,
                 printer: PrinterConfig | None = None) -> Drawer | None:
    """The configured cash drawer (not opened), or None. A drawer on the printer needs
    ``printer`` (from a connection, the configured printer is used)."""
    setting = _setting(source, "drawer")
    if not setting.configured:
        return None
    if printer is None and isinstance(source, sqlite3.Connection):
        printer = printer_config(source)
    kind, port, baudrate = _drawer_spec(setting.spec)
    options = _clean_options("drawer", setting.options)
    try:
        if kind == "printer":
            if printer is None:
                raise DeviceConfigError("the drawer is set to open through the printer, but no "
                                        f"printer is configured: {HOW_TO.format(kind='printer')}")
            return PrinterDrawer(printer, **_printer_drawer_options(options))
        extra = sorted(set(options) - {"trigger", "timeout_s"})
        if extra:
            raise DeviceConfigError(f"a serial drawer takes only trigger and timeout_s, not "
                                    f"{', '.join(extra)}")
        return SerialDrawer(port, baudrate, options.get("trigger"), options.get("timeout_s", 1.0))
    except DrawerError as exc:
        raise DeviceConfigError(str(exc)) from None


def scanner_config(source: sqlite3.Connection | DeviceSetting) -> ScannerConfig | None:
    setting = _setting(source, "scanner")
    if not setting.configured:
        return None
    try:
        return ScannerConfig.from_spec(setting.spec)
    except ScannerError as exc:
        raise DeviceConfigError(str(exc)) from None


def build_scanner(source: sqlite3.Connection | DeviceSetting) -> Scanner | None:
    """The configured scanner, built but not started, or None."""
    config = scanner_config(source)
    return config.build() if config is not None else None


def _payment_spec(spec: str) -> str:
    text = spec.strip()
    if text.lower() == "emulator":
        return "emulator"
    kind, _, rest = text.partition(":")
    host, colon, port = rest.rpartition(":")
    if kind.lower() != "tcp" or not colon or not host:
        raise DeviceConfigError(f"payment terminal spec {spec!r}: use {FORMS['payment']}")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise DeviceConfigError(f"payment terminal spec {spec!r}: port {port!r} is not 1-65535")
    host = host.strip("[]")
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        if not host.replace("-", "").replace(".", "").isalnum():
            raise DeviceConfigError(f"payment terminal spec {spec!r}: {host!r} is not an IP "
                                    "address or host name") from None
    return f"tcp:{host}:{int(port)}"


def _payment_options(options: Mapping[str, Any]) -> dict[str, float]:
    out = {}
    for name, value in options.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 600:
            raise DeviceConfigError(f"payment option {name} must be seconds, more than 0 and at "
                                    f"most 600, got {value!r}")
        out[name] = float(value)
    return out


class DemoPaymentTerminal(TcpPaymentTerminal):
    """A TCP client to a payment terminal emulator running in this process (the demo)."""

    def __init__(self, **options: float) -> None:
        from hardware.emulator.payment_terminal import EmulatedPaymentTerminal

        self.emulator = EmulatedPaymentTerminal(port=0).start()
        super().__init__(self.emulator.host, self.emulator.port, **options)

    def close(self) -> None:
        self.emulator.stop()


def build_payment(source: sqlite3.Connection | DeviceSetting) -> TcpPaymentTerminal | None:
    """The configured payment terminal client, or None. ``emulator`` starts one here;
    call its ``close()`` when the app stops."""
    setting = _setting(source, "payment")
    if not setting.configured:
        return None
    spec = _payment_spec(setting.spec)
    options = _payment_options(_clean_options("payment", setting.options))
    if spec == "emulator":
        return DemoPaymentTerminal(**options)
    host, port = spec[len("tcp:"):].rsplit(":", 1)
    return TcpPaymentTerminal(host, int(port), **options)


# ---------------------------------------------------------------- discovery

@dataclass(frozen=True)
class SerialPort:
    device: str
    description: str
    hwid: str


@dataclass(frozen=True)
class UsbPrinter:
    vendor_id: int
    product_id: int
    description: str

    @property
    def spec(self) -> str:
        return f"usb:{self.vendor_id:04x}:{self.product_id:04x}"


def serial_ports() -> list[SerialPort]:
    """Serial ports the system knows (scanners, drawers, serial printers, USB adapters)."""
    return [SerialPort(p.device, p.description or "", p.hwid or "")
            for p in sorted(list_ports.comports(), key=lambda p: p.device)]


def usb_printers() -> tuple[list[UsbPrinter], str]:
    """USB printer-class devices pyusb can see, and a note when it cannot look at all."""
    try:
        import usb.core
        import usb.util
    except ImportError:
        return [], "USB printers cannot be listed: pyusb is not installed (pip install pyusb)"
    try:
        found = list(usb.core.find(find_all=True, custom_match=_is_printer) or ())
    except usb.core.NoBackendError:
        return [], ("USB printers cannot be listed: no libusb backend is installed "
                    "(apt install libusb-1.0-0, or the libusb DLL on Windows)")
    except (usb.core.USBError, OSError) as exc:
        return [], f"USB printers cannot be listed: {exc}"
    printers = []
    for device in found:
        name = ""
        try:
            name = " ".join(filter(None, (usb.util.get_string(device, device.iManufacturer),
                                          usb.util.get_string(device, device.iProduct))))
        except (usb.core.USBError, ValueError, NotImplementedError):
            name = "(no permission to read its name)"
        printers.append(UsbPrinter(device.idVendor, device.idProduct, name))
    return printers, ""


def _is_printer(device) -> bool:
    """USB class 7 (printer), on the device or on any interface."""
    if device.bDeviceClass == 7:
        return True
    try:
        return any(interface.bInterfaceClass == 7 for cfg in device for interface in cfg)
    except Exception:  # pyusb raises backend-specific errors reading descriptors
        return False


def discover(conn: sqlite3.Connection | None = None) -> dict:
    """What ``python -m hardware list`` shows, as plain data: serial ports, USB printers
    (or why they cannot be listed) and, given the local store, the configured devices'
    status."""
    printers, usb_note = usb_printers()
    return {
        "serial_ports": [{"device": p.device, "description": p.description, "hwid": p.hwid}
                         for p in serial_ports()],
        "usb_printers": [{"spec": p.spec, "description": p.description} for p in printers],
        "usb_note": usb_note,
        "configured": None if conn is None else [s.to_dict() for s in device_status(conn)],
    }


# ---------------------------------------------------------------- status

STATES = ("ok", "warning", "error", "unknown", "not_configured")


@dataclass(frozen=True)
class DeviceStatus:
    """How one configured device is: ``state`` is one of :data:`STATES`."""
    kind: str
    spec: str
    state: str
    detail: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "spec": self.spec, "state": self.state, "detail": self.detail}


_PRINTER_STATES = {"online": "ok", "paper_near_end": "warning", "paper_out": "error",
                   "cover_open": "error", "offline": "error", "unknown": "unknown"}


def _ask_printer(config: PrinterConfig) -> tuple[str, str]:
    """(printer state, detail): connect and ask (DLE EOT), bounded by the printer timeout."""
    try:
        printer = open_printer(config)
    except PrinterError as exc:
        return "offline", str(exc)
    try:
        status = query_status(printer, config.timeout_s)
    finally:
        close_printer(printer)
    return status.state, status.detail


def printer_status(config: PrinterConfig) -> DeviceStatus:
    """How the receipt printer is, as a technician reads it."""
    state, detail = _ask_printer(config)
    return DeviceStatus("printer", str(config.spec), _PRINTER_STATES[state], detail)


def _probe_serial(kind: str, spec: str, port: str, baudrate: int, timeout_s: float) -> DeviceStatus:
    """Open and close the port (sending nothing), bounded by ``timeout_s``."""
    outcome: list[DeviceStatus] = []

    def probe() -> None:
        try:
            serial.serial_for_url(port, baudrate=baudrate, timeout=timeout_s).close()
        except (serial.SerialException, OSError, ValueError) as exc:
            outcome.append(DeviceStatus(kind, spec, "error", f"cannot open {port}: {exc}"))
        else:
            outcome.append(DeviceStatus(kind, spec, "ok", f"{port} opens"))

    worker = threading.Thread(target=probe, daemon=True, name=f"probe {port}")
    worker.start()
    worker.join(timeout_s + 0.5)
    return outcome[0] if outcome else DeviceStatus(kind, spec, "error",
                                                   f"{port} did not open within {timeout_s:g} s")


def _status_of(setting: DeviceSetting, printer: PrinterConfig | None,
               timeout_s: float) -> DeviceStatus:
    kind, spec = setting.kind, setting.spec
    if not setting.configured:
        return DeviceStatus(kind, NONE, "not_configured",
                            f"no {kind} configured: {HOW_TO.format(kind=kind)}")
    try:
        if kind == "printer":
            return printer_status(printer_config(setting))
        if kind == "drawer":
            drawer = build_drawer(setting, printer)
            if isinstance(drawer, PrinterDrawer):
                # The real-time kick works with paper out or the cover open; not when offline.
                state, detail = _ask_printer(drawer.printer)
                mapped = {"offline": "error", "unknown": "unknown"}.get(state, "ok")
                return DeviceStatus(kind, spec, mapped, f"{drawer.description}; printer: {detail}")
            return _probe_serial(kind, spec, drawer.port, drawer.baudrate, timeout_s)
        if kind == "scanner":
            config = scanner_config(setting)
            if config.kind == "serial":
                return _probe_serial(kind, spec, config.port, config.baudrate, timeout_s)
            if config.kind == "wedge":
                return DeviceStatus(kind, spec, "unknown", "a keyboard-wedge scanner types its "
                                    "codes; check it with 'python -m hardware scan-test'")
            return DeviceStatus(kind, spec, "unknown", f"camera {config.camera} is checked on "
                                "the kiosk's camera screen")
        terminal = build_payment(setting)
        try:
            seconds = terminal.ping()
        finally:
            if isinstance(terminal, DemoPaymentTerminal):
                terminal.close()
        where = "in-process emulator" if spec == "emulator" else spec[len("tcp:"):]
        return DeviceStatus(kind, spec, "ok", f"{where} answered in {seconds * 1000:.0f} ms")
    except (DeviceConfigError, PaymentError) as exc:
        return DeviceStatus(kind, spec, "error", str(exc))


def check_device(conn: sqlite3.Connection, kind: str, timeout_s: float = 2.0) -> DeviceStatus:
    """Check one configured device (right after a technician configured it)."""
    setting = get_device(conn, kind)
    try:
        printer = printer_config(conn) if kind == "drawer" else None
    except DeviceConfigError:
        printer = None
    return _status_of(setting, printer, timeout_s)


def device_status(source: sqlite3.Connection | Mapping[str, DeviceSetting],
                  timeout_s: float = 2.0) -> list[DeviceStatus]:
    """Check every kind (in parallel, each bounded): what a technician sees first."""
    settings = read_devices(source) if isinstance(source, sqlite3.Connection) else dict(source)
    settings = {kind: settings.get(kind, DeviceSetting(kind)) for kind in KINDS}
    try:
        printer = printer_config(settings["printer"])
    except DeviceConfigError:
        printer = None
    with ThreadPoolExecutor(max_workers=len(KINDS)) as pool:
        futures = [pool.submit(_status_of, settings[kind], printer, timeout_s) for kind in KINDS]
        return [future.result() for future in futures]


# ---------------------------------------------------------------- scan test

@dataclass(frozen=True)
class ScanDescription:
    """A scan as the technician's scan test shows it: never a full card number or code."""
    symbology: str
    data: str
    meaning: str

    def line(self) -> str:
        return f"{self.symbology:<16} {self.data:<24} {self.meaning}"


def describe_scan(event) -> ScanDescription:
    """What a :class:`~hardware.scanner.ScanEvent` is, in words; loyalty numbers are masked
    and signed codes shortened, because the scan test's output may end up in a log."""
    from retail.codes.instore import PriceCode, WeightCode
    from retail.codes.scan import (GS1Scan, GtinScan, InStoreScan, LoyaltyCardScan,
                                   ProductUrlScan, SignedScan)
    from retail.loyalty import mask_card
    from retail.money import format_money

    result = event.result
    symbology = event.symbology.name if event.symbology else "unknown"
    data = event.data.replace("\x1d", "<GS>")
    if isinstance(result, GtinScan):
        meaning = f"product barcode, GTIN {result.gtin}"
    elif isinstance(result, InStoreScan):
        label = result.label
        if isinstance(label, WeightCode):
            meaning = f"scale label: item {label.plu}, {label.grams} g"
        elif isinstance(label, PriceCode):
            meaning = f"price label: item {label.plu}, {format_money(label.kopecks)}"
        else:
            meaning = "in-store label"
    elif isinstance(result, LoyaltyCardScan):
        data = mask_card(result.number)
        meaning = f"loyalty card {data}"
    elif isinstance(result, GS1Scan):
        fields = ", ".join(f"({ai}) {value}" for ai, value in result.data.raw.items())
        meaning = f"GS1 data: {fields}"
    elif isinstance(result, SignedScan):
        data = data[:12] + "…" if len(data) > 12 else data
        meaning = f"signed Vitrina {result.kind} code (checked by the till, not here)"
    elif isinstance(result, ProductUrlScan):
        meaning = f"product link, SKU {result.sku}"
    else:
        meaning = f"not recognised: {result.reason}"
    if len(data) > 40:
        data = data[:40] + "…"
    return ScanDescription(symbology, data, meaning)
