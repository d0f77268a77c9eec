"""The bad-data suite's quick mode, its findings (a lone surrogate, numbers beyond SQLite), and
Hypothesis properties of the parsers it attacks: printer status, scan classification, the wedge."""
from __future__ import annotations

import random

import pytest
from faults_support import run_quick
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.faults.suites import baddata
from hardware.emulator.escpos_printer import EscposPrinterEmulator
from hardware.printing import PrinterConfig
from hardware.printing.backends import open_printer
from hardware.printing.status import STATES, interpret, query_status
from hardware.scanner.framing import ScanEvent, Suffix
from hardware.scanner.wedge import LAYOUTS, KeyboardWedge
from retail.codes.scan import Unrecognised, classify
from retail.demo import DemoChain
from retail.demo.load import load_store
from retail.store import connect
from retail.feeds.apply import apply_page

pytestmark = pytest.mark.faults


def test_baddata_quick(tmp_path):
    report = run_quick("baddata", tmp_path)
    kinds = set(report.attempts)
    assert {"wire", "erp:imported", "scanner", "printer:wire"} <= kinds
    assert any(k.startswith("feed:") and k.endswith(":applied") for k in kinds)


@pytest.mark.parametrize("kind", baddata.FEED_NAMES)
def test_the_suites_good_rows_of_every_feed_apply_without_quarantine(tmp_path, kind):
    """The suite damages valid rows: if its valid rows were refused, it would test nothing."""
    load_store(tmp_path / "t.db", DemoChain(now=baddata.NOW, seed=13, skus=60, stores=2, customers=5), "MSK1",
               terminal_id="P1")
    conn = connect(tmp_path / "t.db")
    skus = [r[0] for r in conn.execute("SELECT sku FROM products ORDER BY sku LIMIT 40")]
    locations = tuple(r[0] for r in conn.execute("SELECT id FROM stores"))
    feed = "inventory" if kind == "network" else kind
    cursor = (conn.execute("SELECT cursor FROM feed_state WHERE feed = ?", (feed,)).fetchone() or [""])[0]
    rows = baddata._valid_rows(kind, random.Random(7), 20_000_000, skus, locations)
    page = {"feed": feed, "store": "MSK1", "version": 10**6, "cursor": cursor, "next_cursor": "v", "more": False,
            "included": {"P1": 0}, "server_time": baddata.NOW, "rows": rows}
    result = apply_page(conn, feed, page, terminal_id="P1", now=baddata.NOW, sent_cursor=cursor)
    assert (result.applied, result.quarantined) == (len(rows), 0)
    conn.close()


@settings(max_examples=300, deadline=None)
@given(printer=st.integers(0, 255), cause=st.one_of(st.none(), st.integers(0, 255)),
       paper=st.one_of(st.none(), st.integers(0, 255)))
def test_any_status_reply_is_interpreted_without_raising_and_offline_is_never_online(printer, cause, paper):
    status = interpret(printer, cause, paper)
    assert status.state in STATES and status.detail
    if printer & 0x08 or (cause is not None and cause & 0x24) or (paper is not None and paper & 0x60):
        assert not status.can_print


@pytest.fixture(scope="module")
def garbling_printer(tmp_path_factory):
    with EscposPrinterEmulator(port=0, out_dir=tmp_path_factory.mktemp("printer")) as emu:
        yield emu


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(min_size=1, max_size=6))
def test_garbage_answered_on_the_wire_is_never_read_as_a_working_printer(garbling_printer, garbage):
    garbling_printer.garble_status(garbage)
    printer = open_printer(PrinterConfig(garbling_printer.spec, timeout_s=0.5))
    try:
        status = query_status(printer, 0.5)
    finally:
        printer.close()
        garbling_printer.garble_status(None)
    assert status.state in STATES and status.detail
    if garbage[0] & 0x93 != 0x12:
        assert status.state == "unknown" and f"0x{garbage[0]:02x}" in status.detail


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=120) | st.binary(max_size=120).map(lambda b: b.decode("latin-1")))
def test_any_scan_text_is_classified_and_what_is_not_a_code_says_why(text):
    result = classify(text)
    if isinstance(result, Unrecognised):
        assert result.reason
    if not text.strip():
        assert isinstance(result, Unrecognised)


@settings(max_examples=100, deadline=None)
@given(keys=st.lists(st.tuples(st.characters(), st.sampled_from([0.001, 0.01, 0.3])), max_size=80),
       suffix=st.sampled_from([None, *list(Suffix)]), layout=st.sampled_from(LAYOUTS))
def test_any_key_stream_through_the_wedge_gives_scans_or_typing(keys, suffix, layout):
    wedge = KeyboardWedge(suffix=suffix, layout=layout)
    at, typed, scans = 0.0, [], []
    for key, gap in keys:
        at += gap
        for out in wedge.feed(key, at):
            (scans if isinstance(out, ScanEvent) else typed).append(out)
    for out in wedge.poll(at + 5):
        (scans if isinstance(out, ScanEvent) else typed).append(out)
    for scan in scans:
        assert scan.classify() is not None


def test_a_row_with_a_lone_surrogate_is_quarantined_with_its_reason(tmp_path):
    load_store(tmp_path / "t.db", DemoChain(now=1_795_000_000, seed=13, skus=60, stores=2, customers=5), "MSK1",
               terminal_id="P1")
    conn = connect(tmp_path / "t.db")
    sku = conn.execute("SELECT sku FROM products ORDER BY sku LIMIT 1").fetchone()[0]
    cursor = (conn.execute("SELECT cursor FROM feed_state WHERE feed = 'prices'").fetchone() or [""])[0]
    rows = [{"op": "upsert", "key": f"price:{sku}:regular:{i}",
             "data": {"sku": sku, "kind": "regular", "valid_from": i, "valid_to": None, "price": 100 + i}}
            for i in range(10)]
    rows[0]["data"]["kind"] = "\ud800"        # JSON's "\ud800" decodes to this
    page = {"feed": "prices", "store": "MSK1", "version": 5, "cursor": cursor, "next_cursor": "x", "more": False,
            "included": {"P1": 0}, "server_time": 0, "rows": rows}
    result = apply_page(conn, "prices", page, terminal_id="P1", now=1, sent_cursor=cursor)
    assert result.applied == 9 and result.quarantined == 1
    reason, payload = conn.execute("SELECT reason, payload FROM quarantine").fetchone()
    assert reason and "\\ud800" in payload
    conn.close()


@pytest.mark.parametrize("field, value", [("version", 2**63), ("included", {"P1": 2**64})])
def test_numbers_too_big_for_sqlite_reject_the_page(tmp_path, field, value):
    from retail.feeds.apply import PageRejected

    load_store(tmp_path / "t.db", DemoChain(now=1_795_000_000, seed=13, skus=60, stores=2, customers=5), "MSK1",
               terminal_id="P1")
    conn = connect(tmp_path / "t.db")
    cursor = (conn.execute("SELECT cursor FROM feed_state WHERE feed = 'prices'").fetchone() or [""])[0]
    page = {"feed": "prices", "store": "MSK1", "version": 5, "cursor": cursor, "next_cursor": "x", "more": False,
            "included": {"P1": 0}, "server_time": 0, "rows": [], field: value}
    with pytest.raises(PageRejected, match="2\\*\\*63-1"):
        apply_page(conn, "prices", page, terminal_id="P1", now=1, sent_cursor=cursor)
    assert (conn.execute("SELECT cursor FROM feed_state WHERE feed = 'prices'").fetchone() or [""])[0] == cursor
    conn.close()
