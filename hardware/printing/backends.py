"""Open the python-escpos printer object for a :class:`PrinterConfig`, with short timeouts.

python-escpos defaults are made for a desk, not a till: the network timeout is 60 s, USB
writes never time out, and serial writes block forever behind hardware flow control.
Every backend here gets the configured timeout, and a failure to connect becomes
:class:`PrinterOffline` (or :class:`PrinterError` for a missing driver) with a message the
technician can act on.
"""
from __future__ import annotations

import copy

from escpos import printer as escpos_printer
from escpos.capabilities import Profile
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.magicencode import MagicEncode

from .config import PrinterConfig
from .errors import PrinterError, PrinterOffline

DPI = 203


def build_profile(config: PrinterConfig) -> Profile:
    """python-escpos' default (Epson) profile with our paper width, so images fit and centre."""
    profile = Profile(columns=config.columns)
    data = copy.deepcopy(profile.profile_data)
    data["media"] = {"width": {"mm": config.width_mm, "pixels": config.dots}, "dpi": DPI}
    profile.profile_data = data  # instance copy: never mutate the shared class data
    profile.features = data["features"]
    return profile


def _construct(config: PrinterConfig) -> Escpos:
    spec = config.spec
    profile = build_profile(config)
    if spec.kind == "network":
        return escpos_printer.Network(spec.host, spec.port, timeout=config.timeout_s,
                                      profile=profile)
    if spec.kind == "serial":
        return escpos_printer.Serial(spec.device, baudrate=spec.baudrate,
                                     timeout=config.timeout_s, profile=profile)
    if spec.kind == "usb":
        return escpos_printer.Usb(spec.vendor_id, spec.product_id,
                                  timeout=int(config.timeout_s * 1000), profile=profile)
    if spec.kind == "file":
        return escpos_printer.File(spec.path, profile=profile)
    if spec.kind == "cups":
        if not escpos_printer.CupsPrinter.is_usable():
            raise PrinterError("printing through CUPS needs the pycups package "
                               "(pip install pycups) and a running CUPS server")
        return escpos_printer.CupsPrinter(spec.name, profile=profile)
    return escpos_printer.Dummy(profile=profile)


def _unreachable(config: PrinterConfig, reason: object) -> str:
    spec = config.spec
    hints = {
        "network": "check that it is switched on, on the network and that the address is right",
        "serial": "check the cable, the port name and that no other program holds the port",
        "usb": "check the USB cable and that this user may access the device",
        "file": "check the cable and that the device file exists and is writable",
        "cups": "check the printer name in CUPS and that CUPS is running",
    }
    return f"the receipt printer ({spec}) cannot be reached: {reason}; {hints.get(spec.kind, '')}"


def open_printer(config: PrinterConfig) -> Escpos:
    """An opened python-escpos printer for ``config``; raises PrinterOffline if unreachable."""
    try:
        printer = _construct(config)
    except PrinterError:
        raise
    except Exception as exc:  # a backend whose library is missing or misconfigured
        raise PrinterError(f"cannot set up the receipt printer ({config.spec}): {exc}") from exc
    # Never let python-escpos pick code pages on its own: text goes out as CP866 bytes that
    # we encode ourselves (see render.py); this only guards stray text() calls.
    printer.magic = MagicEncode(printer, encoding="CP866", disabled=True)
    if config.spec.kind == "dummy":
        return printer
    try:
        printer.open()
    except DeviceNotFoundError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise PrinterOffline(_unreachable(config, reason)) from exc
    except (OSError, RuntimeError, ValueError) as exc:
        raise PrinterOffline(_unreachable(config, exc)) from exc
    if config.spec.kind == "serial":
        printer.device.write_timeout = config.timeout_s
    return printer


def close_printer(printer: Escpos) -> None:
    """Close, ignoring errors: the connection may already be gone.

    If python-escpos' close fails half-way (a flush into a broken pipe), the device is
    closed directly and forgotten, so the printer's ``__del__`` does not fail again later.
    """
    try:
        printer.close()
    except Exception:  # closing a dead connection must not hide the real error
        device = getattr(printer, "_device", None)
        try:
            if device:
                device.close()
        except Exception:  # already broken; nothing more to release
            device = None
        printer._device = False
