"""Every text a printed layout passes through the translation function has a Russian
translation in assets/translations/ru.json, with the same placeholders."""
from __future__ import annotations

import ast
import string
from pathlib import Path

from retail.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "hardware" / "receipts").glob("*.py")) + [ROOT / "hardware" / "queue.py"]


def message_ids() -> dict[str, str]:
    found = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found[node.args[0].value] = path.name
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_scan_finds_the_layouts_texts():
    ids = message_ids()
    assert {"SALE RECEIPT", "COPY", "X REPORT", "YOUR BASKET", "PRINTER TEST PAGE"} <= set(ids)


def test_every_layout_text_has_a_russian_translation_with_the_same_placeholders():
    ru = catalogue("ru")
    missing = sorted(f"{where}: {text!r}" for text, where in message_ids().items() if text not in ru)
    assert not missing, "no Russian for:\n" + "\n".join(missing)
    wrong = sorted(text for text in message_ids() if fields(text) != fields(ru[text]))
    assert not wrong, f"placeholders differ in: {wrong}"
