"""``python run_pos.py``: the till, composed from the terminal's local store and its devices.

This is the composition root: it opens the local store, builds the configured devices
(``hardware.devices``: printer and its print queue, cash drawer, scanner, payment
terminal), starts the sync agent beside the app as a child process (``python -m sync run
--db PATH``; the app and the agent talk only through the database), builds
:class:`pos.services.PosServices` and runs :class:`pos.app.PosApp`. A device that is not
configured or cannot be built is left out with a clear message; the till still sells.

    python run_pos.py --db var/terminal-pos.db
    python run_pos.py --db var/demo/MSK1-P1.db --script sale --screenshots var/demo/screenshots

``--script NAME`` runs one of the scripted scenarios in :mod:`pos.demo_script` through the
GUI driver (real touches and scans) and exits; ``--screenshots DIR`` is where screens are
saved.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from functools import partial
from pathlib import Path

from ui.launch import Composition, kivy_settings, start_agent

ROOT = Path(__file__).resolve().parent
DEFAULT_DB = ROOT / "var" / "terminal-pos.db"
WINDOW = (1280, 800)

log = logging.getLogger("run_pos")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python run_pos.py", description="Vitrina POS: the till.")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"the terminal's local store (default {DEFAULT_DB})")
    p.add_argument("--central", help="central's URL for online look-ups, instead of the registered one")
    p.add_argument("--printer", help="receipt printer spec for this run, e.g. network:127.0.0.1:9100 "
                                     "(instead of the configured one)")
    p.add_argument("--fullscreen", action="store_true", help="fill the screen (a till's monitor)")
    p.add_argument("--no-agent", action="store_true", help="do not start the sync agent beside the app")
    p.add_argument("--script", help="run a scripted scenario from pos/demo_script.py and exit")
    p.add_argument("--script-param", action="append", default=[], metavar="KEY=VALUE",
                   help="a value the scripted scenario uses (e.g. pickup_code=VT1...); repeat for more")
    p.add_argument("--screenshots", type=Path, help="where screenshots go (default artifacts/screenshots/pos)")
    p.add_argument("--lang", choices=("ru", "en"), help="start in this language (default: the store's)")
    return p.parse_args(argv)


def configure_kivy(fullscreen: bool = False, size: tuple[int, int] = WINDOW) -> None:
    """Window size and input settings; must run before ``kivy.core.window`` is imported.

    Also gives python-escpos a lasting place for its parsed printer capabilities: without
    ``ESCPOS_CAPABILITIES_PICKLE_DIR`` it parses its YAML database again at every start
    (most of a second) into a new temporary directory.
    """
    kivy_settings()
    cache = ROOT / "var" / "cache" / "escpos"
    cache.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(cache))
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("input", "mouse", "mouse,multitouch_on_demand")
    Config.set("kivy", "exit_on_escape", "0")


def build_devices(db: Path, printer_spec: str | None):
    """(printer queue, drawer, scanner, payment terminal, problems) from the device config."""
    from hardware import devices
    from hardware.printing import PrinterConfig, PrinterError
    from hardware.queue import PrintQueue

    problems: list[str] = []
    conn = devices.open_store(db, create=True)
    try:
        printer = None
        try:
            printer = PrinterConfig(printer_spec) if printer_spec else devices.printer_config(conn)
        except (devices.DeviceConfigError, PrinterError) as exc:
            problems.append(f"printer: {exc}")
        built = {}
        for kind, build in (("drawer", lambda: devices.build_drawer(conn, printer)),
                            ("scanner", lambda: devices.build_scanner(conn)),
                            ("payment", lambda: devices.build_payment(conn))):
            try:
                built[kind] = build()
            except Exception as exc:  # one bad device must not stop the till
                problems.append(f"{kind}: {exc}")
                built[kind] = None
    finally:
        conn.close()
    queue = PrintQueue(db, printer).start()
    return queue, built["drawer"], built["scanner"], built["payment"], problems


def lookup_order(db: Path, number: str, *, central_url: str | None = None) -> dict:
    """A web order from central (``sync.lookup``), imported on first use: the HTTP client
    is not needed to show the first screen."""
    from sync import lookup

    return lookup.order(db, number, central_url=central_url)


def compose(args: argparse.Namespace) -> Composition:
    """Build the services and the app (the window is created when the app runs)."""
    from retail.store import connect
    from retail.store.settings import get

    db = Path(args.db)
    connect(db).close()  # create or migrate the store before anyone else opens it
    queue, drawer, scanner, payment, problems = build_devices(db, args.printer)

    from pos.app import PosApp
    from pos.services import PosServices
    from ui.technician import TechnicianServices

    services = PosServices(db, payment=payment, queue=queue, drawer=drawer,
                           lookup_order=partial(lookup_order, db, central_url=args.central))
    conn = connect(db, migrate_schema=False)
    try:
        lang = args.lang or get(conn, "language") or "ru"
    finally:
        conn.close()
    technician = TechnicianServices(db, queue=queue, central_url=args.central)
    app = PosApp(services, scanner=scanner, technician=technician, lang=lang)
    if args.screenshots:
        app.screenshot_dir = Path(args.screenshots)
    for problem in problems:
        log.warning("device: %s", problem)
    app.startup_problems = problems
    agent = None if args.no_agent else start_agent(db)
    if agent is not None:
        app.agent_started_at = time.time()
    return Composition(app, services, queue, payment, agent, problems)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    configure_kivy(args.fullscreen)
    started = time.monotonic()
    parts = compose(args)
    try:
        if args.script:
            from pos import demo_script
            from ui.driver import run_scenario

            params = dict(item.partition("=")[::2] for item in args.script_param)
            outcome = run_scenario(parts.app, demo_script.scenario(args.script, **params), timeout=600)
            if outcome.notes:
                print("notes: " + json.dumps(outcome.notes, ensure_ascii=False, default=str))
            for shot in outcome.screenshots:
                print(f"screenshot: {shot}")
            if not outcome.ok:
                print(outcome.error, file=sys.stderr)
                return 1
            return 0
        log.info("composed in %.2f s", time.monotonic() - started)
        parts.app.run()
        return 0
    finally:
        parts.close()


if __name__ == "__main__":
    sys.exit(main())
