"""The app figures' display: the one that is set, else a virtual one started and stopped."""
from __future__ import annotations

import os
import subprocess

import pytest

from bench import display as bench_display
from bench.harness import BenchError


def test_an_existing_display_is_used_as_it_is(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":4242")
    with bench_display.display() as screen:
        assert screen == ":4242"


def test_without_a_display_xvfb_is_started_and_stopped(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    with bench_display.display() as screen:
        assert screen.startswith(":") and screen[1:].isdigit()
        probe = subprocess.run(["xdpyinfo"], env={**os.environ, "DISPLAY": screen}, capture_output=True, text=True) \
            if _has("xdpyinfo") else None
        if probe is not None:
            assert "1280x800" in probe.stdout
        socket = f"/tmp/.X11-unix/X{screen[1:]}"
        assert os.path.exists(socket)
    assert not os.path.exists(socket)  # Xvfb was stopped and removed its socket


def test_without_a_display_or_xvfb_the_message_says_what_to_install(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setattr(bench_display.shutil, "which", lambda _name: None)
    with pytest.raises(BenchError, match="install the xvfb package"):
        with bench_display.display():
            pass


def _has(tool: str) -> bool:
    import shutil

    return shutil.which(tool) is not None
