"""Feeding a Kivy camera's frames to the camera scanner (``hardware.scanner.CameraScanner``).

A few times a second the newest frame of the camera texture is copied out
(``texture.pixels``, RGBA, bottom row first as OpenGL keeps it), turned the right way up
and handed to the scanner's worker, which decodes it with zxing-cpp off the main thread
and drops frames it has no time for. A kiosk without a camera device runs the same path
with frames or pictures fed to :meth:`CameraFeed.feed_texture` / :meth:`feed_image`.
"""
from __future__ import annotations

import logging

from kivy.clock import Clock
from PIL import Image

from hardware.scanner import ScannerError, frame_from_bytes

log = logging.getLogger(__name__)
FRAMES_PER_SECOND = 4


class CameraFeed:
    """Copies frames from a texture (a Kivy ``Camera``'s) to a ``CameraScanner``."""

    def __init__(self, scanner, fps: float = FRAMES_PER_SECOND) -> None:
        if not fps > 0:
            raise ValueError(f"frames per second must be positive, got {fps!r}")
        self.scanner = scanner
        self.interval = 1.0 / fps
        self.frames = 0
        self._event = None
        self._camera = None

    def attach(self, camera) -> None:
        """Start sampling ``camera.texture`` (call on the main thread)."""
        self.detach()
        self._camera = camera
        self._event = Clock.schedule_interval(self._tick, self.interval)

    def detach(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        self._camera = None

    def _tick(self, _dt) -> None:
        texture = getattr(self._camera, "texture", None)
        if texture is not None:
            self.feed_texture(texture)

    def feed_texture(self, texture) -> bool:
        """Hand one texture's current picture to the scanner; False if it is not a usable frame."""
        width, height = texture.size
        try:
            frame = frame_from_bytes(texture.pixels, width, height, "RGBA")
        except ScannerError as exc:
            log.warning("camera frame skipped: %s", exc)
            return False
        self.feed_image(frame.transpose(Image.Transpose.FLIP_TOP_BOTTOM))
        return True

    def feed_image(self, image) -> None:
        """Hand a picture (PIL image or pixel array) to the scanner's decoding worker."""
        self.frames += 1
        self.scanner.submit(image)
