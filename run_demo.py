"""``python run_demo.py``: the whole loop on one machine, walked through and shown.

What it does, in order (everything under ``var/demo/``, made fresh):

1. seeds central with the demo chain (``python -m central seed``), builds the store's
   snapshot (``python -m central snapshot``: the terminals' first sync loads it) and
   serves it on 127.0.0.1 (``python -m central serve``, port 8700 or a free one);
2. registers the till ``P1`` and the kiosk ``K1`` of store MSK1 (``python -m central
   terminal add`` + ``python -m sync register``);
3. starts the ESC/POS printer emulator (receipts land in ``var/demo/receipts`` as text
   and PNG) and the card payment terminal emulator, and configures the till's devices
   with ``python -m hardware configure``;
4. syncs each terminal once (``python -m sync once``) after the web shop placed a
   click-and-collect order to be paid at pickup;
5. opens the POS (``run_pos.py --script demo``: the sync agent runs beside it) and walks
   a shift: a sale with promotions, a loyalty card and a card + cash split, the return of
   that sale, the click-and-collect order picked, marked ready, paid and handed over after
   scanning its pickup code, the sync console and the close with the Z report, saving
   screenshots to ``var/demo/screenshots``;
6. the kiosk's scripted walk (``run_kiosk.py --script shopper``; ``--no-kiosk`` skips it):
   search, scans, a loyalty card, an endless-aisle order picked up in another store, and
   click-and-collect check-ins (:func:`walk_kiosk`);
7. syncs once more and prints where the screenshots and receipts are and what central
   received.

Without a display it needs one: ``scripts/demo.sh`` wraps it in ``xvfb-run``; run
directly, it re-runs itself under ``xvfb-run`` when that is installed. With a display and
``--interactive`` it leaves the till open for a person after the walk.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEMO = ROOT / "var" / "demo"
STORE = "MSK1"
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
       "KIVY_NO_ARGS": "1", "KIVY_LOG_MODE": "PYTHON"}


class DemoError(RuntimeError):
    """A step of the demo failed; the message says which and why."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python run_demo.py", description=__doc__.splitlines()[0])
    p.add_argument("--skus", type=int, default=20_000, help="products in the demo chain (default 20000)")
    p.add_argument("--stores", type=int, default=4, help="stores in the chain (default 4)")
    p.add_argument("--seed", type=int, default=42, help="the same seed gives the same chain (default 42)")
    p.add_argument("--port", type=int, default=8700, help="central's port (default 8700; a free one if taken)")
    p.add_argument("--no-kiosk", dest="kiosk", action="store_false",
                   help="skip the kiosk's walk (run_kiosk.py --script shopper), which runs beside the till by default")
    p.add_argument("--interactive", action="store_true",
                   help="after the walk, leave the till open for a person (needs a display)")
    return p.parse_args(argv)


# ---------------------------------------------------------------- small helpers


def say(text: str) -> None:
    print(f"[demo] {text}", flush=True)


