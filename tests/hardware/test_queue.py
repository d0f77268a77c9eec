"""The print queue against the emulator on loopback TCP: order, paper out, offline,
power cut (SIGKILL), reprints, and a caller that never waits for the printer."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hardware.printing import Cut, Document, DrawerKick, Text
from hardware.queue import NO_PRINTER, PrintQueue, QueueError, enqueue, get_job, list_jobs
from hardware.receipts.sale import build_sale_receipt, job_id
from retail.store import connect, transaction
from receipts_support import NOW, config, emulator, open_store, sell

ROOT = Path(__file__).resolve().parents[2]
FAST = (0.05, 0.1, 0.2)


@pytest.fixture
def db(tmp_path):
    conn = open_store(tmp_path / "till.db")
    yield conn
    conn.close()


@pytest.fixture
def emu(tmp_path):
    with emulator(tmp_path) as running:
        yield running


def note(text: str, kick: bool = False) -> Document:
    return Document([Text(text)] + ([DrawerKick()] if kick else []) + [Cut()])


def queue_for(db, printer, **kwargs) -> PrintQueue:
    kwargs.setdefault("backoff_s", FAST)
    kwargs.setdefault("poll_s", 0.05)
    return PrintQueue(Path(db.execute("PRAGMA database_list").fetchone()[2]), printer, **kwargs)


def texts(emu) -> list[str]:
    return [job.text_lines[0] for job in emu.jobs if job.text_lines]


def test_a_sale_receipt_goes_through_the_queue_once(db, emu):
    sale = sell(db)
    receipt = build_sale_receipt(db, sale.id, now=NOW)
    with queue_for(db, config(emu)) as q:
        first = q.enqueue(db, job_id(sale.id), receipt, "receipt")
        again = q.enqueue(db, job_id(sale.id), note("other"), "receipt")
        assert again.seq == first.seq and again.document_json == first.document_json
        done = q.wait_printed(job_id(sale.id))
    assert done.status == "printed" and done.attempts == 1 and done.printed_at is not None
    assert done.last_error is None
    assert len(emu.jobs) == 1 and "Чек № MSK1-P1-000001" in emu.jobs[0].text_lines


def test_a_nearly_empty_roll_prints_and_warns(db, emu):
    emu.set_state(paper="near_end")
    with queue_for(db, config(emu)) as q:
        q.enqueue(db, "note:1", note("x"), "note")
        done = q.wait_printed("note:1")
    assert done.status == "printed" and done.error_kind == "warning"
    assert "nearly used up" in done.last_error and texts(emu) == ["x"]


def test_enqueue_joins_the_callers_transaction(db):
    with pytest.raises(RuntimeError):
        with transaction(db):
            enqueue(db, "receipt:rolled-back", note("x"), "receipt")
            raise RuntimeError("the sale failed")
    assert get_job(db, "receipt:rolled-back") is None
    with transaction(db):
        enqueue(db, "receipt:kept", note("x"), "receipt")
    assert get_job(db, "receipt:kept").status == "queued"


def test_jobs_print_in_the_order_they_were_queued(db, emu):
    emu.set_state(paper="out")
    with queue_for(db, config(emu)) as q:
        for n in range(1, 4):
            q.enqueue(db, f"note:{n}", note(f"Чек {n}"), "note")
        q.wait_for("note:1", lambda job: job.attempts >= 1 and job.status == "queued")
        emu.set_state(paper="ok")
        q.retry_now()
        q.wait_printed("note:3")
    assert texts(emu) == ["Чек 1", "Чек 2", "Чек 3"]


def test_paper_out_keeps_the_job_reports_it_opens_the_drawer_and_prints_once_after_refill(db, emu):
    seen = []
    emu.set_state(paper="out")
    sale = sell(db)
    receipt = build_sale_receipt(db, sale.id, now=NOW)
    with queue_for(db, config(emu), on_change=seen.append, backoff_s=(30.0,)) as q:
        q.enqueue(db, job_id(sale.id), receipt, "receipt")
        waiting = q.wait_for(job_id(sale.id), lambda job: job.error_kind is not None)
        assert waiting.status == "queued" and waiting.error_kind == "paper_out"
        assert "out of paper" in waiting.last_error and "drawer was opened" in waiting.last_error
        assert any(job.error_kind == "paper_out" for job in seen)   # the error reached the app
        kicks = emu.wait_for_jobs(1)
        assert kicks[0].drawer_kicks and not kicks[0].text_lines    # real-time pulse, no paper
        time.sleep(0.3)
        assert q.job(job_id(sale.id)).attempts == 1                 # backoff: 30 s, no hammering
        emu.set_state(paper="ok")
        q.retry_now()
        done = q.wait_printed(job_id(sale.id))
    receipts = [job for job in emu.jobs if "Чек № MSK1-P1-000001" in job.text_lines]
    assert done.status == "printed" and done.attempts == 2 and len(receipts) == 1
    assert receipts[0].drawer_kicks == []   # the late receipt does not pop the drawer again
    assert [job.status for job in seen][-2:] == ["printing", "printed"]


def test_a_printer_that_never_answers_reads_offline_within_the_timeout(db, emu):
    emu.set_state(online=False)
    with queue_for(db, config(emu, timeout_s=0.5)) as q:
        started = time.monotonic()
        q.enqueue(db, "note:1", note("x"), "note")
        job = q.wait_for("note:1", lambda j: j.error_kind is not None, timeout=5)
        assert time.monotonic() - started < 2.5
    assert job.status == "queued" and job.error_kind == "offline"
    assert "not answering" in job.last_error
    assert emu.jobs == []


def test_enqueue_never_waits_for_the_printer(db, emu):
    emu.set_state(online=False)
    with queue_for(db, config(emu, timeout_s=1.0)) as q:
        q.enqueue(db, "note:1", note("x"), "note")
        time.sleep(0.2)                                   # the worker is now stuck on the printer
        started = time.monotonic()
        q.enqueue(db, "note:2", note("y"), "note")
        assert q.job("note:1").status == "printing"
        assert time.monotonic() - started < 0.2


def test_no_printer_configured_is_said_and_the_job_waits_for_one(db, emu):
    with queue_for(db, None) as q:
        q.enqueue(db, "note:1", note("Ждёт принтер"), "note")
        job = q.wait_for("note:1", lambda j: j.error_kind == "no_printer")
        assert job.status == "queued" and job.last_error == NO_PRINTER
        q.set_printer(config(emu))
        assert q.wait_printed("note:1").status == "printed"
    assert texts(emu) == ["Ждёт принтер"]


def test_a_damaged_job_fails_and_the_queue_moves_on(db, emu):
    enqueue(db, "note:1", note("one"), "note")
    enqueue(db, "note:2", note("two"), "note")
    with transaction(db):
        db.execute("UPDATE print_jobs SET document = '{\"version\": 1, \"blocks\": [{\"type\": \"X\"}]}' "
                   "WHERE id = 'note:1'")
    with queue_for(db, config(emu)) as q:
        q.wait_printed("note:2")
        bad = q.job("note:1")
    assert bad.status == "failed" and bad.error_kind == "document" and "unknown type 'X'" in bad.last_error
    assert texts(emu) == ["two"]


def test_a_failing_listener_does_not_stop_printing(db, emu):
    def broken(job):
        raise ValueError("UI bug")

    with queue_for(db, config(emu), on_change=broken) as q:
        q.enqueue(db, "note:1", note("x"), "note")
        assert q.wait_printed("note:1").status == "printed"


def test_reprint_makes_a_marked_copy_without_the_drawer_kick(db, emu):
    sale = sell(db)
    with queue_for(db, config(emu)) as q:
        q.enqueue(db, job_id(sale.id), build_sale_receipt(db, sale.id, now=NOW), "receipt")
        q.wait_printed(job_id(sale.id))
        assert q.last_receipt_job().id == job_id(sale.id)
        with pytest.raises(QueueError, match="there is no print job 'receipt:nope'"):
            q.reprint("receipt:nope")
        copy = q.reprint(job_id(sale.id))
        assert copy.id == f"{job_id(sale.id)}:copy1" and copy.copy_of == job_id(sale.id)
        q.wait_printed(copy.id)
        second = q.reprint(copy.id)                       # a copy of a copy is a copy of the original
        assert second.id == f"{job_id(sale.id)}:copy2"
        q.wait_printed(second.id)
        assert q.job(job_id(sale.id)).copies == 2
        assert q.last_receipt_job().id == job_id(sale.id)
    original, first_copy = emu.jobs[0], emu.jobs[1]
    assert original.drawer_kicks and "*** КОПИЯ ***" not in original.text_lines
    assert first_copy.text_lines[0] == "*** КОПИЯ ***" and first_copy.text_lines.count("*** КОПИЯ ***") == 2
    assert first_copy.drawer_kicks == []
    assert first_copy.text_lines[1:-1] == original.text_lines
    assert first_copy.qr_payloads == original.qr_payloads


def test_english_copy_says_copy(db, emu):
    with queue_for(db, config(emu)) as q:
        q.enqueue(db, "receipt:en", note("Receipt"), "receipt", lang="en")
        q.wait_printed("receipt:en")
        q.wait_printed(q.reprint("receipt:en").id)
    assert emu.jobs[1].text_lines == ["*** COPY ***", "Receipt", "*** COPY ***"]


def test_a_job_not_yet_printed_cannot_be_reprinted(db):
    with queue_for(db, None) as q:
        q.enqueue(db, "receipt:1", note("x"), "receipt")
        with pytest.raises(QueueError, match="has not printed yet"):
            q.reprint("receipt:1")


@pytest.mark.parametrize("args, message", [
    (("", note("x"), "receipt"), "needs an id"),
    (("x" * 201, note("x"), "receipt"), "needs an id"),
    (("a", note("x"), "Receipt!"), "kind must be a short lower-case word"),
    (("a", "not a document", "receipt"), "only a Document can be queued"),
])
def test_bad_enqueue_arguments(db, args, message):
    with pytest.raises(QueueError, match=message):
        enqueue(db, *args)


def test_bad_language_and_status_filters(db):
    with pytest.raises(QueueError, match="language must be one of ru, en"):
        enqueue(db, "a", note("x"), "note", lang="de")
    with pytest.raises(QueueError, match="unknown job status 'done'"):
        list_jobs(db, ["done"])
    with pytest.raises(QueueError, match="PrinterConfig"):
        PrintQueue(":memory:", "network:127.0.0.1:9100")


CHILD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    from hardware.printing import PrinterConfig
    from hardware.queue import PrintQueue
    from retail.store import connect
    from receipts_support import NOW, open_store, sell
    from hardware.receipts.sale import build_sale_receipt, job_id
    conn = open_store({db!r})
    sale = sell(conn)
    queue = PrintQueue({db!r}, PrinterConfig({spec!r}, timeout_s=30)).start()
    queue.enqueue(conn, job_id(sale.id), build_sale_receipt(conn, sale.id, now=NOW), "receipt")
    print(sale.id, flush=True)
    time.sleep(60)
""")


