"""Bad-data suite: corrupt feed pages, broken ERP files, scanner noise, nonsense printer replies.

Each case draws from ``ctx.rng`` one kind of garbage and checks the layer that takes it:

- ``feed``: a valid page of new rows of one feed (catalogue, prices, inventory,
  network stock, customers, promotions, staff, stores, orders) applied to a till store loaded from the demo chain, with some rows
  corrupted (wrong types, negative, absurd and huge numbers, unknown references, lone
  surrogates, NUL, megabyte fields, missing or extra keys, wrong ops) and sometimes the
  envelope (rows not a list, a cursor that is not the one asked from, a next_cursor that
  does not move or goes back, a page of another feed, absurd versions, a key twice). :func:`retail.feeds.apply.apply_page` must return a result
  or raise ``PageRejected``; nothing else. A rejected page leaves the store and the
  checkpoint exactly as they were; an applied one applied the rows that were good,
  quarantined each bad one with a reason, and left every older row as it was.
- ``wire``: a page's bytes cut short, bit-flipped or not JSON at all reach the agent's
  client decoder, or a loopback HTTP server answers the client's real request with a cut
  or garbage gzip body (Content-Encoding: gzip), a Content-Length that lies, bytes that
  are not UTF-8, odd statuses with junk Retry-After, nonsense Date headers: a
  ``SyncError`` saying so, never another exception.
- ``erp``: a CSV or NDJSON price/product file with broken lines imported into central:
  each bad line rejected with its line number and a reason, the good ones in, nothing
  half-written.
- ``scanner``: random bytes through the serial framing (any suffix), the keyboard wedge
  (any suffix, layout and key timing) and the scan classifier: events or nothing, never an
  exception other than ``ScannerError``; what is not a code is ``Unrecognised`` with a reason.
- ``printer``: random DLE EOT reply bytes, given to the interpreter or answered on the wire
  by the printer emulator to :func:`hardware.printing.status.query_status`: the status is
  never "online" for a reply that is not a valid ESC/POS status byte, and nothing raises.
"""
from __future__ import annotations

import copy
import gzip
import hashlib
import json
import shutil
import sqlite3

from bench.faults.core import Context, Report, Suite
from retail.codes.gtin import make_ean13
from retail.demo import DemoChain
from retail.demo.load import load_store
from retail.store import connect

KINDS = ("feed", "wire", "erp", "scanner", "printer")
NOW = 1_795_000_000
# A real scrypt hash with tiny parameters (rows must parse; no PIN signs in with it).
PIN_HASH = "scrypt$16$1$1$" + "00" * 16 + "$" + hashlib.scrypt(b"0000", salt=bytes(16), n=16, r=1, p=1, dklen=32).hex()
JUNK = [None, True, -1, 0, 2**63, -(2**63), 10**30, 1.5, float("nan"), "", "x", "\ud800", "a\x00b",
        "ё" * 300_000, [], [1, 2], {}, {"a": 1}, "1; DROP TABLE products", "-5", "1e9", "٣"]


# ---------------------------------------------------------------- feed pages

