"""What both apps set before Kivy starts (``ui.launch.kivy_settings``), seen in a real window.

- No multisampling: the window's GL context has no sample buffers. Kivy's default of 2
  samples doubled the cost of every frame under software OpenGL.
- The ``free_all`` clock: a result handed over from another thread with
  ``ui.worker.call_soon`` runs at once, not at the next frame. The window runs at 2 frames
  a second here, so a callback that waited for the next frame would wait 0-500 ms.
"""
import pytest

from ui.driver import run_in_process

pytestmark = pytest.mark.gui

SLOW_FPS = 2
TRIALS = 8


def settings_in_a_window():
    from ui.launch import kivy_settings

    kivy_settings()
    from kivy.config import Config

    Config.set("graphics", "maxfps", str(SLOW_FPS))
    import threading
    import time

    from kivy.clock import Clock
    from kivy.uix.label import Label

    from ui.app import TerminalApp
    from ui.driver import run_scenario
    from ui.worker import call_soon

    class One(TerminalApp):
        def build(self):
            return Label(text="call_soon")

    waits: list[float] = []

    def trials() -> None:
        for n in range(TRIALS):
            # The stimulus, not a wait for anything: hand-overs 0.2-0.55 s apart fall at different
            # points of the 500 ms frames, as a worker's answers would.
            time.sleep(0.2 + 0.05 * n)
            ran = threading.Event()
            handed = time.monotonic()
            call_soon(lambda: (waits.append(time.monotonic() - handed), ran.set()))
            ran.wait(5)

    def scenario(app, d):
        from kivy.graphics.opengl import GL_SAMPLES, glGetIntegerv

        yield 0.5
        d.note("samples", int(glGetIntegerv(GL_SAMPLES)[0]))
        d.note("clock", Config.get("kivy", "kivy_clock"))
        d.note("free", hasattr(Clock, "schedule_once_free"))
        thread = threading.Thread(target=trials, daemon=True)
        thread.start()
        yield d.until(lambda: not thread.is_alive(), 60, "the hand-overs")
        d.note("waits_ms", [round(w * 1000, 1) for w in waits])

    return run_scenario(One(), scenario, timeout=60)


def test_no_multisampling_and_other_threads_results_run_at_once():
    outcome = run_in_process(f"{__name__}:settings_in_a_window", timeout=120)
    assert outcome.ok, outcome.error
    assert outcome.notes["samples"] == 0
    assert outcome.notes["free"], outcome.notes["clock"]
    waits = outcome.notes["waits_ms"]
    assert len(waits) == TRIALS, waits
    # A frame is 500 ms here and the hand-overs fall at points of it 50 ms further on each
    # time: callbacks that waited for the next frame wait 0-500 ms, most of them over 150
    # (on Kivy's default clock: 16-333 ms in one run).
    assert max(waits) < 150, waits