def python(*args: str, timeout: float = 600, check: bool = True) -> str:
    """``python -m ...`` (or a script) from the repository root; its stdout."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise DemoError(f"`python {' '.join(args)}` failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def free_port(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]


def wait_for_port(port: int, what: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if proc.poll() is not None:
                raise DemoError(f"{what} exited before it listened on port {port}") from None
            if time.monotonic() > deadline:
                raise DemoError(f"{what} did not listen on port {port} within {timeout:.0f} s") from None
            time.sleep(0.1)


@dataclass
class Background:
    """Processes the demo started, stopped in reverse order at the end."""

    procs: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    def start(self, name: str, *args: str, log: Path) -> subprocess.Popen:
        out = open(log, "ab")  # noqa: SIM115  (the child holds it; closed below)
        try:
            proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=ENV, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        finally:
            out.close()
        self.procs.append((name, proc))
        return proc

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


# ---------------------------------------------------------------- the steps


def seed_central(args) -> Path:
    db = DEMO / "central.db"
    say(f"seeding central: {args.skus} SKUs, {args.stores} stores, seed {args.seed}")
    python("-m", "central", "seed", "--db", str(db), "--skus", str(args.skus), "--stores", str(args.stores),
           "--seed", str(args.seed))
    say(f"building the snapshot of {STORE} for its new terminals' first sync")
    python("-m", "central", "snapshot", "--db", str(db), "--store", STORE)
    return db


def register(central_db: Path, url: str, terminal: str, kind: str) -> Path:
    token = python("-m", "central", "terminal", "add", "--db", str(central_db), "--store", STORE,
                   "--terminal", terminal, "--kind", kind).strip().splitlines()[-1]
    db = DEMO / f"{STORE}-{terminal}.db"
    python("-m", "sync", "register", "--db", str(db), "--central", url, "--store", STORE, "--terminal", terminal,
           f"--token={token}", "--kind", kind)  # a token may start with "-"
    say(f"registered {kind} {terminal} of {STORE}: {db.relative_to(ROOT)}")
    return db


def web_order(central_db: Path, url: str) -> dict:
    """The web shop places a click-and-collect order at MSK1, to be paid at pickup."""
    import sqlite3

    conn = sqlite3.connect(central_db)
    try:
        sku = conn.execute("SELECT p.sku FROM products p JOIN stock s ON s.sku = p.sku AND s.location_id = ? "
                           "WHERE p.unit = 'pcs' AND p.active = 1 AND s.on_hand_milli >= 5000 "
                           "ORDER BY p.sku LIMIT 1 OFFSET 7", (STORE,)).fetchone()[0]
    finally:
        conn.close()
    token = python("-m", "central", "channel", "add", "--db", str(central_db), "--label", "demo-shop").strip()
    out = python("-m", "central", "web-order", "--url", url, f"--token={token}", "--item", f"{sku}:2",
                 "--pickup", STORE, "--name", "Ольга Иванова", "--phone", "+7 916 555-44-33", "--pay-on-pickup",
                 "--json")
    order = json.loads(out)
    say(f"the web shop placed order {order['number']} for pickup at {STORE}, pickup code {order['pickup_secret']}")
    return order


def configure_devices(db: Path, printer_port: int, payment_port: int) -> None:
    for args in (("printer", f"network:127.0.0.1:{printer_port}"), ("drawer", "printer"),
                 ("payment", f"tcp:127.0.0.1:{payment_port}", "--decision-timeout", "20", "--recovery", "5"),
                 ("scanner", "wedge")):
        python("-m", "hardware", "configure", "--db", str(db), *args)
    say(f"configured the till's printer, drawer, payment terminal and scanner in {db.relative_to(ROOT)}")


def walk_pos(db: Path, order: dict) -> dict:
    say("opening the POS and walking a shift (screenshots in var/demo/screenshots)")
    proc = subprocess.run([sys.executable, "run_pos.py", "--db", str(db), "--screenshots", str(DEMO / "screenshots"),
                           "--script", "demo", "--script-param", f"pickup_code={order['pickup_code']}",
                           "--script-param", f"pickup_number={order['number']}"],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900)
    (DEMO / "pos.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    notes = {}
    for line in proc.stdout.splitlines():
        if line.startswith("notes: "):
            notes = json.loads(line[len("notes: "):])
    if proc.returncode != 0:
        errors = [line for line in proc.stderr.splitlines() if not line.startswith("[")]
        raise DemoError("the POS walk stopped (the screenshots show how far it got; var/demo/pos.log has it all):\n"
                        + "\n".join(errors[-15:]))
    return notes


def walk_kiosk(db: Path, args, printer_port: int, payment_port: int) -> None:
    """The kiosk's scripted walk (``kiosk/demo_script.py``, scenario ``shopper``).

    The kiosk prints on the same printer emulator and takes cards on the same payment
    terminal as the till. What the walk needs to know about the demo data (a loyalty card,
    a ready click-and-collect order and its 6-digit code, a barcode) comes from the demo
    chain itself, regenerated from the seed (the store keeps only hashes of pickup codes),
    in ``var/demo/kiosk-facts.json``.
    """
    import sqlite3

    from kiosk.demo_script import FACTS_ENV, facts_for, write_facts
    from retail.demo import DemoChain

    for kind, *spec in (("printer", f"network:127.0.0.1:{printer_port}"),
                        ("payment", f"tcp:127.0.0.1:{payment_port}", "--decision-timeout", "20", "--recovery", "5")):
        python("-m", "hardware", "configure", "--db", str(db), kind, *spec)
    chain = DemoChain(seed=args.seed, skus=args.skus, stores=args.stores)
    conn = sqlite3.connect(db)
    try:
        facts = write_facts(DEMO / "kiosk-facts.json", facts_for(chain, STORE, conn))
    finally:
        conn.close()
    say("opening the kiosk and walking a shopper's visit (screenshots in var/demo/screenshots/kiosk)")
    proc = subprocess.run([sys.executable, "run_kiosk.py", "--db", str(db), "--windowed",
                           "--screenshots", str(DEMO / "screenshots" / "kiosk"), "--script", "shopper"],
                          cwd=ROOT, env={**ENV, FACTS_ENV: str(facts)}, capture_output=True, text=True, timeout=900)
    (DEMO / "kiosk.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    shots = {line for line in proc.stdout.splitlines() if line.startswith("screenshot: ")}  # the attract screen twice
    if proc.returncode != 0:  # the till's part of the demo stands on its own
        tail = [line for line in proc.stderr.splitlines() if line.strip() and not line.startswith("[")][-3:]
        say("the kiosk walk stopped (var/demo/kiosk.log has it all): " + " / ".join(tail))
        return
    say(f"the kiosk walk saved {len(shots)} screenshots")


def summary(central_db: Path, notes: dict) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(central_db)
    try:
        rows = conn.execute("SELECT terminal_id, kind, status, COUNT(*) FROM events WHERE store_id = ? "
                            "GROUP BY terminal_id, kind, status ORDER BY terminal_id, kind", (STORE,)).fetchall()
        order = conn.execute("SELECT status FROM orders WHERE number = ?", (notes.get("handed_over", ""),)).fetchone()
    finally:
        conn.close()
    shots = sorted((DEMO / "screenshots").glob("*.png"))
    receipts = sorted((DEMO / "receipts").glob("*.txt"))
    lines = ["", "Vitrina demo done.",
             f"  screenshots: {DEMO.relative_to(ROOT) / 'screenshots'}/ ({len(shots)} screens)",
             f"  receipts:    {DEMO.relative_to(ROOT) / 'receipts'}/ ({len(receipts)} jobs, each as .txt and .png)",
             f"  the sale:    {notes.get('sale', '?')}, returned as {notes.get('return', '?')}",
             f"  handed over: {notes.get('handed_over', '-')}" + (f" (central says: {order[0]})" if order else ""),
             "  central received from the terminals of " + STORE + ":"]
    for terminal, kind, status, count in rows:
        lines.append(f"    {terminal}  {kind:<13} {status:<9} {count}")
    lines.append("  logs: var/demo/*.log; the till's store: var/demo/MSK1-P1.db")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not os.environ.get("DISPLAY"):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            print("no display: run `bash scripts/demo.sh` (it starts a virtual one) or install xvfb", file=sys.stderr)
            return 2
        os.execv(xvfb, [xvfb, "-a", "-s", "-screen 0 1280x800x24", sys.executable, *sys.argv])
    if DEMO.exists():
        shutil.rmtree(DEMO)
    (DEMO / "receipts").mkdir(parents=True)
    background = Background()
    try:
        central_db = seed_central(args)
        port = free_port(args.port)
        url = f"http://127.0.0.1:{port}"
        server = background.start("central", "-m", "central", "serve", "--db", str(central_db), "--port", str(port),
                                  log=DEMO / "central.log")
        wait_for_port(port, "central", server)
        say(f"central serves {url}")
        pos_db = register(central_db, url, "P1", "pos")
        kiosk_db = register(central_db, url, "K1", "kiosk")
        printer_port, payment_port = free_port(9100), free_port(7777)
        printer = background.start("printer", "-m", "hardware", "emulate-printer", "--port", str(printer_port),
                                   "--out", str(DEMO / "receipts"), log=DEMO / "printer.log")
        wait_for_port(printer_port, "the printer emulator", printer)
        payment = background.start("payment", "-m", "hardware", "emulate-payment", "--port", str(payment_port),
                                   log=DEMO / "payment.log")
        wait_for_port(payment_port, "the payment terminal emulator", payment)
        say(f"printer emulator on port {printer_port}, payment terminal emulator on port {payment_port}")
        configure_devices(pos_db, printer_port, payment_port)
        order = web_order(central_db, url)
        for db in (pos_db, kiosk_db):
            started = time.monotonic()
            python("-m", "sync", "once", "--db", str(db), timeout=900)
            say(f"synced {db.name} in {time.monotonic() - started:.1f} s")
        notes = walk_pos(pos_db, order)
        if args.kiosk:
            walk_kiosk(kiosk_db, args, printer_port, payment_port)
        for db in (pos_db, kiosk_db):  # what the apps did after the agent's last cycle (the Z report's close)
            python("-m", "sync", "once", "--db", str(db), timeout=900)
        print("\n".join(summary(central_db, notes)), flush=True)
        if args.interactive:
            say("the till is open for you: PINs 1111 cashier, 2222 manager, 9999 technician; close it to finish")
            subprocess.run([sys.executable, "run_pos.py", "--db", str(pos_db)], cwd=ROOT, env=ENV)
        return 0
    except DemoError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    finally:
        background.stop()


if __name__ == "__main__":
    sys.exit(main())
