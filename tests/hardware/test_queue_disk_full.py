"""The print queue's worker outlives a full disk.

Found while extending the disk fault suite to a real full file system (tmpfs): the
worker recorded a job's state through ``retail.store.transaction``, which now raises
``StoreFull`` (not ``sqlite3.Error``), so the first write on a full disk ended the
worker thread: no receipt printed again until the till restarted, and "Retry printing"
did nothing. Now it waits and tries again; a receipt that printed while its outcome could
not be written is recorded as printed once there is room, and not printed twice.

A full disk is made here two ways: a trigger that writes 200 KB per job update while the
queue's connection may not grow the file (``PRAGMA max_page_count``, everywhere), and a
real tmpfs (root with mount rights only).
"""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from hardware.printing import Cut, Document, Text
from hardware.queue import PrintQueue, enqueue, get_job
from retail.store import connect

from receipts_support import config, emulator

ROOMY = 1_073_741_823
FAST = (0.05, 0.1)


@pytest.fixture
def emu(tmp_path):
    with emulator(tmp_path) as running:
        yield running


def note(text: str) -> Document:
    return Document([Text(text), Cut()])


def _wait(predicate, timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _grow_on(conn, status: str) -> None:
    """Every update of a job to ``status`` also writes 200 KB: on a capped file it cannot."""
    conn.execute("CREATE TABLE IF NOT EXISTS ballast (x BLOB)")
    conn.execute(f"CREATE TRIGGER grow_{status} AFTER UPDATE OF status ON print_jobs "
                 f"WHEN NEW.status = '{status}' BEGIN INSERT INTO ballast VALUES (zeroblob(200000)); END")


def _cap(queue: PrintQueue, pages: int) -> None:
    queue._conn.execute(f"PRAGMA max_page_count = {pages:d}")   # the worker's own connection: its disk is full


def test_a_receipt_printed_while_the_disk_is_full_is_recorded_later_and_printed_once(tmp_path, emu):
    conn = connect(tmp_path / "till.db")
    _grow_on(conn, "printed")
    queue = PrintQueue(tmp_path / "till.db", config(emu), backoff_s=FAST, poll_s=0.05)
    _cap(queue, conn.execute("PRAGMA page_count").fetchone()[0])
    queue.start()
    try:
        enqueue(conn, "a", note("first"), "receipt")
        emu.wait_for_jobs(1)
        time.sleep(0.3)
        assert queue._thread.is_alive()
        assert get_job(conn, "a").status == "printing"        # out on paper, not yet on disk
        enqueue(conn, "b", note("second"), "receipt")
        time.sleep(0.3)
        assert len(emu.jobs) == 1                              # nothing new while it cannot record
        _cap(queue, ROOMY)
        queue.retry_now()
        assert _wait(lambda: get_job(conn, "b").status == "printed")
        assert get_job(conn, "a").status == "printed"
        assert [j.text_lines for j in emu.wait_for_jobs(2)] == [["first"], ["second"]]
    finally:
        queue.close()
        conn.close()


def test_a_paper_out_that_cannot_be_recorded_does_not_end_the_worker(tmp_path, emu):
    conn = connect(tmp_path / "till.db")
    _grow_on(conn, "queued")
    emu.set_state(paper="out")
    queue = PrintQueue(tmp_path / "till.db", config(emu), backoff_s=FAST, poll_s=0.05)
    _cap(queue, conn.execute("PRAGMA page_count").fetchone()[0] + 1)
    queue.start()
    try:
        enqueue(conn, "a", note("waits"), "receipt")
        time.sleep(0.5)
        assert queue._thread.is_alive()
        emu.set_state(paper="ok")
        _cap(queue, ROOMY)
        queue.retry_now()
        assert _wait(lambda: get_job(conn, "a").status == "printed")
        assert emu.wait_for_jobs(1)
    finally:
        queue.close()
        conn.close()


def test_a_queue_starting_on_a_full_disk_requeues_the_interrupted_job_once_there_is_room(tmp_path, emu):
    conn = connect(tmp_path / "till.db")
    enqueue(conn, "a", note("interrupted"), "receipt")
    conn.execute("UPDATE print_jobs SET status = 'printing'")   # the till died mid-job
    _grow_on(conn, "queued")
    queue = PrintQueue(tmp_path / "till.db", config(emu), backoff_s=FAST, poll_s=0.05)
    _cap(queue, conn.execute("PRAGMA page_count").fetchone()[0])
    queue.start()
    try:
        time.sleep(0.3)
        assert queue._thread.is_alive() and get_job(conn, "a").status == "printing"
        _cap(queue, ROOMY)
        queue.retry_now()
        assert _wait(lambda: get_job(conn, "a").status == "printed")
    finally:
        queue.close()
        conn.close()


def _mount_tmpfs(path, size_kb: int) -> bool:
    if os.geteuid() != 0:
        return False
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)],
                          capture_output=True, timeout=30)
    return done.returncode == 0


def test_on_a_real_full_file_system(tmp_path, emu):
    volume = tmp_path / "volume"
    if not _mount_tmpfs(volume, 1024):
        pytest.skip("needs root and the right to mount a tmpfs")
    conn = queue = None
    try:
        conn = connect(volume / "till.db")
        enqueue(conn, "a", note("on a full disk"), "receipt")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        emu.set_state(paper="out")
        fd = os.open(volume / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)
        queue = PrintQueue(volume / "till.db", config(emu), backoff_s=FAST, poll_s=0.05).start()
        time.sleep(0.6)
        assert queue._thread.is_alive()
        os.unlink(volume / "filler")
        emu.set_state(paper="ok")
        queue.retry_now()
        assert _wait(lambda: get_job(conn, "a").status == "printed")
    finally:
        if queue is not None:
            queue.close()
        if conn is not None:
            conn.close()
        subprocess.run(["umount", str(volume)], capture_output=True, timeout=30)
