"""The fault rig: a real central on 127.0.0.1, registered terminal stores, the agent as a process.

Everything here is what an operator or the product itself does, so a fault suite breaks
the real thing and not a model of it:

* :func:`build_template` seeds a small demo chain with ``python -m central seed`` and adds
  terminals with ``python -m central terminal add`` (a suite that rotates terminals asks
  for many); :func:`copy_database` copies it (WAL included) for each run.
* :class:`Central` serves a copy over HTTP on 127.0.0.1: uvicorn in a thread of this
  process (cheap; stop and start again on the same port = central "down"), or with
  ``process=True`` ``python -m central serve`` as a child that :meth:`Central.kill`
  can SIGKILL.
* :func:`register` makes a terminal's local store with ``python -m sync register``.
* :func:`start_agent` / :func:`agent_once` run ``python -m sync run`` / ``once`` as child
  processes; ``crash_at`` arms a crash point (:mod:`retail.crashpoints`) in the child, so
  it SIGKILLs itself at a named place in the code, and :func:`kill` does it from outside.

tests/sync's fixtures are thin pytest wrappers around these (the tests import from here,
never the other way round: suites are product code and run without pytest).
"""
from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from retail.crashpoints import ENV_VAR as CRASH_ENV

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SEED = {"skus": 60, "stores": 2, "customers": 12, "seed": 7}
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
ENV.pop(CRASH_ENV, None)
# Children are started by the thousand: let them keep compiled modules (outside the tree).
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
ENV.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "vitrina-faults-pycache"))
# The terminals every template has: (store index, terminal, kind).
BASE_TERMINALS = ((0, "P1", "pos"), (0, "K1", "kiosk"), (1, "P1", "pos"))


class RigError(RuntimeError):
    """The rig could not be set up (a command failed, central did not start): not a finding."""


