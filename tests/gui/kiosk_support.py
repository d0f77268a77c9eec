"""What the kiosk GUI tests share: a real central, registered and synced kiosk stores, device
emulators, and running the real app (``run_kiosk.compose``) with a scenario in its own process.

The chain is the demo generator's (three stores so that another store takes pickups),
seeded into central with ``python -m central seed`` once per session; each test gets a
copy of it served by its own central on 127.0.0.1 (``tests/sync/central_fixture.py``).
A kiosk store is registered with ``python -m sync register`` and synced by the real
agent. The facts the scenarios need (a card, a ready order and its code) are computed
from the same demo chain and handed to the app process in a JSON file, as the demo does.

Screenshots go to ``artifacts/screenshots/kiosk/<test>/``.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "sync"))

from central_fixture import Central, Terminal, copy_database, run_cli, terminal_add  # noqa: E402

SHOTS = ROOT / "artifacts" / "screenshots" / "kiosk"
CHAIN = {"skus": 300, "stores": 3, "customers": 30, "seed": 7}


class ChainTemplate:
    def __init__(self, path: Path, stores: list[str], tokens: dict, now: int) -> None:
        self.path, self.stores, self.tokens, self.now = path, stores, tokens, now

    @property
    def home(self) -> str:
        return self.stores[0]


def build_chain(directory: Path) -> ChainTemplate:
    """Seed central with the demo chain (fixed ``--now`` so the chain can be regenerated) and add terminals."""
    import time

    now = int(time.time()) // 3600 * 3600
    path = directory / "central-kiosk.db"
    out = run_cli("central", "seed", "--db", str(path), *(f"--{k}={v}" for k, v in CHAIN.items()),
                  f"--now={now}", timeout=300)
    stores = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    tokens = {}
    for terminal, kind in (("K1", "kiosk"), ("P1", "pos")):
        tokens[(stores[0], terminal)] = terminal_add(path, stores[0], terminal, kind)
    return ChainTemplate(path, stores, tokens, now)


def demo_chain(template: ChainTemplate):
    from retail.demo import DemoChain

    return DemoChain(now=template.now, **CHAIN)


def start_central(tmp_path: Path, template: ChainTemplate) -> Central:
    path = tmp_path / "central.db"
    copy_database(template.path, path)
    return Central(path, template)


def register(tmp_path: Path, central: Central, store: str, terminal: str, *, sync: bool = True) -> Terminal:
    from sync.__main__ import main

    db = tmp_path / f"{store}-{terminal}.db"
    kind = "kiosk" if terminal.startswith("K") else "pos"
    # "--token=..." keeps a token that starts with "-" from being read as an option
    code = main(["register", "--db", str(db), "--central", central.url, "--store", store, "--terminal", terminal,
                 f"--token={central.token(store, terminal)}", "--kind", kind])
    assert code == 0
    t = Terminal(db, store, terminal, central.url)
    if sync:
        t.sync()
    return t


def write_facts(template: ChainTemplate, terminal: Terminal, path: Path, **extra) -> Path:
    from kiosk.demo_script import facts_for, write_facts as write

    facts = facts_for(demo_chain(template), terminal.store, terminal.conn)
    facts.update(extra)
    return write(path, facts)


def configure(terminal: Terminal, **specs: str) -> None:
    """Point the terminal's devices at emulators: ``configure(t, printer='network:127.0.0.1:9100')``."""
    from hardware import devices

    for kind, spec in specs.items():
        devices.configure(terminal.conn, kind, spec)


def shots_dir(name: str) -> Path:
    path = SHOTS / name
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.png"):
        old.unlink()
    return path


# ---------------------------------------------------------------- the app process


def run_app(db: str, scenario: str, shots: str, facts: str | None = None, idle: float = 90.0,
            agent: bool = False, serial_scanner: bool = False, camera: bool = False,
            measure_stalls: bool = False, timeout: float = 300.0):
    """In the app's own process: compose the kiosk as ``run_kiosk.py`` does and run ``scenario``.

    ``scenario`` is ``module:function`` of a generator ``f(app, d)``. With
    ``serial_scanner`` a pty scanner emulator is configured as the kiosk's scanner and
    put on ``app.test_scanner`` (``.send(code)`` scans through the real serial reader).
    """
    import importlib

    os.environ["VITRINA_SCREENSHOTS"] = shots
    if facts:
        os.environ["VITRINA_DEMO_FACTS"] = facts
    import run_kiosk

    run_kiosk.configure_kivy(False)
    emulator = None
    if serial_scanner:
        from hardware import devices
        from hardware.emulator.serial_scanner import EmulatedSerialScanner

        emulator = EmulatedSerialScanner(aim=True)
        conn = devices.open_store(db)
        try:
            devices.configure(conn, "scanner", f"serial:{emulator.device}:9600")
        finally:
            conn.close()
    argv = ["--db", db, "--windowed", "--idle", str(idle)]
    if not agent:
        argv.append("--no-agent")
    if camera:
        argv += ["--camera", "0"]
    args = run_kiosk.parse_args(argv)
    args.screenshots = Path(shots)
    parts = run_kiosk.compose(args)
    parts.app.test_scanner = emulator
    parts.app.kiosk_mode = True  # as full screen: the window refuses to close, only a technician exits
    module, _, name = scenario.partition(":")
    fn = getattr(importlib.import_module(module), name)
    from ui.driver import run_scenario

    try:
        outcome = run_scenario(parts.app, fn, timeout=timeout, measure_stalls=measure_stalls)
        outcome.notes["first_frame_s"] = parts.app.first_frame_s
        outcome.notes["problems"] = parts.problems
    finally:
        parts.close()
        if emulator is not None:
            emulator.close()
    return outcome


def launch(db: Path, scenario: str, shots: Path, **kwargs):
    """Run the app with ``scenario`` in a fresh process (Kivy allows one window per process)."""
    from ui.driver import run_in_process

    outcome = run_in_process("kiosk_support:run_app", timeout=kwargs.pop("process_timeout", 420), db=str(db),
                             scenario=scenario, shots=str(shots), **kwargs)
    assert outcome.ok, outcome.error
    return outcome


@pytest.fixture(scope="session")
def chain_template(tmp_path_factory) -> ChainTemplate:
    return build_chain(tmp_path_factory.mktemp("kiosk-chain"))


@pytest.fixture
def central(tmp_path, chain_template):
    running = start_central(tmp_path, chain_template)
    yield running
    running.stop()
