"""A display for the app figures: the one we run under, or a virtual one (Xvfb) started for the run.

The apps' figures (first frame, scan to line, search per keystroke, stalls) need a real
window. On a terminal or a desktop ``DISPLAY`` is set and used as it is; on a machine
with no screen (CI, a build server) the bench starts ``Xvfb`` for the length of the run,
the same virtual display the GUI tests and the demo use. Under Xvfb, OpenGL is Mesa's
software renderer (llvmpipe): every frame is drawn by the CPU, which the figures' notes say.
"""
from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator

from .harness import BenchError

SCREEN = "1280x800x24"
START_S = 10.0


@contextlib.contextmanager
def display() -> Iterator[str]:
    """Yield the ``DISPLAY`` to open windows on; start Xvfb (and stop it after) when there is none."""
    existing = os.environ.get("DISPLAY")
    if existing:
        yield existing
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise BenchError("no display (DISPLAY is unset) and no Xvfb to start one: install the xvfb package "
                         "(bash scripts/setup.sh does) or run the bench on a desktop")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", SCREEN, "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        number = _read_display_number(read_fd, proc)
        yield f":{number}"
    finally:
        os.close(read_fd)
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _read_display_number(fd: int, proc: subprocess.Popen) -> str:
    """Xvfb writes the display number it took to ``-displayfd`` once it accepts clients."""
    deadline = time.monotonic() + START_S
    got = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 64)
            got += chunk
            if got.endswith(b"\n") or not chunk:
                break
        if proc.poll() is not None:
            break
    number = got.decode("ascii", "replace").strip()
    if not number.isdigit():
        proc.kill()
        raise BenchError(f"Xvfb did not start (exit code {proc.poll()}, said {number!r})")
    return number