def _valid_rows(feed: str, rng, base: int, skus: list[str], locations: tuple[str, ...] = ("MSK1",)) -> list[dict]:
    n = rng.randint(10, 40)
    rows = []
    for i in range(n):
        sku = str(base + i)
        if feed == "catalogue":
            rows.append({"op": "upsert", "key": f"product:{sku}", "data": {
                "type": "product", "sku": sku, "name_ru": f"Товар {sku}", "name_en": f"Item {sku}",
                "description_ru": "", "description_en": "", "category_id": None, "brand_id": None, "unit": "pcs",
                "vat_rate_bp": 2000, "plu": None, "image": "", "attributes": {}, "related": [], "active": True,
                "location": "", "barcodes": [make_ean13("462" + sku.zfill(9))]}})
        elif feed == "prices":
            target = rng.choice(skus)
            rows.append({"op": "upsert", "key": f"price:{target}:regular:{base + i}", "data": {
                "sku": target, "kind": "regular", "valid_from": base + i, "valid_to": None,
                "price": rng.randint(100, 10**6)}})
        elif feed == "inventory":
            target = skus[i % len(skus)]
            rows.append({"op": "upsert", "key": f"stock:{target}", "data": {
                "type": "stock", "sku": target, "on_hand_milli": rng.randint(0, 10**6), "safety_milli": 0}})
        elif feed == "network":
            target, where = skus[i % len(skus)], rng.choice(locations)
            rows.append({"op": "upsert", "key": f"net:{target}:{where}", "data": {
                "type": "network", "sku": target, "location_id": where,
                "available_milli": rng.randint(0, 10**6)}})
        elif feed == "promotions":
            pid = f"bad-{base + i}"
            rows.append({"op": "upsert", "key": f"promo:{pid}", "data": {
                "id": pid, "kind": "percent_off", "name_ru": "Скидка", "name_en": "Discount",
                "params": {"target": {"skus": [rng.choice(skus)]}, "percent_bp": rng.randint(1, 5000)},
                "priority": 10, "exclusive": False, "stackable": False, "valid_from": None, "valid_to": None,
                "coupon_code": None, "tier": None, "customer_id": None}})
        elif feed == "staff":
            rows.append({"op": "upsert", "key": f"staff:bad-{base + i}", "data": {
                "id": f"bad-{base + i}", "name": "Мария", "role": rng.choice(("cashier", "manager")),
                "pin_hash": PIN_HASH, "active": True}})
        elif feed == "stores":
            sid = f"S{base + i}"
            rows.append({"op": "upsert", "key": f"store:{sid}", "data": {
                "id": sid, "name_ru": f"Магазин {sid}", "name_en": f"Store {sid}", "kind": "store",
                "city_ru": "Москва", "city_en": "Moscow", "address": "", "timezone": "Europe/Moscow",
                "pickup": True, "delivery_days": 1}})
        elif feed == "orders":
            oid, target, total = f"bad-{base + i}", rng.choice(skus), rng.randint(100, 10**6)
            rows.append({"op": "upsert", "key": f"order:{oid}", "data": {
                "id": oid, "number": f"W-{base + i}", "channel": "web", "fulfilment": "pickup", "status": "placed",
                "pickup_store_id": "MSK1", "source_id": "MSK1", "customer_id": None,
                "contact": {"name": "Анна", "phone": "+79161234567"}, "total": total, "paid": 0,
                "pickup_code_hash": "", "created_at": NOW, "updated_at": NOW, "ready_at": None, "expires_at": None,
                "lines": [{"line_no": 1, "sku": target, "name": f"Товар {target}", "qty_milli": 1000,
                           "unit_price": total, "amount": total, "vat_rate_bp": 2000, "returned_milli": 0}]}})
        else:
            cid = f"bad-{base + i}"
            rows.append({"op": "upsert", "key": f"customer:{cid}", "data": {
                "id": cid, "first_name": "Анна", "last_name": "С.", "tier": "base", "balance": rng.randint(0, 999),
                "phone_last4": "4567", "cards": [{"number": make_ean13("29" + str(base + i).zfill(10)),
                                                  "blocked": False}]}})
    return rows


