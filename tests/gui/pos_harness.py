"""A whole till on one machine for the POS GUI tests, built inside the app's own process.

``run_in_process`` starts a fresh process per app run (Kivy allows one window per
process); inside it :func:`till` builds what a store has: a real central over HTTP on
127.0.0.1 (a copy of the session's seeded template, see tests/sync/central_fixture.py),
this terminal registered with its token and synced once, the ESC/POS printer emulator
and the payment terminal emulator on loopback TCP, a serial scanner on a pty pair, all
configured through ``hardware.devices`` as a technician would. Then ``run_pos.compose``
builds the real app exactly as ``python run_pos.py`` does (the sync agent starts as a
child process) and the scenario drives it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "sync"))
sys.path.insert(0, str(ROOT))

from central_fixture import Template, copy_database  # noqa: E402

SHOTS = ROOT / "artifacts" / "screenshots" / "pos"


class CentralProcess:
    """Central as its own process (``python -m central serve``), as in a store: its work
    never competes with the till's main thread. Stop and start it on the same port."""

    def __init__(self, db_path: Path) -> None:
        import socket

        self.db_path = db_path
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        import requests

        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "central", "serve", "--db", str(self.db_path),
                                      "--port", str(self.port)], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"central did not start on port {self.port}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def db(self):
        from central.storage import connect

        return connect(self.db_path, migrate_schema=False)


@dataclass
class Till:
    """Everything the scenario and the checks after it need."""

    workdir: Path
    db: Path
    store: str
    central: CentralProcess
    printer: object
    payment: object
    scanner: object
    pickup: dict = field(default_factory=dict)   # the web order placed for collection, to pay at pickup
    prepaid: dict = field(default_factory=dict)  # one paid online
    composition: object = None

    @property
    def app(self):
        return self.composition.app

    def conn(self):
        from retail.store import connect

        return connect(self.db, migrate_schema=False)

    def sync_once(self) -> None:
        from sync.agent import Agent

        agent = Agent(self.db)
        try:
            agent.cycle()
        finally:
            agent.close()

    def close(self) -> None:
        if self.composition is not None:
            self.composition.close()
        for device in (self.scanner, self.printer, self.payment):
            if device is not None:
                (getattr(device, "close", None) or device.stop)()
        self.central.stop()


def web_order(central_db: Path, store: str, sku: str, *, prepaid: bool) -> dict:
    """Place a click-and-collect web order at central, as the online shop would."""
    args = [sys.executable, "-m", "central", "web-order", "--db", str(central_db), "--item", f"{sku}:2",
            "--pickup", store, "--name", "Ольга Иванова", "--phone", "+7 916 555-44-33", "--json"]
    if not prepaid:
        args.append("--pay-on-pickup")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def till(workdir: str, template: Template, *, scanner: bool = True, payment_options: dict | None = None,
         pickup_order: bool = True, synced: bool = True, shots: Path = SHOTS) -> Till:
    """Build a store around one till (see the module docstring) and compose the app.

    ``synced=False`` leaves the first full sync to the agent the app starts.
    """
    import faulthandler

    import run_pos

    # A run that hangs prints every thread's stack and ends, instead of holding the suite.
    faulthandler.dump_traceback_later(420, exit=True, file=sys.__stderr__)
    run_pos.configure_kivy()
    from hardware import devices
    from hardware.emulator.escpos_printer import EscposPrinterEmulator
    from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
    from hardware.emulator.serial_scanner import EmulatedSerialScanner
    from sync.__main__ import main as sync_main

    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    central_db = work / "central.db"
    copy_database(template.path, central_db)
    central = CentralProcess(central_db)
    store = template.home
    db = work / f"{store}-P1.db"
    assert sync_main(["register", "--db", str(db), "--central", central.url, "--store", store, "--terminal", "P1",
                      "--token", template.tokens[(store, "P1")], "--kind", "pos"]) == 0
    pickup, prepaid = {}, {}
    if pickup_order:
        with central.db() as conn:
            skus = [r[0] for r in conn.execute("SELECT p.sku FROM products p WHERE p.unit = 'pcs' AND p.active = 1 "
                                               "ORDER BY p.sku LIMIT 2 OFFSET 3")]
        pickup = web_order(central_db, store, skus[0], prepaid=False)
        prepaid = web_order(central_db, store, skus[1], prepaid=True)
    printer = EscposPrinterEmulator(port=0, out_dir=work / "receipts").start()
    terminal = EmulatedPaymentTerminal().start()
    serial = EmulatedSerialScanner() if scanner else None
    t = Till(work, db, store, central, printer, terminal, serial, pickup, prepaid)
    if synced:
        t.sync_once()
    conn = devices.open_store(db)
    try:
        devices.configure(conn, "printer", printer.spec, {"timeout_s": 3})
        devices.configure(conn, "drawer", "printer")
        devices.configure(conn, "payment", f"tcp:127.0.0.1:{terminal.port}",
                          payment_options or {"timeout_s": 3, "decision_timeout_s": 5, "recovery_s": 2})
        if serial is not None:
            devices.configure(conn, "scanner", f"serial:{serial.device}:9600")
    finally:
        conn.close()
    args = run_pos.parse_args(["--db", str(db), "--screenshots", str(shots)])
    t.composition = run_pos.compose(args)
    return t


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
