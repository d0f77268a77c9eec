"""Barcode and QR scanners: serial, keyboard-wedge and camera, one event type for all.

Every transport turns what the device sends into :class:`ScanEvent` (data, symbology,
source, time) using the same framing rules (:mod:`.framing`, :mod:`.symbology`); the
event's ``result`` says what the code means, via :func:`retail.codes.scan.classify`.
Configure one with a spec line (:mod:`.config`): ``serial:/dev/ttyUSB0:9600``, ``wedge``,
``camera:0``.
"""
from hardware.scanner.base import ScanCallback, Scanner
from hardware.scanner.camera import CameraScanner, decode_image, frame_from_bytes
from hardware.scanner.config import ScannerConfig, parse_scanner_spec
from hardware.scanner.framing import GS, FrameAssembler, Framing, ScanEvent, ScannerError, Suffix
from hardware.scanner.serial_scanner import SerialScanner
from hardware.scanner.symbology import AIM_TABLE, Symbology
from hardware.scanner.wedge import KeyboardWedge, TypedKeys

__all__ = [
    "AIM_TABLE", "CameraScanner", "FrameAssembler", "Framing", "GS", "KeyboardWedge",
    "ScanCallback", "ScanEvent", "Scanner", "ScannerConfig", "ScannerError", "SerialScanner",
    "Suffix", "Symbology", "TypedKeys", "decode_image", "frame_from_bytes",
    "parse_scanner_spec",
]
