"""ERP import: every row checked, rejects reported by line with a reason, good rows applied."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, strategies as st

import central_support as support
from central.erp_import import ImportFileError, import_file, to_money, to_time
from central.errors import Invalid
from central.storage import catalogue, connect, stock


@pytest.fixture
def conn(tmp_path):
    path = tmp_path / "central.db"
    support.build_chain(path)
    c = connect(path)
    yield c
    c.close()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_products_csv_with_broken_rows(conn, tmp_path):
    good = support.ean("3001")
    bad_check = good[:-1] + str((int(good[-1]) + 1) % 10)
    path = write(tmp_path, "products.csv", "\n".join([
        "sku;name_ru;name_en;category_id;brand_id;unit;vat_rate_bp;barcodes;attributes",
        f"3001;Чайник;Kettle;20;B2;pcs;2000;{good};\"{{\"\"color\"\": \"\"red\"\"}}\"",
        f"3002;Чашка;Cup;20;B2;pcs;20%;;",
        f"3003;Блюдце;Saucer;20;B2;pcs;2000;{bad_check};",
        "3004;Тарелка;Plate;99;B2;pcs;2000;;",
        "3005;Ложка;Spoon;20;B2;box;2000;;",
        "3006;;Fork;20;B2;pcs;2000;;",
        f"3007;Нож;Knife;20;B9;pcs;2000;{good};",
        "3001;Чайник снова;Kettle again;20;B2;pcs;2000;;",
        "3008;Вилка;Fork;20;B2;kg;1000;;",
        "3009;short row",
    ]) + "\n")
    report = import_file(conn, "products", path, now=support.NOW)
    reasons = {r.line: r.reason for r in report.rejects}
    assert report.applied == 2 and report.rows == 10
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9, 11}
    assert "vat_rate_bp must be a whole number" in reasons[3]
    assert "fails its check digit" in reasons[4]
    assert "unknown category '99'" in reasons[5]
    assert "unit must be 'pcs' or 'kg'" in reasons[6]
    assert "name_ru is missing" in reasons[7]
    assert "barcode" in reasons[8] and "line 2" in reasons[8]
    assert "already on line 2" in reasons[9]
    assert "cells" in reasons[11]
    rows = catalogue.products(conn, ["3001", "3008"])
    assert json.loads(rows["3001"]["attributes"]) == {"color": "red"} and rows["3008"]["unit"] == "kg"
    assert catalogue.sku_for_barcode(conn, good) == "3001"


def test_prices_ndjson_money_dates_and_stores(conn, tmp_path):
    lines = [
        {"store": "MSK1", "sku": "1001", "price": 10990},
        {"store": "MSK1", "sku": "1002", "price": "149.90", "valid_from": "2026-12-01"},
        {"store": "MSK1", "sku": "1003", "price": 45.5},
        {"store": "MSK1", "sku": "1004", "price": "12,3"},
        {"store": "ZZZ1", "sku": "1001", "price": 100},
        {"sku": "1005", "price": "25,00", "kind": "label", "valid_from": 1, "valid_to": "2026-12-31T00:00:00+03:00"},
        {"store": "MSK1", "sku": "0000", "price": 100},
        {"store": "MSK1", "sku": "1001", "price": -5},
    ]
    text = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{broken json\n\n[1, 2]\n"
    path = write(tmp_path, "prices.ndjson", text)
    report = import_file(conn, "prices", path, store="SPB1", now=support.NOW)
    reasons = {r.line: r.reason for r in report.rejects}
    assert report.applied == 3
    assert set(reasons) == {3, 4, 5, 7, 8, 9, 11}
    assert "fraction" in reasons[3] and "not money" in reasons[4] and "unknown store 'ZZZ1'" in reasons[5]
    assert "unknown SKU '0000'" in reasons[7] and "negative" in reasons[8]
    assert "not valid JSON" in reasons[9] and "JSON object" in reasons[11]
    december = int(datetime(2026, 12, 1, tzinfo=timezone.utc).timestamp())
    assert catalogue.price_book(conn, "MSK1", ["1001", "1002"], december) == {
        "1001": {"regular": 10990}, "1002": {"regular": 14990, "label": 12000}}
    assert catalogue.price_book(conn, "SPB1", ["1005"], 2) == {"1005": {"regular": 2500, "label": 2500}}


def test_stock_import_sets_levels_and_deletes(conn, tmp_path):
    path = write(tmp_path, "stock.csv", "store,sku,on_hand_milli,safety_milli,op\n"
                                        "MSK2,1001,42000,2000,\nMSK2,1002,,,\nMSK2,1003,,,delete\n"
                                        "MSK2,1004,5,-1,\n")
    report = import_file(conn, "stock", path, now=support.NOW)
    assert (report.applied, report.deleted) == (1, 1)
    assert [(r.line, "on_hand_milli is missing" in r.reason or "at least 0" in r.reason)
            for r in report.rejects] == [(3, True), (5, True)]
    assert stock.level(conn, "MSK2", "1001")["on_hand_milli"] == 42000
    assert stock.level(conn, "MSK2", "1003") is None


def test_whole_file_problems_are_refused_clearly(conn, tmp_path):
    with pytest.raises(ImportFileError, match="no column price"):
        import_file(conn, "prices", write(tmp_path, "p.csv", "sku,cost\n1001,5\n"), store="MSK1", now=support.NOW)
    with pytest.raises(ImportFileError, match="file not found"):
        import_file(conn, "prices", tmp_path / "missing.csv", now=support.NOW)
    with pytest.raises(ImportFileError, match="--format"):
        import_file(conn, "prices", write(tmp_path, "p.xlsx", "x"), now=support.NOW)
    (tmp_path / "latin.csv").write_bytes("sku,name_ru,vat_rate_bp\n1,\xe9\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match="not UTF-8"):
        import_file(conn, "products", tmp_path / "latin.csv", now=support.NOW)


@given(st.integers(0, 10**11))
def test_money_kopecks_and_rubles_agree(kopecks):
    assert to_money(kopecks) == kopecks
    assert to_money(str(kopecks)) == kopecks
    rub, kop = divmod(kopecks, 100)
    assert to_money(f"{rub}.{kop:02d}") == kopecks
    assert to_money(f"{rub},{kop:02d}") == kopecks


@given(st.one_of(st.floats(allow_nan=True), st.text(max_size=12), st.booleans(), st.none()))
def test_money_parser_never_crashes(value):
    try:
        result = to_money(value)
    except Invalid:
        return
    assert isinstance(result, int) and result >= 0


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)))
def test_iso_times_without_offset_are_utc(moment):
    moment = moment.replace(microsecond=0)
    assert to_time(moment.isoformat(), "t") == int(moment.replace(tzinfo=timezone.utc).timestamp())
    assert to_time(str(int(moment.replace(tzinfo=timezone.utc).timestamp())), "t") == int(
        moment.replace(tzinfo=timezone.utc).timestamp())
