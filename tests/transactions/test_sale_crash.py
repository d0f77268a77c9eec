"""A till process killed with SIGKILL in the middle of selling loses nothing and halves nothing.

The child commits sales in a loop and reports each sale id before the attempt and after
the commit returned; the parent kills it at a random moment, reopens the file and checks:
integrity, every reported commit is on disk, every sale has exactly its outbox event and
stock movements, receipt numbers are gapless, and retrying the interrupted sale id
yields one sale, not two.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from retail.sales import Tender, commit_sale, get_sale
from retail.store import integrity_ok
from tx_support import NOW, open_store, pcs, priced, put_staff

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

CHILD = textwrap.dedent("""
    import sys
    sys.path[:0] = [{root!r}, {here!r}]
    from retail.ids import new_id
    from retail.sales import Tender, commit_sale
    from retail.shifts import current_shift
    from tx_support import NOW, open_store, pcs, priced
    conn = open_store({path!r})
    shift = current_shift(conn)
    i = 0
    while True:
        i += 1
        cart = priced(pcs(1, "A", 1 + i % 3, 10_00 + i), pcs(2, "B", 1, 5_00))
        sale_id = new_id()
        print("try", sale_id, flush=True)
        commit_sale(conn, cart, [Tender("cash", cart.total)], staff_id="c", shift_id=shift.id,
                    now=NOW + i, sale_id=sale_id)
        print("done", sale_id, flush=True)
""")


@pytest.mark.parametrize("kill_after", [3, 17, 40])
def test_sigkill_mid_sale_loses_and_halves_nothing(tmp_path, kill_after):
    from retail.shifts import open_shift

    path = tmp_path / "till.db"
    conn = open_store(path)
    put_staff(conn, "c", "C", "cashier", "1111")
    open_shift(conn, "c", 0, NOW)
    conn.close()

    code = CHILD.format(root=str(ROOT), here=str(HERE), path=str(path))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    tried, done = [], []
    deadline = time.monotonic() + 30
    try:
        while len(done) < kill_after and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            word, sale_id = line.split()
            (tried if word == "try" else done).append(sale_id)
        # Kill right after the next attempt starts: somewhere inside the transaction.
        line = child.stdout.readline()
        if line.startswith("try"):
            tried.append(line.split()[1])
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=10)
        child.stdout.close()
    assert len(done) >= kill_after, "the child did not get far enough"

    conn = open_store(path)
    assert integrity_ok(conn)
    ids = {r[0] for r in conn.execute("SELECT id FROM sales")}
    assert set(done) <= ids, "a commit that returned must survive the kill"
    assert ids <= set(tried)
    seqs = [r[0] for r in conn.execute("SELECT seq FROM sales ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    for sale_id, seq, outbox_seq in conn.execute("SELECT id, seq, outbox_seq FROM sales"):
        (event,) = conn.execute("SELECT payload FROM outbox WHERE kind = 'sale' AND seq = ?", (outbox_seq,)).fetchall()
        payload = json.loads(event[0])
        assert (payload["sale_id"], payload["receipt_seq"]) == (sale_id, seq)
        moved = conn.execute("SELECT COUNT(*) FROM stock_movements WHERE ref_id = ? AND outbox_seq = ?",
                             (sale_id, outbox_seq)).fetchone()[0]
        assert moved == 2
    assert conn.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'sale'").fetchone()[0] == len(ids)

    # The interrupted sale is retried with its id: afterwards it exists exactly once.
    last = tried[-1]
    shift_id = conn.execute("SELECT id FROM shifts").fetchone()[0]
    i = len(tried)
    cart = priced(pcs(1, "A", 1 + i % 3, 10_00 + i), pcs(2, "B", 1, 5_00))
    sale = commit_sale(conn, cart, [Tender("cash", cart.total)], staff_id="c", shift_id=shift_id,
                       now=NOW + i, sale_id=last)
    assert get_sale(conn, last) == sale
    assert conn.execute("SELECT COUNT(*) FROM sales WHERE id = ?", (last,)).fetchone()[0] == 1
    assert [r[0] for r in conn.execute("SELECT seq FROM sales ORDER BY seq")] == list(range(1, len(seqs) + 1 + (last not in ids)))
    conn.close()