def run_cli(*args: str, timeout: float = 120, check: bool = True, input: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m <args>`` from the repository root; output captured as text."""
    proc = subprocess.run([PYTHON, "-m", *args], cwd=ROOT, env=env or ENV, capture_output=True, text=True,
                          timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise RigError(f"python -m {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, step: float = 0.02,
             what: str = "condition"):
    """Poll ``predicate`` until it returns something true; RigError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise RigError(f"timed out after {timeout:.0f} s waiting for {what}")


# ---------------------------------------------------------------- the seeded chain


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
    """``python -m central terminal add``; returns the token it printed."""
    out = run_cli("central", "terminal", "add", "--db", str(db), "--store", store, "--terminal", terminal,
                  "--kind", kind)
    return out.stdout.strip().splitlines()[-1]


def build_template(directory: Path, *, extra_pos: int = 0) -> Template:
    """Seed the small chain into ``directory`` and add its terminals.

    Besides :data:`BASE_TERMINALS`, ``extra_pos`` more tills of the first store
    (T01, T02, ...) for suites that give each case a fresh terminal.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "central-template.db"
    out = run_cli("central", "seed", "--db", str(path), *(f"--{k}={v}" for k, v in SEED.items()), timeout=300)
    stores = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    if len(stores) < 2:
        raise RigError(f"central seed printed no stores: {out.stdout!r} {out.stderr!r}")
    wanted = [(stores[i], t, kind) for i, t, kind in BASE_TERMINALS]
    wanted += [(stores[0], f"T{n:02d}", "pos") for n in range(1, extra_pos + 1)]
    tokens = {(store, terminal): terminal_add(path, store, terminal, kind) for store, terminal, kind in wanted}
    return Template(path, stores, tokens)


def copy_database(src: Path, dst: Path) -> None:
    """A consistent copy (WAL included) through SQLite's backup API."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        with b:
            a.backup(b)
    finally:
        a.close()
        b.close()


def _bind(port: int, deadline: float) -> socket.socket:
    while True:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            return sock
        except OSError:  # the port of the previous run is still closing
            sock.close()
            if time.monotonic() > deadline:
                raise RigError(f"port {port} on 127.0.0.1 stays busy") from None
            time.sleep(0.1)


class Central:
    """One running central over the database at ``db_path`` (a copy of a :class:`Template`)."""

    def __init__(self, db_path: Path, template: Template, *, process: bool = False,
                 log: Path | None = None) -> None:
        self.db_path = Path(db_path)
        self.stores = template.stores
        self.tokens = dict(template.tokens)
        self.process = process
        self.log = log or self.db_path.with_suffix(".log")
        self.port = 0
        self.clock_offset = 0.0
        self.server = None
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _clock(self) -> float:
        return time.time() + self.clock_offset

    def start(self) -> None:
        """Serve on ``self.port`` (a free one the first time); returns when it answers."""
        if self.process:
            self._start_process()
        else:
            self._start_thread()

    def _start_thread(self) -> None:
        """uvicorn in a thread, like ``central.api.serve_in_background``, but the socket is
        made with ``IPPROTO_TCP``: asyncio only sets TCP_NODELAY on connections accepted from
        such a socket, and without it every answer waits ~40 ms for a delayed ACK (Nagle)."""
        import uvicorn

        from central.api.app import create_app

        deadline = time.monotonic() + 10
        sock = _bind(self.port, deadline)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.db_path, clock=self._clock), log_level="warning", access_log=False,
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True,
                                       name="central-uvicorn")
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RigError("central did not start")
            time.sleep(0.02)

    def _start_process(self) -> None:
        if not self.port:
            sock = _bind(0, time.monotonic() + 10)
            self.port = sock.getsockname()[1]
            sock.close()
        deadline = time.monotonic() + 60
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([PYTHON, "-m", "central", "serve", "--db", str(self.db_path), "--host",
                                          "127.0.0.1", "--port", str(self.port)], cwd=ROOT, env=ENV,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        while True:
            if self.proc.poll() is not None:
                raise RigError(f"central exited at start with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RigError(f"central did not answer on {self.url}; see {self.log}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop serving (gracefully); :meth:`start` serves again on the same port."""
        if self.server is not None:
            self.server.should_exit = True
            self.thread.join(10)
            self.server = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None

    def kill(self) -> None:
        """SIGKILL central's process (``process=True`` only): a power cut at HQ."""
        if self.proc is None:
            raise RigError("only a central started with process=True can be killed")
        kill(self.proc)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def db(self) -> sqlite3.Connection:
        """A connection to central's database (central's own storage layer)."""
        from central.storage import connect

        return connect(self.db_path, migrate_schema=False)

    def token(self, store: str, terminal: str) -> str:
        return self.tokens[(store, terminal)]

    def revoke(self, store: str, terminal: str) -> None:
        run_cli("central", "terminal", "revoke", "--db", str(self.db_path), "--store", store, "--terminal", terminal)


# ---------------------------------------------------------------- terminals


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

    def cli(self, *args: str, check: bool = True, timeout: float = 120,
            crash_at: str | None = None) -> subprocess.CompletedProcess:
        """``python -m sync <args> --db <this store>`` to its end."""
        return run_cli("sync", *args, "--db", str(self.db_path), check=check, timeout=timeout,
                       env=child_env(crash_at))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def register(directory: Path, central: Central, store: str, terminal: str, *, url: str | None = None,
             token: str | None = None) -> Terminal:
    """A new local store for ``store``/``terminal`` registered with ``central`` (not yet synced)."""
    from sync.__main__ import main

    db = Path(directory) / f"{store}-{terminal}.db"
    kind = "kiosk" if terminal.startswith("K") else "pos"
    # "--token=..." keeps a token that starts with "-" from being read as an option
    with contextlib.redirect_stdout(io.StringIO()):   # "registered ..." is for the technician
        code = main(["register", "--db", str(db), "--central", url or central.url, "--store", store,
                     "--terminal", terminal, f"--token={token or central.token(store, terminal)}", "--kind", kind])
    if code != 0:
        raise RigError(f"python -m sync register for {store}/{terminal} exited {code}")
    return Terminal(db, store, terminal, url or central.url)


# ---------------------------------------------------------------- child processes


def child_env(crash_at: str | None = None, **extra: str) -> dict[str, str]:
    """The children's environment; ``crash_at`` arms a crash point (see retail.crashpoints)."""
    env = dict(ENV)
    if crash_at:
        env[CRASH_ENV] = crash_at
    env.update(extra)
    return env


def start_agent(term: Terminal, *args: str, crash_at: str | None = None, command: str = "run",
                log: Path | None = None) -> subprocess.Popen:
    """``python -m sync <command> --db ...`` as a child (default ``run``); output to ``log`` or dropped."""
    out = open(log, "ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen([PYTHON, "-m", "sync", command, "--db", str(term.db_path), *args], cwd=ROOT,
                                env=child_env(crash_at), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
    finally:
        if log:
            out.close()


def agent_once(term: Terminal, *args: str, crash_at: str | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m sync once`` to its end; returncode -9 when an armed crash point fired."""
    return term.cli("once", *args, check=False, timeout=timeout, crash_at=crash_at)


def kill(proc: subprocess.Popen, timeout: float = 15) -> int:
    """SIGKILL ``proc`` (if still running) and reap it; returns its exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout)


def stop(proc: subprocess.Popen, timeout: float = 15) -> int:
    """SIGTERM ``proc`` and wait; SIGKILL when it does not end in ``timeout`` s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        return kill(proc)


def converge(term: Terminal, *, attempts: int = 5, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m sync once`` until a cycle succeeds with nothing left pending.

    This is what the running agent does on its own after a crash (its next cycle); a
    suite calls it instead of waiting for the agent's interval. RigError when it never
    gets there (that is then a finding for the suite to report).
    """
    last = None
    for _ in range(attempts):
        last = agent_once(term, timeout=timeout)
        if last.returncode == 0 and not _pending(term):
            return last
    raise RigError(f"the agent did not converge in {attempts} cycles: exit {last.returncode}, "
                   f"{_pending(term)} events pending; {last.stderr.strip()[-400:]}")


def converge_running(term: Terminal, *, attempts: int = 5, timeout: float = 60, log: Path | None = None) -> int:
    """Start the long-running agent (``python -m sync run``) as a supervisor would after a crash,
    wait until one of its cycles ends clean with nothing pending, then stop it (SIGTERM).

    Each try is a sync request (the manager's "Sync now"), so a failed cycle is followed
    by another without waiting out the backoff. Returns how many cycles it took; RigError
    when it never converges or does not stop cleanly.
    """
    from sync.state import request_result, request_sync

    rid = request_sync(term.conn, "fault suite")    # asked before it starts: its first cycle answers
    agent = start_agent(term, "--interval", "3600", log=log)
    try:
        for n in range(1, attempts + 1):
            if n > 1:
                rid = request_sync(term.conn, "fault suite")
            row = wait_for(lambda: (r := request_result(term.conn, rid)) is not None and r["done_at"] and r,
                           timeout=timeout, what="the running agent to finish a requested cycle")
            if str(row["result"]).startswith("ok") and not _pending(term):
                break
        else:
            raise RigError(f"the running agent did not converge in {attempts} cycles: {row['result']}, "
                           f"{_pending(term)} events pending")
    except BaseException:
        kill(agent)
        raise
    code = stop(agent)
    if code != 0:
        raise RigError(f"the running agent exited {code} on SIGTERM instead of 0")
    return n


def _pending(term: Terminal) -> int:
    return term.conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]


def stores_of(template: Template, prefix: str = "T") -> Iterable[tuple[str, str]]:
    """The (store, terminal) pairs of the template's extra tills (``build_template(extra_pos=...)``)."""
    return sorted(k for k in template.tokens if k[1].startswith(prefix))
