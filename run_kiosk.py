"""``python run_kiosk.py``: the shopper kiosk, composed from the terminal's local store and its devices.

This is the composition root: it opens the local store, builds the configured devices
(``hardware.devices``: receipt printer and its print queue, scanner, payment terminal;
``--camera`` adds a camera scanner fed from a Kivy camera), starts the sync agent beside
the app as a child process (``python -m sync run --db PATH``; the app and the agent talk
only through the database), builds :class:`kiosk.services.KioskServices` and runs
:class:`kiosk.app.KioskApp` full screen in kiosk mode. A device that is not configured
or cannot be built is left out with a message in the log; the kiosk still works.

    python run_kiosk.py --db var/terminal-kiosk.db
    python run_kiosk.py --db var/demo/MSK1-K1.db --windowed --script shopper --screenshots var/demo/kiosk

Leaving kiosk mode: five taps in the bottom-left corner within 3 s open a PIN pad; only
a technician's PIN exits (audited). ``--windowed`` runs in a window for development.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from ui.launch import Composition, kivy_settings, start_agent

STARTED = time.monotonic()
ROOT = Path(__file__).resolve().parent
DEFAULT_DB = ROOT / "var" / "terminal-kiosk.db"
WINDOW = (1280, 800)

log = logging.getLogger("run_kiosk")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python run_kiosk.py", description="Vitrina kiosk: the shoppers' terminal.")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"the terminal's local store (default {DEFAULT_DB})")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--fullscreen", dest="fullscreen", action="store_true", default=True,
                      help="fill the screen in kiosk mode (the default)")
    mode.add_argument("--windowed", dest="fullscreen", action="store_false",
                      help="run in a 1280x800 window (development, demo beside the till)")
    p.add_argument("--no-agent", action="store_true", help="do not start the sync agent beside the app")
    p.add_argument("--camera", nargs="?", type=int, const=0, default=None, metavar="N",
                   help="scan codes with camera N (default 0) as well as the configured scanner")
    p.add_argument("--script", help="run a scripted scenario from kiosk/demo_script.py and exit")
    p.add_argument("--screenshots", type=Path, help="where screenshots go (default artifacts/screenshots/kiosk)")
    p.add_argument("--idle", type=float, default=90.0, metavar="SECONDS",
                   help="start over after this many seconds without a touch (default 90; 0 = never)")
    p.add_argument("--lang", choices=("ru", "en"), help="start in this language (default: the store's)")
    args = p.parse_args(argv)
    if args.idle < 0:
        p.error("--idle must be 0 (never) or a number of seconds")
    return args


def configure_kivy(fullscreen: bool, size: tuple[int, int] = WINDOW) -> None:
    """Window and input settings; must run before ``kivy.core.window`` is imported."""
    kivy_settings()
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("input", "mouse", "mouse,multitouch_on_demand")  # no red dots from right clicks
    Config.set("kivy", "exit_on_escape", "0")                   # kiosk mode: Escape does not quit
    Config.set("kivy", "keyboard_mode", "system")              # our own keyboard, never Kivy's VKeyboard


def build_devices(db: Path):
    """(print queue, scanner, payment terminal, problems) from the terminal's device configuration."""
    from hardware import devices
    from hardware.printing import PrinterError
    from hardware.queue import PrintQueue

    problems: list[str] = []
    conn = devices.open_store(db, create=True)
    try:
        printer = None
        try:
            printer = devices.printer_config(conn)
        except (devices.DeviceConfigError, PrinterError) as exc:
            problems.append(f"printer: {exc}")
        built = {}
        for kind, build in (("scanner", devices.build_scanner), ("payment", devices.build_payment)):
            try:
                built[kind] = build(conn)
            except Exception as exc:  # one bad device must not stop the kiosk
                problems.append(f"{kind}: {exc}")
                built[kind] = None
    finally:
        conn.close()
    queue = PrintQueue(db, printer).start()
    return queue, built["scanner"], built["payment"], problems


def compose(args: argparse.Namespace) -> Composition:
    """Build the services and the app (the window is created when the app runs)."""
    from retail.store import connect
    from retail.store.settings import get

    db = Path(args.db)
    connect(db).close()  # create or migrate the store before the agent and the app open it
    queue, scanner, payment, problems = build_devices(db)

    from hardware.scanner import CameraScanner, KeyboardWedge

    from kiosk.app import KioskApp
    from kiosk.services import KioskServices

    from ui.technician import TechnicianServices

    services = KioskServices(db, payment=payment, queue=queue)
    technician = TechnicianServices(db, queue=queue)
    conn = connect(db, migrate_schema=False)
    try:
        lang = args.lang or get(conn, "language") or "ru"
    finally:
        conn.close()
    # The configured scanner: a keyboard wedge reads the window's keys, a camera scanner is fed
    # from a Kivy Camera (--camera picks another camera), a serial scanner reads its port.
    wedge = scanner if isinstance(scanner, KeyboardWedge) else None
    camera_scanner = scanner if isinstance(scanner, CameraScanner) else None
    scanners = [scanner] if scanner is not None and wedge is None and camera_scanner is None else []
    camera_index = args.camera
    if camera_scanner is not None and camera_index is None:
        camera_index = int(camera_scanner.source.rpartition(":")[2] or 0)
    elif camera_scanner is None and camera_index is not None:
        camera_scanner = CameraScanner(f"camera:{camera_index}")
    app = KioskApp(services, idle_seconds=args.idle, scanners=scanners, wedge=wedge,
                   camera_scanner=camera_scanner, camera_index=camera_index,
                   kiosk_mode=args.fullscreen and not args.script, technician=technician, lang=lang)
    app.default_lang = lang
    app.started_at = STARTED
    app.screenshot_dir = Path(args.screenshots) if args.screenshots else ROOT / "artifacts" / "screenshots" / "kiosk"
    for problem in problems:
        log.warning("device: %s", problem)
    agent = None if args.no_agent else start_agent(db)
    if agent is not None:
        app.agent_started_at = time.time()
    return Composition(app, services, queue, payment, agent, problems)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    configure_kivy(args.fullscreen and not args.script)
    parts = compose(args)
    try:
        if args.script:
            from kiosk import demo_script
            from ui.driver import run_scenario

            outcome = run_scenario(parts.app, demo_script.scenario(args.script), timeout=600)
            for shot in outcome.screenshots:
                print(f"screenshot: {shot}")
            if not outcome.ok:
                print(outcome.error, file=sys.stderr)
                return 1
            return 0
        parts.app.run()
        return 0
    finally:
        parts.close()


if __name__ == "__main__":
    sys.exit(main())
