"""SQL only through parameters: no value ever reaches SQL text, checked on the source.

Every ``execute``/``executemany``/``executescript`` call in the product whose SQL is
built (f-string, ``+``, ``.format``, ``.join``) may splice in only: module constants
(``UPPER_CASE`` names: column lists, fixed SQL fragments), ``?`` placeholders
(``",".join("?" * n)``), integers formatted with ``:d``, and the few local names listed
in :data:`ALLOWED`, each with the reason it cannot carry input. Anything else fails
this test with the file and line, so a value cannot slip into SQL text unnoticed.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.security

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("retail", "sync", "central", "pos", "kiosk", "hardware", "ui", "bench")
CONSTANT = re.compile(r"^_?[A-Z][A-Z0-9_]*$")
EXECUTE = {"execute", "executemany", "executescript"}

ALLOWED = {
    ("retail/catalogue.py", "where"): "_one()'s callers pass fixed WHERE clauses; values go in params",
    ("sync/state.py", "assignments"): "built by this module from sync_status column names it names itself",
    ("bench/faults/invariants.py", "where"): "a fixed clause chosen in the function",
    ("bench/faults/invariants.py", "acked"): "a fixed clause chosen in the function",
    ("bench/sync_figures.py", "n"): "table names read from sqlite_master of the bench's own copy",
    ("bench/sync_figures.py", "table"): "table names read from sqlite_master of the bench's own copy",
    ("retail/orders.py", "marks"): "'?' placeholders, one per status",
    ("hardware/queue.py", "marks"): "'?' placeholders, one per status",
    ("hardware/receipts/common.py", "marks"): "'?' placeholders, one per SKU",
    ("bench/faults/suites/crash.py", "marks"): "'?' placeholders, one per sale",
    ("bench/faults/suites/baddata.py", "table"): "one of the four table names _table_of() maps feeds to",
    ("bench/faults/suites/disk.py", "t"): "iterates the fixed TRACE_TABLES tuple",
    ("sync/snapshot.py", "table"): "iterates the fixed TABLES mapping of feeds to table names",
}


def _safe(node: ast.AST, path: str, bound: frozenset[str] = frozenset()) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, int))
    if isinstance(node, ast.Name):
        return bool(CONSTANT.match(node.id)) or node.id in bound or (path, node.id) in ALLOWED
    if isinstance(node, ast.Attribute):
        return bool(CONSTANT.match(node.attr))
    if isinstance(node, ast.JoinedStr):
        return all(_safe(v, path, bound) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        spec = node.format_spec
        if isinstance(spec, ast.JoinedStr) and [getattr(v, "value", None) for v in spec.values] == ["d"]:
            return True   # an integer, formatted as digits
        return _safe(node.value, path, bound)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return isinstance(node.left, ast.Constant) and node.left.value == "?"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _safe(node.left, path, bound) and _safe(node.right, path, bound)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "int":
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join":
        return isinstance(node.func.value, ast.Constant) and all(_safe(a, path, bound) for a in node.args)
    if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        names = set(bound)
        for gen in node.generators:
            if not _safe(gen.iter, path, frozenset(names)):
                return False
            names |= {n.id for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
        return _safe(node.elt, path, frozenset(names))
    if isinstance(node, ast.Subscript):       # a slice of a constant column list
        return _safe(node.value, path, bound)
    if isinstance(node, ast.Tuple):
        return all(_safe(e, path, bound) for e in node.elts)
    return False


def _built(node: ast.AST) -> bool:
    return isinstance(node, (ast.JoinedStr, ast.BinOp)) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"))


def unsafe_sql(root: Path = ROOT) -> list[str]:
    found = []
    for package in PACKAGES:
        for file in sorted((root / package).rglob("*.py")):
            rel = file.relative_to(root).as_posix()
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), rel)):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in EXECUTE and node.args and _built(node.args[0])
                        and not _safe(node.args[0], rel)):
                    found.append(f"{rel}:{node.lineno}: {ast.unparse(node.args[0])[:100]}")
    return found


def test_no_value_is_formatted_into_sql():
    assert unsafe_sql() == []


def test_the_check_catches_a_value_formatted_into_sql(tmp_path):
    (tmp_path / "retail").mkdir()
    (tmp_path / "retail" / "bad.py").write_text(
        "def find(conn, name, n):\n"
        "    conn.execute(f\"SELECT * FROM products WHERE name = '{name}'\")\n"
        "    conn.execute('SELECT * FROM products WHERE sku = ' + name)\n"
        "    conn.execute('SELECT * FROM t WHERE a = {}'.format(name))\n"
        "    conn.execute(f'SELECT * FROM t LIMIT {n:d}')\n"
        "    conn.execute('SELECT * FROM t WHERE a IN (' + ','.join('?' * n) + ')', ())\n", encoding="utf-8")
    found = unsafe_sql(tmp_path)
    assert [f.split(":")[1] for f in found] == ["2", "3", "4"]
