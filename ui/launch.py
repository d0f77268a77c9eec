"""What both composition roots (``run_pos.py``, ``run_kiosk.py``) start and stop alike.

The app and its sync agent are separate processes that share nothing but the terminal's
database, so a crash of one never stops the other. :class:`Composition` holds what a
root started so it can be stopped in order.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AGENT_NICE = 19  # the agent is background work: the person at the screen gets the CPU first


@dataclass
class Composition:
    """Everything a root's ``compose`` started, so it can be stopped in order."""

    app: object
    services: object
    queue: object = None
    payment: object = None
    agent: subprocess.Popen | None = None
    problems: list[str] = field(default_factory=list)

    def close(self) -> None:
        if self.agent is not None and self.agent.poll() is None:
            self.agent.send_signal(signal.SIGTERM)
            try:
                self.agent.wait(10)
            except subprocess.TimeoutExpired:
                self.agent.kill()
                self.agent.wait(5)
        if self.queue is not None:
            self.queue.close()
        close = getattr(self.payment, "close", None)
        if close is not None:
            close()
        self.services.close()


def kivy_settings() -> None:
    """What both apps set alike before ``kivy.clock`` and ``kivy.core.window`` are imported.

    - The ``free_all`` clock: a result another thread hands over (a query from the worker,
      a serial scan, the card terminal's state) runs as soon as it is scheduled with
      :func:`ui.worker.call_soon`, instead of at the next frame's tick up to 16 ms later;
      animations and layout still run at the frame rate.
    - No multisampling. These screens draw axis-aligned rectangles (a few with small
      rounded corners) and text, which antialiasing barely changes; Kivy's default of 2
      samples doubled what a frame costs a renderer without a GPU (the POS's sale screen:
      30 ms to 11-15 ms under Xvfb's software OpenGL).
    """
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    Config.set("kivy", "kivy_clock", "free_all")
    Config.set("graphics", "multisamples", "0")


def _lower_priority() -> None:
    try:
        os.nice(AGENT_NICE)
    except OSError:  # not allowed here: the agent runs at normal priority
        pass


def start_agent(db: Path) -> subprocess.Popen:
    """The sync agent as a child process (its output in ``<db>.agent.log``); it runs until the app ends it.

    It runs at a lower CPU priority (``nice``): a full catalogue load is minutes of CPU work
    that can wait a few milliseconds, a finger on the screen cannot. The app and the agent
    share nothing but the database (WAL: the app's reads never wait for the agent's writes).
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log_file = open(Path(str(db) + ".agent.log"), "ab")  # noqa: SIM115  (the child keeps it)
    try:
        return subprocess.Popen([sys.executable, "-m", "sync", "run", "--db", str(db)], cwd=ROOT, env=env,
                                stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                preexec_fn=_lower_priority if os.name == "posix" else None)
    finally:
        log_file.close()