def _corrupt_row(row: dict, rng) -> str:
    """Damage one row in place; returns what was done."""
    data = row.get("data")
    how = rng.choice(("field", "field", "field", "drop", "extra", "op", "key", "data", "unknown_ref"))
    if how == "field" and isinstance(data, dict) and data:
        field = rng.choice(sorted(data))
        data[field] = copy.deepcopy(rng.choice(JUNK))
        return f"{field}={str(data[field])[:20]!r}"
    if how == "drop" and isinstance(data, dict) and data:
        field = rng.choice(sorted(data))
        del data[field]
        return f"no {field}"
    if how == "extra" and isinstance(data, dict):
        data["ё" * rng.randint(1, 5)] = rng.choice(JUNK[:8])
        return "extra key"
    if how == "op":
        row["op"] = rng.choice(["", "UPSERT", "drop", None, 1])
        return f"op={row['op']!r}"
    if how == "key":
        row["key"] = rng.choice([None, 1, "", "x" * 5000, "product:"])
        return "key"
    if how == "unknown_ref" and isinstance(data, dict) and "sku" in data:
        data["sku"] = "NO-SUCH-" + str(rng.randrange(10**6))
        return "unknown sku"
    if how == "unknown_ref" and isinstance(data, dict) and isinstance(data.get("lines"), list):
        data["lines"][0]["sku"] = "NO-SUCH-" + str(rng.randrange(10**6))    # a line for no product
        return "line for unknown sku"
    if how == "unknown_ref" and isinstance(data, dict) and isinstance(data.get("params"), dict):
        data["params"]["target"] = rng.choice([{"skus": ["NO-SUCH"]}, {"skus": "x"}, None, {"category": 10**30}])
        return "promotion target"
    row["data"] = rng.choice(JUNK[:10])
    return "data"


def _table_of(feed: str) -> str:
    return {"catalogue": "products", "prices": "prices", "inventory": "stock", "customers": "customers",
            "network": "network_stock", "promotions": "promotions", "staff": "staff", "stores": "stores",
            "orders": "orders"}[feed]


# Feeds whose generated rows all carry new keys: every row there before must stay as it was.
NEW_KEY_FEEDS = ("catalogue", "customers", "promotions", "staff", "stores", "orders")
FEED_NAMES = ("catalogue", "prices", "inventory", "network", "customers", "promotions", "staff", "stores", "orders")


