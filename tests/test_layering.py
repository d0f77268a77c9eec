"""Dependencies point one way: nothing in retail/ may import a UI, HTTP or device library."""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "retail": {"kivy", "kivymd", "requests", "httpx", "escpos", "serial", "usb", "fastapi", "uvicorn",
               "sync", "central", "hardware", "kiosk", "pos"},
    "sync": {"kivy", "escpos", "serial", "hardware", "kiosk", "pos", "central"},
    "central": {"kivy", "escpos", "serial", "hardware", "kiosk", "pos", "sync"},
    "hardware": {"kivy", "kiosk", "pos", "central", "sync"},
}


def imported_roots(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def python_files(package: str):
    return sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else []


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_stay_in_their_lane(package):
    offenders = []
    for path in python_files(package):
        bad = imported_roots(path) & FORBIDDEN[package]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)


def test_the_check_catches_a_forbidden_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import kivy.app\nfrom requests import get\n", encoding="utf-8")
    assert {"kivy", "requests"} <= imported_roots(sample)


def test_retail_has_code_to_check():
    assert len(python_files("retail")) >= 5
