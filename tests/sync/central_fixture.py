"""A real central for sync, app and fault tests: seeded, with terminals, over HTTP on 127.0.0.1.

The demo chain is seeded once per test session with ``python -m central seed`` (small:
a few dozen SKUs, two stores) and its terminals are added with ``python -m central
terminal add``, exactly as an operator would. Each test gets a copy of that database and
its own central (uvicorn in a thread, on a free port), which it can stop and start again
on the same port (central "down"), give another clock (skew), or change directly
(:meth:`Central.db`) to make it serve new or bad data.

Reuse from another test folder::

    sys.path.insert(0, str(Path(__file__).parents[1] / "sync"))
    from central_fixture import central, central_template, terminals  # noqa: F401  (fixtures)

``terminals`` makes registered local stores (:class:`Terminal`) of those terminals.
"""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SEED = {"skus": 60, "stores": 2, "customers": 12, "seed": 7}
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def run_cli(*args: str, timeout: float = 120, check: bool = True, input: str | None = None
            ) -> subprocess.CompletedProcess:
    """``python -m <args>`` from the repository root; output captured as text."""
    proc = subprocess.run([PYTHON, "-m", *args], cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"python -m {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


@dataclass(frozen=True)
class Template:
    path: Path
    stores: list[str]
    tokens: dict[tuple[str, str], str]

    @property
    def home(self) -> str:
        return self.stores[0]

    @property
    def other(self) -> str:
        return self.stores[1]


def terminal_add(db: Path, store: str, terminal: str, kind: str) -> str:
    out = run_cli("central", "terminal", "add", "--db", str(db), "--store", store, "--terminal", terminal,
                  "--kind", kind)
    return out.stdout.strip().splitlines()[-1]


def build_template(directory: Path) -> Template:
    path = directory / "central-template.db"
    out = run_cli("central", "seed", "--db", str(path), *(f"--{k}={v}" for k, v in SEED.items()), timeout=300)
    stores = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    assert len(stores) >= 2, f"seed printed no stores: {out.stdout!r} {out.stderr!r}"
    tokens = {}
    for store, terminal, kind in ((stores[0], "P1", "pos"), (stores[0], "K1", "kiosk"), (stores[1], "P1", "pos")):
        tokens[(store, terminal)] = terminal_add(path, store, terminal, kind)
    return Template(path, stores, tokens)


def copy_database(src: Path, dst: Path) -> None:
    """A consistent copy (WAL included) through SQLite's backup API."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


class Central:
    """One running central over a copy of the seeded chain."""

    def __init__(self, db_path: Path, template: Template) -> None:
        self.db_path = db_path
        self.stores = template.stores
        self.tokens = dict(template.tokens)
        self.port = 0
        self.clock_offset = 0.0
        self.server = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _clock(self) -> float:
        return time.time() + self.clock_offset

    def start(self) -> None:
        """Serve on ``self.port`` (a free one the first time) in a thread; returns when it answers.

        Like ``central.api.serve_in_background``, but the listening socket is made with
        ``IPPROTO_TCP``: asyncio only sets TCP_NODELAY on connections accepted from such a
        socket, and without it every answer waits ~40 ms for a delayed ACK (Nagle).
        """
        import uvicorn

        from central.api.app import create_app

        deadline = time.monotonic() + 10
        while True:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", self.port))
                break
            except OSError:  # the port of the previous run is still closing
                sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.db_path, clock=self._clock), log_level="warning", access_log=False,
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True,
                                       name="central-uvicorn")
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("central did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            self.thread.join(10)
            self.server = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def db(self):
        """A connection to central's database (central's own storage layer)."""
        from central.storage import connect

        return connect(self.db_path, migrate_schema=False)

    def token(self, store: str, terminal: str) -> str:
        return self.tokens[(store, terminal)]

    def revoke(self, store: str, terminal: str) -> None:
        run_cli("central", "terminal", "revoke", "--db", str(self.db_path), "--store", store, "--terminal", terminal)


@dataclass
class Terminal:
    """A registered local store of one terminal."""

    db_path: Path
    store: str
    terminal: str
    central_url: str
    _conn: sqlite3.Connection | None = field(default=None, repr=False)

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            from retail.store import connect

            self._conn = connect(self.db_path)
        return self._conn

    def agent(self, **kwargs):
        from sync.agent import Agent

        return Agent(self.db_path, **kwargs)

    def sync(self, **kwargs):
        """One full cycle in this process; returns the CycleReport (raises on failure)."""
        agent = self.agent(**kwargs)
        try:
            return agent.cycle()
        finally:
            agent.close()

    def cli(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        return run_cli("sync", *args, "--db", str(self.db_path), check=check, timeout=timeout)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@pytest.fixture(scope="session")
def central_template(tmp_path_factory) -> Template:
    return build_template(tmp_path_factory.mktemp("central-template"))


@pytest.fixture
def central(tmp_path, central_template):
    path = tmp_path / "central.db"
    copy_database(central_template.path, path)
    running = Central(path, central_template)
    yield running
    running.stop()


@pytest.fixture
def terminals(tmp_path, central):
    """``terminals(store, terminal, url=None)`` -> a registered :class:`Terminal` (not yet synced)."""
    made: list[Terminal] = []

    def make(store: str, terminal: str, *, url: str | None = None, token: str | None = None) -> Terminal:
        from sync.__main__ import main

        db = tmp_path / f"{store}-{terminal}.db"
        kind = "kiosk" if terminal.startswith("K") else "pos"
        code = main(["register", "--db", str(db), "--central", url or central.url, "--store", store,
                     "--terminal", terminal, f"--token={token or central.token(store, terminal)}", "--kind", kind])
        assert code == 0
        t = Terminal(db, store, terminal, url or central.url)
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()
