"""Camera scanning: decode barcodes and QR codes in video frames with zxing-cpp.

The kiosk's camera widget hands frames here; decoding takes tens of milliseconds, so
:meth:`CameraScanner.submit` passes each frame to a worker thread that always works on
the newest frame (older ones are dropped, never queued up behind a slow decode). A code
held in front of the camera appears in frame after frame; it is reported once and then
suppressed while it keeps being seen within ``dedupe_s`` seconds.

Frames may be PIL images, numpy arrays (grey ``H×W`` or BGR ``H×W×3``) or anything else
exposing such a buffer; :func:`frame_from_bytes` wraps raw pixels such as a Kivy texture's.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Optional

import zxingcpp
from PIL import Image

from hardware.scanner.base import ScanCallback, Scanner, deliver, log
from hardware.scanner.framing import ScanEvent, ScannerError, clean
from hardware.scanner.symbology import Symbology, lookup

_PIL_MODES = {"1", "L", "RGB", "RGBA"}


def frame_from_bytes(pixels: bytes, width: int, height: int, mode: str = "RGBA") -> Image.Image:
    """Raw pixel bytes (e.g. ``texture.pixels`` from Kivy) as a decodable image."""
    try:
        return Image.frombytes(mode, (width, height), pixels)
    except (ValueError, TypeError) as exc:
        raise ScannerError(f"camera frame of {len(pixels)} bytes is not a {width}x{height} "
                           f"{mode} image: {exc}") from None


def _symbology(barcode: Any) -> Optional[Symbology]:
    aim = barcode.symbology_identifier
    found = lookup(aim) if aim else None
    if found is None and aim:
        return Symbology(aim, str(barcode.format))
    return found


def decode_image(image: Any, source: str = "camera") -> list[ScanEvent]:
    """Every code zxing-cpp finds in ``image``, as scan events (possibly none).

    Text comes in zxing's plain mode, so GS1 codes carry GS separators exactly as a
    hardware scanner sends them, and the symbology comes from the decoder's AIM id.
    """
    if image is None or isinstance(image, (str, bytes)):
        raise ScannerError(f"a camera frame must be a PIL image or a pixel array, not "
                           f"{type(image).__name__}; wrap raw pixels with frame_from_bytes()")
    if isinstance(image, Image.Image) and image.mode not in _PIL_MODES:
        image = image.convert("RGB")
    try:
        barcodes = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ScannerError(f"cannot decode this camera frame ({type(image).__name__}): "
                           f"{str(exc).splitlines()[0]}; "
                           "pass a PIL image or a grey/BGR pixel array") from None
    events = []
    for barcode in barcodes:
        data = clean(barcode.text)
        if data:
            events.append(ScanEvent(data, _symbology(barcode), source))
    return events


class CameraScanner(Scanner):
    """Decodes frames, reports each code once while it stays in view."""

    def __init__(self, source: str = "camera:0", *, dedupe_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic):
        if not dedupe_s >= 0:
            raise ScannerError(f"dedupe_s must be >= 0 seconds, got {dedupe_s!r}")
        self.source = source
        self.dedupe_s = dedupe_s
        self.dropped_frames = 0
        self._clock = clock
        self._seen: dict[tuple[str, Optional[str]], float] = {}
        self._on_scan: Optional[ScanCallback] = None
        self._cond = threading.Condition()
        self._frame: Any = None
        self._busy = False
        self._running = False
        self._thread: Optional[threading.Thread] = None

    def process(self, frame: Any) -> list[ScanEvent]:
        """Decode one frame now; returns (and delivers) only codes not seen just before."""
        events = self._fresh(decode_image(frame, self.source))
        deliver(self._on_scan, events)
        return events

    def _fresh(self, events: list[ScanEvent]) -> list[ScanEvent]:
        now = self._clock()
        with self._cond:
            for key, seen in list(self._seen.items()):
                if now - seen > self.dedupe_s:
                    del self._seen[key]
            fresh = []
            for event in events:
                key = (event.data, event.aim)
                if key not in self._seen:
                    fresh.append(event)
                self._seen[key] = now  # still in view: extend the quiet period
            return fresh

    # -- background decoding -----------------------------------------------------------

    def start(self, on_scan: ScanCallback) -> None:
        if self._thread is not None:
            raise ScannerError(f"camera scanner {self.source} is already running")
        self._on_scan = on_scan
        self._running = True
        self._thread = threading.Thread(target=self._run, name=f"scanner {self.source}",
                                        daemon=True)
        self._thread.start()

    def submit(self, frame: Any) -> None:
        """Queue ``frame`` for the worker; a frame still waiting is replaced (and counted)."""
        with self._cond:
            if self._frame is not None:
                self.dropped_frames += 1
            self._frame = frame
            self._cond.notify()

    def wait_idle(self, timeout: float) -> bool:
        """Block until every submitted frame is decoded (for tests); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._frame is None and not self._busy, timeout)

    def stop(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._running = False
            self._frame = None
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._on_scan = None

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._frame is not None or not self._running)
                if not self._running:
                    return
                frame, self._frame = self._frame, None
                self._busy = True
            try:
                self.process(frame)
            except ScannerError as exc:
                log.warning("%s: %s", self.source, exc)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
