"""Receipt printing over python-escpos: printer specs and configuration, a document model,
rendering with the known ESC/POS traps worked around, and honest status checks.

    config = PrinterConfig("network:192.168.1.50:9100", width_mm=80, codepage_slot=17)
    receipt = Document().add(Text("Итого", bold=True), Columns("Молоко", "89,90 ₽"), Cut())
    print_document(receipt, config)   # PrintResult, or PrinterOffline / PaperOut / CoverOpen
"""
from .backends import open_printer
from .config import PrinterConfig, PrinterSpec
from .drawer import open_drawer
from .document import (QR, Barcode, Columns, Cut, Document, DrawerKick, Feed, Image, Line,
                       Separator, Text)
from .errors import (CoverOpen, DocumentError, PaperOut, PrinterConfigError, PrinterError,
                     PrinterOffline, PrinterSpecError)
from .render import render
from .service import PrintResult, print_document
from .status import PrinterStatus, query_status

__all__ = [
    "PrinterSpec", "PrinterConfig", "open_printer", "Document", "Text", "Separator", "Line",
    "Columns", "QR", "Barcode", "Image", "Feed", "Cut", "DrawerKick", "render",
    "print_document", "PrintResult", "open_drawer", "query_status", "PrinterStatus", "PrinterError",
    "PrinterSpecError", "PrinterConfigError", "DocumentError", "PrinterOffline", "PaperOut",
    "CoverOpen",
]