def _dump(conn, table: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2')]


def _case_feed(conn, ctx: Context, report: Report, n: int, skus: list[str]) -> None:
    from retail.feeds.apply import PageRejected, apply_page

    rng = ctx.rng
    kind = rng.choice(FEED_NAMES)
    feed = "inventory" if kind == "network" else kind     # network stock rides the inventory feed
    table = _table_of(kind)
    state = conn.execute("SELECT cursor, version FROM feed_state WHERE feed = ?", (feed,)).fetchone()
    cursor = state[0] if state else ""
    locations = tuple(r[0] for r in conn.execute("SELECT id FROM stores ORDER BY id"))
    rows = _valid_rows(kind, rng, 10_000_000 + n * 100, skus, locations)
    damaged = set()
    for i in rng.sample(range(len(rows)), rng.randint(1, max(1, len(rows) // rng.choice((1, 2, 4, 8))))):
        _corrupt_row(rows[i], rng)
        damaged.add(i)
    if rng.random() < 0.1:     # the same key twice in one page, the second one different
        twin = copy.deepcopy(rng.choice(rows))
        if isinstance(twin.get("data"), dict):
            twin["data"][rng.choice(sorted(twin["data"]) or ["x"])] = rng.choice(JUNK[:10])
        rows.append(twin)
    page = {"feed": feed, "store": "MSK1", "version": (state[1] if state else 0) + 1, "cursor": cursor,
            "next_cursor": f"c{n}", "more": False, "included": {"P1": 0}, "server_time": NOW, "rows": rows}
    if rng.random() < 0.2:
        what = rng.choice(("rows", "cursor", "back", "stuck", "version", "included", "next", "feed"))
        if what == "rows":
            page["rows"] = rng.choice(JUNK[:12])
        elif what == "cursor":
            page["cursor"] = cursor + "x"
        elif what == "back":      # central answers from an older cursor than the one asked from
            page["cursor"] = rng.choice(["", "c0", cursor[:-1]])
            if page["cursor"] == cursor:
                page["cursor"] = cursor + "-old"
        elif what == "feed":
            page["feed"] = rng.choice([f for f in FEED_NAMES if f not in (feed, "network")])
        elif what == "stuck":
            page["more"], page["next_cursor"] = True, cursor
        elif what == "version":
            page["version"] = rng.choice(JUNK[:10])
        elif what == "included":
            page["included"] = rng.choice(JUNK[:12])
        else:
            page["next_cursor"] = rng.choice([None, 5, "x" * 10_000])
    before = _dump(conn, table)
    where = f"feed case {n} ({kind}, seed {ctx.seed})"
    try:
        result = apply_page(conn, feed, page, terminal_id="P1", now=NOW + n, sent_cursor=cursor)
    except PageRejected:
        if _dump(conn, table) != before:
            report.found(f"{where}: a rejected page changed {table}")
        after = conn.execute("SELECT cursor FROM feed_state WHERE feed = ?", (feed,)).fetchone()
        if (after[0] if after else "") != cursor:
            report.found(f"{where}: a rejected page moved the checkpoint")
        report.tried(f"feed:{kind}:rejected")
        return
    except Exception as exc:
        report.found(f"{where}: {type(exc).__name__} escaped apply_page: {str(exc)[:200]}")
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return
    new_q = conn.execute("SELECT COUNT(*) FROM quarantine WHERE feed = ? AND at = ?", (feed, NOW + n)).fetchone()[0]
    if result.quarantined and new_q <= 0:
        report.found(f"{where}: {result.quarantined} rows said quarantined, none stored")
    if conn.execute("SELECT COUNT(*) FROM quarantine WHERE reason = ''").fetchone()[0]:
        report.found(f"{where}: a quarantined row has no reason")
    if result.applied + result.quarantined + result.deleted < len(rows):
        report.found(f"{where}: {len(rows)} rows, {result.applied} applied, {result.quarantined} quarantined")
    if kind in NEW_KEY_FEEDS:   # new keys only: every older row must be as it was
        old = set(before)
        if not old <= set(_dump(conn, table)):
            report.found(f"{where}: an applied page of new rows changed older {table} rows")
    report.tried(f"feed:{kind}:applied")


# ---------------------------------------------------------------- the wire

def _case_wire(ctx: Context, report: Report, n: int) -> None:
    from sync.client import CentralClient, RawAnswer
    from sync.errors import SyncError

    rng = ctx.rng
    body = json.dumps({"feed": "prices", "rows": [{"op": "upsert", "key": f"k{i}", "data": {"price": i}}
                                                 for i in range(rng.randint(1, 50))]}).encode()
    how = rng.choice(("cut", "flip", "gzip", "binary", "empty"))
    if how == "cut":
        body = body[:rng.randrange(len(body))]
    elif how == "flip":
        body = bytearray(body)
        for _ in range(rng.randint(1, 5)):
            body[rng.randrange(len(body))] ^= 1 << rng.randrange(8)
        body = bytes(body)
    elif how == "gzip":   # a gzip stream the HTTP layer did not inflate (or inflated half of)
        packed = gzip.compress(body)
        body = packed[:rng.randrange(1, len(packed))]
    elif how == "binary":
        body = rng.randbytes(rng.randint(1, 500))
    else:
        body = b""
    client = CentralClient("http://127.0.0.1:9", "MSK1", "P1", "token")
    try:
        page = client.decode_page("prices", RawAnswer(body, 0.0, 0.0, None))
        if not isinstance(page, dict):
            report.found(f"wire case {n} ({how}): decode_page returned {type(page).__name__}")
    except SyncError:
        pass
    except Exception as exc:
        report.found(f"wire case {n} ({how}): {type(exc).__name__} instead of a SyncError: {exc}")
    finally:
        client.close()
    report.tried("wire")


class _GarbageCentral:
    """A loopback HTTP server that answers every request with the next prepared answer."""

    def __init__(self) -> None:
        import http.server
        import threading

        outer = self
        self.answer: tuple[int, dict, bytes] = (200, {}, b"{}")

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = outer.answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def log_message(self, *args) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _case_http(central: _GarbageCentral, ctx: Context, report: Report, n: int) -> None:
    """Garbage over real HTTP to the agent's client: a SyncError (or a page), never another exception."""
    from sync.client import CentralClient
    from sync.errors import SyncError

    rng = ctx.rng
    good = json.dumps({"feed": "prices", "version": 1, "cursor": "", "next_cursor": "1", "more": False,
                       "server_time": rng.choice([NOW, "x", None, 10**40, -1]), "rows": []}).encode()
    how = rng.choice(("gzip-cut", "gzip-garbage", "length-lie", "not-utf8", "status", "date"))
    status, headers, body = 200, {"Content-Type": "application/json"}, good
    if how == "gzip-cut":
        packed = gzip.compress(good)
        body, headers["Content-Encoding"] = packed[:rng.randrange(1, len(packed))], "gzip"
    elif how == "gzip-garbage":
        body, headers["Content-Encoding"] = rng.randbytes(rng.randint(1, 300)), "gzip"
    elif how == "length-lie":
        headers["Content-Length"] = str(len(body) + rng.randint(1, 5000))
    elif how == "not-utf8":
        body = good[:10] + rng.randbytes(rng.randint(1, 50)) + good[10:]
    elif how == "status":
        status = rng.choice((204, 301, 400, 404, 409, 410, 413, 418, 429, 500, 502, 503, 504))
        body = rng.choice((b"", b"<html>oops</html>", b'{"detail": 5}', rng.randbytes(40)))
        headers["Retry-After"] = rng.choice(("5", "-1", "soon", "99999999999999999999", "\u00ff"))
    else:
        headers["Date"] = rng.choice(("garbage", "Mon, 99 Foo 2026 99:99:99 GMT", "", "Thu, 01 Jan 1970 00:00:00 GMT"))
    central.answer = (status, headers, body)
    client = CentralClient(central.url, "MSK1", "P1", "token", timeout=(1.0, 0.5))
    try:
        page = client.feed_page("prices", "", 100)
        if not isinstance(page, dict):
            report.found(f"http case {n} ({how}): feed_page returned {type(page).__name__}")
    except SyncError:
        pass
    except Exception as exc:
        report.found(f"http case {n} ({how}): {type(exc).__name__} instead of a SyncError: {str(exc)[:200]}")
    finally:
        client.close()
    report.tried(f"http:{how}")


# ---------------------------------------------------------------- ERP files

def _case_erp(central_db, ctx: Context, report: Report, n: int, skus: list[str]) -> None:
    from central.erp_import import ImportFileError, import_file
    from central.storage import connect as central_connect

    rng = ctx.rng
    fmt = rng.choice(("csv", "ndjson"))
    lines, bad = [], set()
    for i in range(rng.randint(3, 30)):
        sku, price = rng.choice(skus), rng.randint(100, 99_999)
        fields = [sku, f"{price / 100:.2f}", "regular"]
        if rng.random() < 0.35:
            bad.add(i + 1)
            j = rng.randrange(3)
            fields[j] = rng.choice(["", "-5", "abc", "1e99", "NO-SUCH", "\x00", "99999999999999999999",
                                    "ё" * 50, "1,2,3", "\"unclosed"])
        lines.append(fields)
    path = ctx.workdir / f"erp-{n}.{fmt}"
    if fmt == "csv":
        text = "sku,price,kind\n" + "\n".join(",".join(f) for f in lines) + "\n"
        if rng.random() < 0.2:
            text = text[:rng.randrange(len(text))]
        path.write_bytes(text.encode("utf-8", "surrogatepass") if rng.random() < 0.9 else rng.randbytes(200))
    else:
        out = []
        for f in lines:
            out.append(json.dumps({"sku": f[0], "price": f[1], "kind": f[2]}, ensure_ascii=False)
                       if rng.random() < 0.9 else "{not json")
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
    conn = central_connect(central_db)
    try:
        before = conn.execute("SELECT COUNT(*), COALESCE(SUM(price), 0) FROM prices").fetchone()
        try:
            result = import_file(conn, "prices", path, fmt=fmt, now=NOW)
        except ImportFileError:
            after = conn.execute("SELECT COUNT(*), COALESCE(SUM(price), 0) FROM prices").fetchone()
            if tuple(after) != tuple(before):
                report.found(f"erp case {n}: a refused file changed prices")
            report.tried("erp:refused")
            return
        except Exception as exc:
            report.found(f"erp case {n} ({fmt}): {type(exc).__name__} escaped import_file: {str(exc)[:200]}")
            return
        for reject in result.rejects:
            if not getattr(reject, "reason", "") or not getattr(reject, "line", None):
                report.found(f"erp case {n}: a rejected line without its number or reason: {reject}")
        if result.rows != result.applied + result.deleted + len(result.rejects):   # nothing half-imported
            report.found(f"erp case {n} ({fmt}): {result.summary()} do not add up")
        numbers = [r.line for r in result.rejects]
        if len(set(numbers)) != len(numbers) or any(not 1 <= x <= len(lines) + 2 for x in numbers):
            report.found(f"erp case {n} ({fmt}): reject line numbers {numbers} for {len(lines)} lines")
        after = conn.execute("SELECT COUNT(*) FROM prices").fetchone()[0]
        if after < before[0]:
            report.found(f"erp case {n} ({fmt}): importing upserts lost {before[0] - after} prices")
        report.tried("erp:imported")
    finally:
        conn.close()


# ---------------------------------------------------------------- scanner and printer

def _case_scanner(ctx: Context, report: Report, n: int) -> None:
    from hardware.scanner.framing import FrameAssembler, Framing, ScanEvent, ScannerError, Suffix
    from hardware.scanner.wedge import LAYOUTS, KeyboardWedge
    from retail.codes.scan import Unrecognised, classify

    rng = ctx.rng
    suffix = rng.choice(list(Suffix))
    try:
        assembler = FrameAssembler(Framing(suffix=suffix), "fuzz")
        events = []
        for _ in range(rng.randint(1, 8)):
            events += assembler.feed(rng.randbytes(rng.randint(0, 300)))
        events += assembler.flush()
        for event in events:
            event.classify()
        wedge = KeyboardWedge(suffix=rng.choice([None, *list(Suffix)]), layout=rng.choice(LAYOUTS))
        at = 1000.0
        for ch in rng.randbytes(rng.randint(0, 200)).decode("latin-1"):
            at += rng.choice((0.001, 0.01, 0.2))
            events += [o for o in wedge.feed(ch, at) if isinstance(o, ScanEvent)]
        events += [o for o in wedge.poll(at + 1.0) if isinstance(o, ScanEvent)]
        for event in events:
            event.classify()
        for _ in range(5):
            text = rng.randbytes(rng.randint(0, 80)).decode("latin-1")
            result = classify(text)
            if isinstance(result, Unrecognised) and not result.reason:
                report.found(f"scanner case {n}: {text!r} not recognised without a reason")
            if not text.strip() and not isinstance(result, Unrecognised):
                report.found(f"scanner case {n}: an empty scan was recognised as {type(result).__name__}")
    except ScannerError:
        pass
    except Exception as exc:
        report.found(f"scanner case {n} ({suffix}): {type(exc).__name__}: {exc}")
    report.tried("scanner")


def _case_printer(ctx: Context, report: Report, n: int) -> None:
    from hardware.printing.status import _valid, interpret

    rng = ctx.rng
    byte = rng.randrange(256)
    if rng.random() < 0.5:   # a well-formed status byte (fixed bits right) with random flags
        byte = (byte & ~0x93) | 0x12
    replies = [byte, rng.choice([None, rng.randrange(256)]), rng.choice([None, rng.randrange(256)])]
    try:
        status = interpret(*replies)
    except Exception as exc:
        report.found(f"printer case {n} {replies}: interpret raised {type(exc).__name__}: {exc}")
        return
    first = replies[0]
    if status.state == "online" and first & 0x08:
        report.found(f"printer case {n} {replies}: an offline bit read as online")
    if not _valid(first):
        report.tried("printer:invalid-byte")   # query_status refuses these before interpret sees them
    else:
        report.tried("printer")


def _case_printer_wire(emulator, ctx: Context, report: Report, n: int) -> None:
    """Garbage answered on the wire to DLE EOT 1/2/4, read by :func:`query_status` as the till does."""
    from hardware.printing import PrinterConfig
    from hardware.printing.backends import open_printer
    from hardware.printing.status import STATES, _valid, query_status

    rng = ctx.rng
    garbage = rng.randbytes(rng.randint(1, 6))
    emulator.garble_status(garbage)
    printer = open_printer(PrinterConfig(emulator.spec, timeout_s=0.5))
    try:
        status = query_status(printer, 0.5)
    except Exception as exc:
        report.found(f"printer wire case {n} {garbage!r}: query_status raised {type(exc).__name__}: {exc}")
        return
    finally:
        try:
            printer.close()
        except OSError:
            pass
        emulator.garble_status(None)
    if status.state not in STATES or not status.detail:
        report.found(f"printer wire case {n} {garbage!r}: state {status.state!r} detail {status.detail!r}")
    if not _valid(garbage[0]) and status.state != "unknown":
        report.found(f"printer wire case {n} {garbage!r}: a reply that is no status byte read as {status.state}")
    if status.state == "online" and garbage[0] & 0x08:
        report.found(f"printer wire case {n} {garbage!r}: an offline bit read as online")
    report.tried("printer:wire")


# ---------------------------------------------------------------- the run

def run(ctx: Context, report: Report) -> None:
    from bench.faults import rig

    template = ctx.workdir / "till-template.db"
    load_store(template, DemoChain(now=NOW, seed=13, skus=120, stores=2, customers=10), "MSK1", terminal_id="P1")
    till_db = ctx.workdir / "till.db"
    shutil.copyfile(template, till_db)
    conn = connect(till_db)
    skus = [r[0] for r in conn.execute("SELECT sku FROM products ORDER BY sku LIMIT 40")]
    central_tpl = rig.build_template(ctx.workdir / "central")
    central_db = ctx.workdir / "central.db"
    rig.copy_database(central_tpl.path, central_db)
    with sqlite3.connect(central_db) as c:
        central_skus = [r[0] for r in c.execute("SELECT sku FROM products ORDER BY sku LIMIT 20")]
    c.close()
    from hardware.emulator.escpos_printer import EscposPrinterEmulator

    emulator = EscposPrinterEmulator(port=0, out_dir=ctx.workdir / "printer")
    emulator.start()
    central = _GarbageCentral()
    try:
        for n in range(ctx.cases(60, 5000)):
            kind = KINDS[n % len(KINDS)] if n < len(KINDS) else ctx.rng.choice(KINDS)
            if kind == "feed":
                _case_feed(conn, ctx, report, n, skus)
            elif kind == "wire" and ctx.rng.random() < 0.5:
                _case_wire(ctx, report, n)
            elif kind == "wire":
                _case_http(central, ctx, report, n)
            elif kind == "erp":
                _case_erp(central_db, ctx, report, n, central_skus)
            elif kind == "scanner":
                _case_scanner(ctx, report, n)
            elif ctx.rng.random() < 0.5:
                _case_printer(ctx, report, n)
            else:
                _case_printer_wire(emulator, ctx, report, n)
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            report.found("the till store's integrity_check failed after the bad pages")
        report.note(f"{conn.execute('SELECT COUNT(*) FROM quarantine').fetchone()[0]} rows quarantined, each "
                    "with a reason")
    finally:
        central.close()
        emulator.stop()
        conn.close()


SUITE = Suite("baddata", "corrupt feed pages, cut or garbled answers, broken ERP files, scanner noise and "
              "nonsense printer replies: refused with a reason, nothing crashes, old data stays live", run)
