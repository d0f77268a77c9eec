"""The kiosk cannot be left for the desktop without the technician's PIN.

At the service level (``KioskServices.technician``, what the hidden corner's PIN pad
calls): no PIN, a wrong PIN, a cashier's and a manager's PIN are refused and audited, the
pad locks after the wrong PINs like the till's, and only the technician's PIN returns a
member; the audit row for leaving is refused for anyone but an active technician. In
the real app under a virtual display (kiosk mode, as full screen): the window's close
request, Escape and F1 (Kivy's settings panel, which can switch "exit on Escape" back on)
do nothing, the corner's pad refuses those PINs with the app still running, and the
technician's PIN leaves. tests/gui/test_kiosk_handoff_pickup.py walks the same exit
once inside a longer day; tests/kiosk/test_kiosk_gesture_qr.py holds the gesture's maths.
"""
from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

import pytest
from pin_search import pin_in

from kiosk.gesture import CornerTaps
from kiosk.services import KioskServices
from retail import staff
from retail.demo import DemoChain
from retail.demo.load import load_store
from ui.services import ServiceError

pytestmark = pytest.mark.security

NOW = (int(time.time()) // 3600) * 3600
PINS = {"cashier": "1111", "manager": "2222", "technician": "9999"}


@pytest.fixture(scope="module")
def chain() -> DemoChain:
    return DemoChain(now=NOW, seed=7, skus=60, stores=1, customers=5)


@pytest.fixture(scope="module")
def template(tmp_path_factory, chain):
    path = tmp_path_factory.mktemp("kiosk-exit") / "MSK1-K1.db"
    load_store(path, chain, chain.store_ids[0], terminal_id="K1")
    return path


@pytest.fixture
def store(tmp_path, template):
    path = tmp_path / "kiosk.db"
    with sqlite3.connect(template) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return path


@pytest.fixture
def kiosk(store):
    clock = {"now": NOW}
    s = KioskServices(store, clock=lambda: clock["now"])
    s.test_clock = clock
    yield s
    s.close()


def _actions(kiosk):
    return [r[0] for r in kiosk.conn.execute("SELECT action FROM audit ORDER BY at, rowid")]


# ---------------------------------------------------------------- services and gesture


@pytest.mark.parametrize("pin, message", [
    ("", "Wrong PIN"), ("0000", "Wrong PIN"), ("12", "Wrong PIN"), ("9999\n", "Wrong PIN"), ("٩٩٩٩", "Wrong PIN"),
    (PINS["cashier"], "Only a technician can do this"), (PINS["manager"], "Only a technician can do this"),
])
@pytest.mark.parametrize("action", ["exit_kiosk", "kiosk_technician_screen"])
def test_only_the_technician_pin_gets_past_the_corner(kiosk, pin, message, action):
    taps = CornerTaps()
    assert [taps.tap(t * 0.3) for t in range(5)] == [False] * 4 + [True]  # the pad opens
    with pytest.raises(ServiceError) as caught:
        kiosk.technician(pin, action)
    assert caught.value.message == message
    assert action not in _actions(kiosk)
    if message.startswith("Only"):
        row = kiosk.conn.execute("SELECT details FROM audit WHERE action = 'kiosk_exit_denied'").fetchone()
        assert action in row[0] and not pin_in(row[0], pin)
    member = kiosk.technician(PINS["technician"], action)
    assert member.role == "technician" and _actions(kiosk)[-1] == action


def test_wrong_pins_lock_the_corner_pad_even_for_the_technician(kiosk):
    for _ in range(4):
        with pytest.raises(ServiceError, match="Wrong PIN"):
            kiosk.technician("0000", "exit_kiosk")
    with pytest.raises(ServiceError, match="locked"):
        kiosk.technician("0001", "exit_kiosk")
    with pytest.raises(ServiceError, match="locked"):
        kiosk.technician(PINS["technician"], "exit_kiosk")
    assert "exit_kiosk" not in _actions(kiosk)
    kiosk.test_clock["now"] = NOW + 301
    assert kiosk.technician(PINS["technician"], "exit_kiosk").role == "technician"


def test_the_pad_only_grants_the_kiosks_own_actions(kiosk):
    with pytest.raises(ServiceError):
        kiosk.technician(PINS["technician"], "refund")
    assert "refund" not in _actions(kiosk)


def test_leaving_from_the_technician_screen_is_for_a_technician_only(kiosk, chain):
    people = {row["role"]: row["id"] for row, _pin in chain.staff_pins(chain.store_ids[0]) if row["active"]}
    for who in (people["cashier"], people["manager"], "nobody"):
        with pytest.raises((ServiceError, staff.StaffError)):
            kiosk.audit(who, "exit_kiosk")
    assert "exit_kiosk" not in _actions(kiosk)
    kiosk.audit(people["technician"], "exit_kiosk")
    assert _actions(kiosk)[-1] == "exit_kiosk"


# ---------------------------------------------------------------- the real app


def scenario_exit(app, d):
    """In the app's process: nothing but the technician's PIN ends kiosk mode."""
    from kivy.core.window import Window
    from kivy.uix.settings import Settings

    from kiosk.driving import tap_corner

    def still_running() -> bool:
        return app.kiosk_mode and not app.exited and not app._stopped

    yield d.until(lambda: app.current == "attract", 15, "the attract screen")
    assert Window.dispatch("on_request_close") is True, "the window close request was not refused"
    Window.dispatch("on_keyboard", 27, 41, None, [])  # Escape
    Window.dispatch("on_keyboard", 282, 58, None, [])  # F1: Kivy's settings panel
    yield 0.5
    assert still_running()
    assert not any(isinstance(w, Settings) for w in Window.children), "F1 opened Kivy's settings panel"
    for pin in ("", "0000", PINS["cashier"], PINS["manager"]):
        tap_corner(d)
        yield d.until(lambda: app._pad is not None and app._pad.parent is not None, 5, "the PIN pad")
        yield 0.2
        d.tap("choose_exit")
        yield 0.1
        for digit in pin:
            d.tap(text=digit)
        d.tap("ok")
        if pin:
            yield d.until(lambda: bool(app._pad.message), 10, f"PIN {pin!r} to be refused")
        yield 0.3
        assert still_running(), f"PIN {pin!r} left kiosk mode"
        d.note(f"refused {pin or 'empty'}", app._pad.message)
        app._pad.dismiss()
        yield 0.3
    tap_corner(d)
    yield d.until(lambda: app._pad is not None and app._pad.parent is not None, 5, "the PIN pad")
    yield 0.2
    d.tap("choose_exit")
    yield 0.1
    for digit in PINS["technician"]:
        d.tap(text=digit)
    d.tap("ok")
    yield d.until(lambda: app.exited, 10, "the technician's exit")
    d.note("exited", True)


@pytest.mark.gui
@pytest.mark.timeout(240)
def test_the_real_kiosk_refuses_every_way_out_but_the_technician_pin(store, tmp_path):
    gui = str(Path(__file__).resolve().parents[1] / "gui")
    if gui not in sys.path:
        sys.path.insert(0, gui)
    from kiosk_support import launch

    outcome = launch(store, "test_kiosk_exit:scenario_exit", tmp_path / "shots", process_timeout=200)
    assert outcome.notes["exited"] is True
    assert set(outcome.notes) >= {"refused 0000", f"refused {PINS['cashier']}", f"refused {PINS['manager']}"}
    conn = sqlite3.connect(store)
    try:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY at, rowid")]
    finally:
        conn.close()
    assert actions.count("kiosk_exit_denied") == 2 and actions[-1] == "exit_kiosk"


def test_neither_app_opens_kivys_settings_panel():
    """F1 calls ``App.open_settings``; Kivy's own would build its config panel (or, with no
    window yet, raise). Both terminals' apps refuse it; checked in a fresh process because
    importing the apps opens Kivy's window."""
    import subprocess

    code = ("from kiosk.app import KioskApp\nfrom pos.app import PosApp\n"
            "for cls in (KioskApp, PosApp):\n"
            "    app = cls.__new__(cls)\n"
            "    assert cls.use_kivy_settings is False and cls.open_settings(app) is False, cls\n"
            "print('refused')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], timeout=120,
                          capture_output=True, text=True, env={**__import__("os").environ, "KIVY_NO_ARGS": "1"})
    assert done.returncode == 0 and "refused" in done.stdout, done.stderr[-2000:]