def test_power_cut_mid_print_the_next_queue_prints_the_receipt(tmp_path, emu):
    """The till dies (SIGKILL) while its queue waits on a hung printer; after the restart a
    new queue finds the job 'printing', queues it again and prints it."""
    path = tmp_path / "till.db"
    emu.set_state(online=False)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(tests=str(Path(__file__).parent), db=str(path),
                                            spec=emu.spec)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sale_id = child.stdout.readline().strip()
        assert sale_id, child.stderr.read()
        conn = connect(path)
        deadline = time.monotonic() + 10
        while get_job(conn, job_id(sale_id)).status != "printing":
            assert time.monotonic() < deadline, "the child never started printing"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(5)
    finally:
        if child.poll() is None:
            child.kill()
    assert get_job(conn, job_id(sale_id)).status == "printing"
    emu.set_state(online=True)
    with PrintQueue(path, config(emu), backoff_s=FAST, poll_s=0.05) as q:
        done = q.wait_printed(job_id(sale_id))
    assert done.status == "printed"
    assert [job for job in emu.jobs if "Чек № MSK1-P1-000001" in job.text_lines]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_job_queued_before_a_restart_prints_after_it(tmp_path, emu):
    path = tmp_path / "till.db"
    conn = open_store(path)
    enqueue(conn, "note:1", note("до перезапуска"), "note")
    conn.close()
    with PrintQueue(path, config(emu), backoff_s=FAST, poll_s=0.05) as q:
        q.wait_printed("note:1")
    assert texts(emu) == ["до перезапуска"]


def test_old_printed_jobs_are_purged_at_start(db, emu):
    enqueue(db, "note:old", note("x"), "note", now=NOW - 90 * 86400)
    enqueue(db, "note:old:copy1", note("x"), "note", now=NOW - 90 * 86400, copy_of="note:old")
    enqueue(db, "note:new", note("y"), "note", now=NOW)
    with transaction(db):
        db.execute("UPDATE print_jobs SET status = 'printed', printed_at = created_at")
    with queue_for(db, config(emu), clock=lambda: NOW) as q:
        deadline = time.monotonic() + 5
        while q.job("note:old") is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert q.job("note:old") is None and q.job("note:old:copy1") is None
        assert q.job("note:new") is not None
