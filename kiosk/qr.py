"""QR codes on the kiosk's screen: the ``qrcode`` package's matrix as a Kivy texture.

The matrix is drawn one texel per module with nearest-neighbour magnification, so the
code stays sharp at any size a screen gives it and a phone camera reads it from a
distance. A quiet zone of four modules is part of the texture (the standard asks for
it, and a kiosk background is not always white).
"""
from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4


class QrError(ValueError):
    """Text that cannot be made into a QR code; the message says why."""


def qr_matrix(text: str, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The modules of ``text``'s QR code (True = dark), quiet zone included."""
    if not isinstance(text, str) or not text:
        raise QrError("a QR code needs some text to carry")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    try:
        code.add_data(text)
        code.make(fit=True)
    except (ValueError, qrcode.exceptions.DataOverflowError) as exc:
        raise QrError(f"{len(text)} characters do not fit in a QR code: {exc}") from None
    return code.get_matrix()


def qr_pixels(text: str, border: int = QUIET_ZONE) -> tuple[bytes, int]:
    """RGBA pixels (black or white), rows top to bottom, and the side length.

    Four bytes a pixel keep every row aligned for OpenGL whatever the side length (a
    one-byte grey texture of an odd width would shear).
    """
    matrix = qr_matrix(text, border)
    side = len(matrix)
    dark, light = b"\x00\x00\x00\xff", b"\xff\xff\xff\xff"
    return b"".join(dark if cell else light for row in matrix for cell in row), side


def qr_texture(text: str, border: int = QUIET_ZONE):
    """A Kivy texture of the QR code (imported lazily: the rest of this module needs no window)."""
    from kivy.graphics.texture import Texture

    pixels, side = qr_pixels(text, border)
    texture = Texture.create(size=(side, side), colorfmt="rgba")
    texture.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
    texture.flip_vertical()  # Kivy's textures start at the bottom row
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    return texture
