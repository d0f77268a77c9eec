"""Importing products, prices and stock from an ERP export (CSV or NDJSON).

Every row is checked - types, money, dates, known references (category, brand, SKU,
store), GTIN check digits, duplicates within the file - and a bad row is reported with
its line number and the reason, while the good rows are applied together in one
transaction. Nothing is half-imported: either all the good rows are in, or (on a
database error) none.

Formats: ``.csv`` (UTF-8, a header row, comma or semicolon separated - sniffed) and
``.ndjson``/``.jsonl`` (one JSON object per line); ``--format`` overrides the extension.

Values (CSV cells are text; NDJSON may give text or numbers):

- money (``price``): integer kopecks (``12345``) or rubles with two decimals as text
  (``"123.45"`` or ``"123,45"``); a JSON float is refused (it may already be rounded);
- quantities (``on_hand_milli``, ``safety_milli``): integer thousandths;
- times (``valid_from``, ``valid_to``): unix seconds, or ISO 8601 (``2026-03-01``,
  ``2026-03-01T09:00:00+03:00``; no offset means UTC);
- lists in CSV (``barcodes``, ``related``): separated by ``|``; ``attributes``: a JSON object;
- ``op``: ``upsert`` (default) or ``delete``.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from retail.money import MoneyError, parse_money

from . import records
from .errors import Invalid
from .storage import catalogue, chain, stock, transaction

FEEDS = ("products", "prices", "stock")
FORMATS = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "ndjson"}
REQUIRED = {
    "products": ("sku", "name_ru", "vat_rate_bp"),
    "prices": ("sku", "price"),
    "stock": ("sku", "on_hand_milli"),
}
_INT_FIELDS = {"vat_rate_bp", "plu", "sort", "on_hand_milli", "safety_milli"}
_RUBLES = re.compile(r"^-?\d[\d\s\u00a0]*[.,]\d{2}$")


class ImportFileError(Invalid):
    """The file as a whole cannot be imported (missing, wrong format, no required columns)."""


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class Report:
    feed: str
    rows: int = 0
    applied: int = 0
    deleted: int = 0
    rejects: list[Reject] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.feed}: {self.rows} rows, {self.applied} applied, {self.deleted} deleted, "
                f"{len(self.rejects)} rejected")


# ---------------------------------------------------------------- values

def to_int(value, name: str) -> int | None:
    """An integer from a JSON number or a text of digits; None for empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Invalid(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise Invalid(f"{name} must be a whole number, got {value!r}")


def to_money(value, name: str = "price") -> int:
    """Kopecks from an integer (kopecks) or a rubles text with two decimals."""
    if isinstance(value, bool) or value is None or value == "":
        raise Invalid(f"{name} is missing")
    if isinstance(value, float):
        raise Invalid(f"{name} {value!r} is a fraction: write integer kopecks (12345) or rubles as text \"123.45\"")
    if isinstance(value, int):
        kopecks = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        kopecks = int(value)
    elif isinstance(value, str) and _RUBLES.match(value.strip()):
        try:
            kopecks = parse_money(value.strip())
        except MoneyError as exc:
            raise Invalid(f"{name}: {exc}") from None
    else:
        raise Invalid(f"{name} {value!r} is not money: write integer kopecks (12345) or rubles with two "
                      "decimals (123.45)")
    if kopecks < 0:
        raise Invalid(f"{name} must not be negative")
    return kopecks


def to_time(value, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            as_int = to_int(value, name)
        except Invalid:
            as_int = None
        if as_int is not None:
            return as_int
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return int(moment.timestamp())
    raise Invalid(f"{name} {value!r} is not a time: write unix seconds or an ISO date like 2026-03-01")


def to_flag(value, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "да"):
        return True
    if text in ("0", "false", "no", "n", "нет"):
        return False
    raise Invalid(f"{name} must be true or false, got {value!r}")


def to_list(value, name: str) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip() for part in value.split("|") if part.strip()]
    raise Invalid(f"{name} must be a list (in CSV: values separated by |)")


def _op(raw: dict) -> str:
    op = str(raw.get("op") or "upsert").strip().lower()
    if op not in ("upsert", "delete"):
        raise Invalid(f"op must be 'upsert' or 'delete', got {raw.get('op')!r}")
    return op


# ---------------------------------------------------------------- reading files

def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in ("csv", "ndjson"):
            raise ImportFileError(f"unknown format {fmt!r}: use csv or ndjson")
        return fmt
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise ImportFileError(f"cannot tell the format of {path.name} from its extension; add --format csv|ndjson")
    return found


def read_rows(path: Path, fmt: str, required: tuple[str, ...] = ()) -> Iterator[tuple[int, dict | Reject]]:
    """(line number, row or Reject) for every data line of the file.

    A CSV file whose header lacks a ``required`` column is refused as a whole.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFileError(f"file not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path.name} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                              "export it as UTF-8") from None
    if fmt == "ndjson":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, Reject(number, f"not valid JSON: {exc.msg} at column {exc.colno}")
                continue
            yield number, row if isinstance(row, dict) else Reject(number, "each line must be a JSON object")
        return
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = None
    for cells in reader:
        number = reader.line_num
        if header is None:
            header = [c.strip().lower() for c in cells]
            missing = [c for c in required if c not in header]
            if missing:
                raise ImportFileError(f"{path.name} has no column {', '.join(missing)} in its header; "
                                      f"the columns needed are {', '.join(required)}")
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield number, Reject(number, f"has {len(cells)} cells, the header has {len(header)}")
            continue
        yield number, {k: v.strip() for k, v in zip(header, cells)}


# ---------------------------------------------------------------- row conversion

def product_row(raw: dict) -> tuple[tuple, list[str]]:
    row = dict(raw)
    for name in ("vat_rate_bp", "plu"):
        row[name] = to_int(raw.get(name), name)
    row["active"] = to_flag(raw.get("active"), "active")
    row["barcodes"] = [str(b) for b in to_list(raw.get("barcodes"), "barcodes")]
    row["related"] = to_list(raw.get("related"), "related")
    attributes = raw.get("attributes")
    if isinstance(attributes, str) and attributes.strip():
        try:
            row["attributes"] = json.loads(attributes)
        except json.JSONDecodeError:
            raise Invalid("attributes must be a JSON object") from None
    elif attributes == "":
        row["attributes"] = {}
    for name in ("sku", "category_id", "brand_id"):
        if isinstance(raw.get(name), int) and not isinstance(raw.get(name), bool):
            row[name] = str(raw[name])
    return records.product(row)


def price_row(raw: dict) -> tuple:
    row = {"sku": str(raw.get("sku") or ""), "kind": (raw.get("kind") or "regular"),
           "valid_from": to_time(raw.get("valid_from"), "valid_from") or 0,
           "valid_to": to_time(raw.get("valid_to"), "valid_to"), "price": to_money(raw.get("price"))}
    return records.price(row)


def stock_row(raw: dict) -> tuple:
    row = {"sku": str(raw.get("sku") or ""), "on_hand_milli": to_int(raw.get("on_hand_milli"), "on_hand_milli"),
           "safety_milli": to_int(raw.get("safety_milli"), "safety_milli")}
    return records.stock(row)


def _store(raw: dict, default: str | None, stores: set[str]) -> str:
    store = raw.get("store") or raw.get("store_id") or raw.get("location_id") or default
    if not store:
        raise Invalid("store is missing: add a store column or pass --store")
    store = str(store).strip().upper()
    if store not in stores:
        raise Invalid(f"unknown store {store!r}")
    return store


# ---------------------------------------------------------------- the import

def import_file(conn: sqlite3.Connection, feed: str, path: str | Path, *, fmt: str | None = None,
                store: str | None = None, now: int) -> Report:
    """Check every row of ``path`` and apply the good ones in one transaction."""
    if feed not in FEEDS:
        raise ImportFileError(f"cannot import {feed!r}: choose one of {', '.join(FEEDS)}")
    path = Path(path)
    fmt = detect_format(path, fmt)
    report = Report(feed)
    parsed: list[tuple[int, str, object, str | None]] = []  # (line, op, record, store)
    stores = {r["id"] for r in chain.locations(conn)}
    if store is not None and store.upper() not in stores:
        raise ImportFileError(f"unknown store {store!r}; known: {', '.join(sorted(stores))}")
    seen: dict[tuple, int] = {}
    barcodes_seen: dict[str, int] = {}
    for number, row in read_rows(path, fmt, REQUIRED[feed]):
        report.rows += 1
        if isinstance(row, Reject):
            report.rejects.append(row)
            continue
        try:
            op = _op(row)
            where = None
            if feed == "products":
                record = product_row(row) if op == "upsert" else records.ident(row, "sku", "product")
                key = ("product", record[0][0] if op == "upsert" else record)
            elif feed == "prices":
                where = _store(row, store, stores)
                if op == "delete":
                    record = (str(row.get("sku") or ""), row.get("kind") or "regular",
                              to_time(row.get("valid_from"), "valid_from") or 0)
                else:
                    record = price_row(row)
                key = ("price", where, record[0], record[1], record[2])
            else:
                where = _store(row, store, stores)
                record = stock_row(row) if op == "upsert" else records.ident(row, "sku", "stock")
                key = ("stock", where, record[0] if op == "upsert" else record)
            if key in seen:
                raise Invalid(f"the same {key[0]} is already on line {seen[key]}")
            if feed == "products" and op == "upsert":
                for code in record[1]:
                    if code in barcodes_seen:
                        raise Invalid(f"barcode {code} is already given to another product on line "
                                      f"{barcodes_seen[code]}")
                for code in record[1]:
                    barcodes_seen[code] = number
            seen[key] = number
            parsed.append((number, op, record, where))
        except Invalid as exc:
            report.rejects.append(Reject(number, str(exc)))
    good = _check_references(conn, feed, parsed, report)
    with transaction(conn):
        _apply(conn, feed, good, report, now)
    report.rejects.sort(key=lambda r: r.line)
    return report


def _check_references(conn, feed: str, parsed: list, report: Report) -> list:
    if feed == "products":
        ups = [rec for _, op, rec, _ in parsed if op == "upsert"]
        cats = catalogue.known_ids(conn, "categories", {r[0][5] for r in ups if r[0][5]})
        brands = catalogue.known_ids(conn, "brands", {r[0][6] for r in ups if r[0][6]})
        good = []
        for number, op, rec, where in parsed:
            if op == "upsert" and rec[0][5] and rec[0][5] not in cats:
                report.rejects.append(Reject(number, f"unknown category {rec[0][5]!r}"))
            elif op == "upsert" and rec[0][6] and rec[0][6] not in brands:
                report.rejects.append(Reject(number, f"unknown brand {rec[0][6]!r}"))
            else:
                good.append((number, op, rec, where))
        return good
    skus = catalogue.known_skus(conn, {rec[0] if isinstance(rec, tuple) else rec for _, _, rec, _ in parsed})
    good = []
    for number, op, rec, where in parsed:
        sku = rec[0] if isinstance(rec, tuple) else rec
        if sku not in skus:
            report.rejects.append(Reject(number, f"unknown SKU {sku!r}: import the product first"))
        else:
            good.append((number, op, rec, where))
    return good


def _apply(conn, feed: str, good: list, report: Report, now: int) -> None:
    if feed == "products":
        upserts = [rec for _, op, rec, _ in good if op == "upsert"]
        catalogue.upsert_products(conn, upserts)
        report.applied += len(upserts)
        for _, op, rec, _ in good:
            if op == "delete":
                report.deleted += catalogue.delete_product(conn, rec, now)
        return
    by_store: dict[str, list] = {}
    for _, op, rec, where in good:
        if op == "upsert":
            by_store.setdefault(where, []).append(rec)
        elif feed == "prices":
            report.deleted += catalogue.delete_price(conn, where, rec[0], rec[1], rec[2], now)
        else:
            report.deleted += stock.delete_level(conn, where, rec, now)
    for where, rows in by_store.items():
        if feed == "prices":
            catalogue.upsert_prices(conn, where, rows)
        else:
            stock.set_levels(conn, where, rows)
        report.applied += len(rows)
