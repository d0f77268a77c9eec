"""Every message id the apps translate has a Russian translation in assets/translations/ru.json.

Ids are collected from the source: in Python, the string literal given to ``tr(...)``,
``_(...)``, ``translate(...)`` and to the exceptions and results whose message is a
translation id (``ServiceError``, ``ScanProblem``, ``EntryError``); in KV, the literal in
``app.tr("...")``; plus the tables of names the screens translate. A missing id is listed
by file so whoever added it can add the Russian.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "assets" / "translations" / "ru.json"
SOURCES = ("pos", "ui", "kiosk", "hardware/receipts")
CALLS = {"tr", "_", "translate", "ServiceError", "ScanProblem", "EntryError"}
KV_TR = re.compile(r"""\btr\(\s*(?P<q>["'])(?P<id>(?:\\.|(?!(?P=q)).)*)(?P=q)""")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def python_ids(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in CALLS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.strip():
                found.add(first.value)
    return found


def kv_ids(path: Path) -> set[str]:
    return {m["id"].encode().decode("unicode_escape") if "\\" in m["id"] else m["id"]
            for m in KV_TR.finditer(path.read_text(encoding="utf-8"))}


def used_ids() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for folder in SOURCES:
        base = ROOT / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            out[str(path.relative_to(ROOT))] = python_ids(path)
        for path in sorted(base.rglob("*.kv")):
            out[str(path.relative_to(ROOT))] = kv_ids(path)
    from pos.screens.base import DATA_IDS
    from pos.screens.popups import ACTION_NAMES
    from ui.technician import STATE_NAMES

    out["name tables"] = set(ACTION_NAMES.values()) | set(STATE_NAMES.values()) | set(DATA_IDS)
    return out


def test_the_catalogue_is_valid_json_with_non_empty_translations():
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    assert all(isinstance(v, str) and v.strip() for v in catalogue.values())


def test_every_translated_id_has_a_russian_translation():
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    missing = {where: sorted(i for i in ids if i not in catalogue) for where, ids in used_ids().items()}
    missing = {where: ids for where, ids in missing.items() if ids}
    report = "\n".join(f"{where}:\n  " + "\n  ".join(repr(i) for i in ids) for where, ids in missing.items())
    assert not missing, f"ids without a Russian translation in {CATALOGUE.relative_to(ROOT)}:\n{report}"


def test_placeholders_match_between_english_and_russian():
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    names = re.compile(r"\{(\w*)[^}]*\}")
    wrong = [k for k, v in catalogue.items() if sorted(names.findall(k)) != sorted(names.findall(v))]
    assert not wrong, f"placeholders differ: {wrong}"


@pytest.mark.parametrize("source, expected", [
    ('self.tr("Pay by card")', {"Pay by card"}),
    ("_('Receipt {number}', lang, number=n)", {"Receipt {number}"}),
    ('raise ServiceError("No printer", x=1)', {"No printer"}),
    ("tr(message)", set()),
])
def test_the_collector_finds_literal_ids(tmp_path, source, expected):
    path = tmp_path / "sample.py"
    path.write_text(source + "\n", encoding="utf-8")
    assert python_ids(path) == expected


def test_the_kv_collector(tmp_path):
    path = tmp_path / "sample.kv"
    path.write_text('Label:\n    text: app.tr("Sign in", app.lang) + app.tr(\'Shift {number}\', app.lang, number=1)\n',
                    encoding="utf-8")
    assert kv_ids(path) == {"Sign in", "Shift {number}"}
