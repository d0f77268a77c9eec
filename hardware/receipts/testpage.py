"""The technician's test page: is this printer set up right for Russian receipts?

It prints the configuration it was printed with, the whole Cyrillic alphabet in lines
that fit 58 mm paper (a wrong code page slot shows at once as wrong letters), the characters CP866 lacks and we
download as glyphs (₽ « » —), a column ruler for the paper width, bold and large text,
an EAN-13 barcode and a QR code (for the scanner too), and ends with a cut. Printed in
raster mode it shows whether the image fallback works on a printer with no Cyrillic.
"""
from __future__ import annotations

from hardware.printing import QR, Barcode, Document, PrinterConfig, Separator, Text
from retail.i18n import translate as _

from .common import check_lang, finish, timestamp

ALPHABET_UPPER = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
ALPHABET_LOWER = ALPHABET_UPPER.lower()
PANGRAM = "Съешь же ещё этих мягких французских булок, да выпей чаю."
SPECIAL = "№ ₽ « » — € ×"
TEST_EAN13 = "4601234567893"


def ruler(columns: int) -> str:
    """``'....:....1....:....2..'`` exactly ``columns`` wide: a tens digit every ten
    columns, ``:`` at the fives, so a technician reads the width off the paper."""
    marks = []
    for n in range(1, columns + 1):
        marks.append(str(n // 10 % 10) if n % 10 == 0 else ":" if n % 5 == 0 else ".")
    return "".join(marks)


def build_test_page(config: PrinterConfig, *, now: int, lang: str = "ru",
              timezone: str = "Europe/Moscow") -> Document:
    """The test page for ``config`` (printed with it)."""
    check_lang(lang)
    if not isinstance(config, PrinterConfig):
        raise TypeError(f"the test page describes a PrinterConfig, not {type(config).__name__}")
    slot = (_("slot {slot}", lang, slot=config.codepage_slot) if config.codepage_slot is not None
            else _("printer default", lang))
    mode = _("raster (text as images)", lang) if config.codepage_mode == "raster" else \
        _("native CP866, {slot}", lang, slot=slot)
    blocks = [
        Text(_("PRINTER TEST PAGE", lang), bold=True, align="center", size="tall"),
        Text("Vitrina", align="center"),
        Text(timestamp(now, timezone, lang), align="center"),
        Separator(),
        Text(_("Printer: {spec}", lang, spec=config.spec)),
        Text(_("Paper: {mm} mm, {columns} columns", lang, mm=config.width_mm,
               columns=config.columns)),
        Text(_("Code page: {mode}", lang, mode=mode)),
        Text(_("Cash drawer: pin {pin}, {ms} ms", lang, pin=config.drawer_pin,
               ms=config.drawer_pulse_ms)),
        Separator(),
        Text(_("Cyrillic:", lang), bold=True),
        Text(ALPHABET_UPPER[:17]),
        Text(ALPHABET_UPPER[17:]),
        Text(ALPHABET_LOWER[:17]),
        Text(ALPHABET_LOWER[17:]),
        Text(PANGRAM),
        Text(SPECIAL),
        Text(_("If the letters above are wrong, change the code page slot (17 Epson, 59 many "
               "clones, 10 Star) or use raster mode.", lang)),
        Separator(),
        Text(ruler(config.columns)),
        Text(_("Bold text", lang), bold=True),
        Text(_("Large text", lang), size="large"),
        Separator(),
        Text(_("Barcode EAN-13:", lang)),
        Barcode("EAN13", TEST_EAN13, height=60),
        Text(_("QR code:", lang)),
        QR(f"VITRINA TEST {config.spec}", size=4),
        Text(_("The paper is cut below this line.", lang), align="center"),
    ]
    return finish(blocks)
