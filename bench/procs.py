"""The processes a bench run starts: commands run to completion, and central's server.

Commands (``python -m central seed``, ``python -m sync once``, ...) are started through
:mod:`bench.spawn`, so their peak memory is their own (see there). Central runs as a
real uvicorn server process (``python -m central serve``) on 127.0.0.1; its peak memory
is the ``VmHWM`` line of ``/proc/<pid>/status``, read just before it is stopped.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .harness import BenchError

ROOT = Path(__file__).resolve().parents[1]


def child_env() -> dict[str, str]:
    """This environment with the repository importable (the bench may run from elsewhere)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


@dataclass(frozen=True)
class Finished:
    """A command that ran to its end: exit status, wall seconds, peak RSS and its output."""

    argv: tuple[str, ...]
    rc: int
    seconds: float
    maxrss_kb: int
    stdout: str
    stderr: str


class Launcher:
    """Runs commands one at a time through a small :mod:`bench.spawn` process."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self._count = 0
        self._proc = subprocess.Popen([sys.executable, "-m", "bench.spawn"], cwd=ROOT, env=child_env(),
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, *args: str, stdin: str | None = None, timeout: float = 3600, check: bool = True) -> Finished:
        """Run ``python -m <args>`` and wait for it; ``check`` raises on a non-zero exit."""
        self._count += 1
        out, err = self.work / f"cmd{self._count}.out", self.work / f"cmd{self._count}.err"
        argv = [sys.executable, "-m", *args]
        job = {"argv": argv, "cwd": str(ROOT), "env": child_env(), "stdout": str(out), "stderr": str(err),
               "stdin": stdin, "timeout": timeout}
        try:
            self._proc.stdin.write(json.dumps(job) + "\n")
            self._proc.stdin.flush()
            answer = json.loads(self._proc.stdout.readline() or "{}")
        except (OSError, ValueError) as exc:
            raise BenchError(f"the bench's process launcher failed: {exc}") from None
        if "rc" not in answer:
            raise BenchError(f"could not run {' '.join(args)}: {answer.get('error', 'launcher gave no answer')}")
        done = Finished(tuple(argv), answer["rc"], answer["seconds"], answer["maxrss_kb"],
                        out.read_text(errors="replace"), err.read_text(errors="replace"))
        if answer.get("timed_out"):
            raise BenchError(f"`python -m {' '.join(args)}` took longer than {timeout:.0f} s and was stopped")
        if check and done.rc != 0:
            tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-5:]
            raise BenchError(f"`python -m {' '.join(args)}` exited with {done.rc}: " + " | ".join(tail))
        return done

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.stdin.close()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout:
            self._proc.stdout.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vm_hwm_kb(pid: int) -> int | None:
    """Peak resident set of a running process (``VmHWM``), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class CentralServer:
    """``python -m central serve`` on 127.0.0.1 and a free port, until :meth:`stop`."""

    def __init__(self, db: Path, log: Path, *, startup_timeout: float = 120.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.peak_kb: int | None = None
        self._log = open(log, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "central", "serve", "--db", str(db), "--host",
                                      "127.0.0.1", "--port", str(self.port)], cwd=ROOT, env=child_env(),
                                     stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + startup_timeout
        while True:
            if self.proc.poll() is not None:
                self._log.close()
                raise BenchError(f"central exited at start with {self.proc.returncode}; see {log}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise BenchError(f"central did not answer on {self.url} within {startup_timeout:.0f} s; see {log}")
            time.sleep(0.1)

    def current_peak_kb(self) -> int | None:
        peak = vm_hwm_kb(self.proc.pid)
        if peak is not None:
            self.peak_kb = max(self.peak_kb or 0, peak)
        return self.peak_kb

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.current_peak_kb()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
