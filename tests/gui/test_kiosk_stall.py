"""The kiosk's screen never freezes while its sync agent loads a large catalogue.

A fresh kiosk (registered, nothing synced) starts with its agent beside it, as
``run_kiosk.py`` does, against a central holding 50 000 products. While the agent pulls
every feed, a shopper searches and browses; ``ui.stall.StallMeter`` records the longest
time the Kivy main thread went without running. The main thread never touches the
database (search, pricing and sync status run in the worker), so a long feed write in
the agent's process cannot hold it up; what remains is rendering, which under Xvfb's
software OpenGL takes tens of milliseconds a frame on its own. The figure is printed;
the benchmarks compare it with the 100 ms budget on the target hardware.
"""
from __future__ import annotations

import time

import pytest

from kiosk_support import ChainTemplate, launch, register, run_cli, shots_dir, start_central, terminal_add

pytestmark = pytest.mark.gui

BIG = {"skus": 50_000, "stores": 3, "customers": 1_000, "seed": 7}
STALL_LIMIT_MS = 250  # a freeze would be seconds; Xvfb's software rendering alone takes up to ~100 ms a frame


@pytest.fixture(scope="module")
def big_chain(tmp_path_factory) -> ChainTemplate:
    directory = tmp_path_factory.mktemp("kiosk-big-chain")
    now = int(time.time()) // 3600 * 3600
    path = directory / "central-big.db"
    out = run_cli("central", "seed", "--db", str(path), *(f"--{k}={v}" for k, v in BIG.items()), f"--now={now}",
                  timeout=600)
    stores = [line.strip() for line in out.stdout.splitlines() if line.strip() and " " not in line.strip()]
    tokens = {(stores[0], "K1"): terminal_add(path, stores[0], "K1", "kiosk")}
    return ChainTemplate(path, stores, tokens, now)


def scenario_while_syncing(app, d):
    from kiosk import demo_script as demo
    from kiosk.driving import keyboard_type

    state = {"status": None, "asked": 0.0}

    def status():
        now = time.monotonic()
        if now - state["asked"] > 0.5:
            state["asked"] = now
            app.worker.submit(app.services.sync_status, on_done=lambda s: state.update(status=s), key="test-status")
        return state["status"]

    def catalogue_rows() -> int:
        s = status()
        feed = s.feeds.get("catalogue") if s is not None else None
        return feed.rows if feed is not None else 0

    def synced() -> bool:
        s = status()
        return bool(s and s.feeds and all(f.last_success_at for f in s.feeds.values())
                    and catalogue_rows() >= BIG["skus"])

    yield d.until(lambda: 0 < catalogue_rows() or synced(), 60, "the agent to start writing the catalogue")
    started = time.monotonic()
    d.tap("touch_to_start")
    yield demo.wait_screen(d, app, "search")
    screen = app.screens["search"]
    words = ["мол", "хлеб", "сыр", "вода", "кофе", "чай"]
    typed = 0
    while not synced() and time.monotonic() - started < 240:
        word = words[typed % len(words)]
        screen.ids.query.text = ""
        yield from keyboard_type(d, word)
        typed += 1
        yield 0.3
        if typed % 3 == 0:
            d.tap("nav_categories")
            yield 0.5
            d.tap("nav_search")
            yield 0.2
    d.note("sync_seconds", time.monotonic() - started)
    d.note("searches_while_syncing", typed)
    d.note("catalogue_rows", catalogue_rows())
    d.note("synced", synced())
    yield 0.5
    d.shot("after-sync")


def test_the_screen_stays_live_while_the_agent_syncs_a_large_catalogue(tmp_path, big_chain):
    central = start_central(tmp_path, big_chain)
    try:
        kiosk = register(tmp_path, central, big_chain.home, "K1", sync=False)
        outcome = launch(kiosk.db_path, "test_kiosk_stall:scenario_while_syncing", shots_dir("stall"), agent=True,
                         measure_stalls=True, process_timeout=600)
    finally:
        central.stop()
    notes = outcome.notes
    print(f"\nkiosk: longest main-thread stall {outcome.max_stall_ms:.0f} ms while the agent synced "
          f"{notes['catalogue_rows']} catalogue rows in {notes['sync_seconds']:.1f} s "
          f"({notes['searches_while_syncing']} searches typed meanwhile); first frame after "
          f"{notes['first_frame_s']:.2f} s")
    assert notes["synced"], notes
    assert notes["searches_while_syncing"] >= 3
    assert outcome.max_stall_ms < STALL_LIMIT_MS, outcome.max_stall_ms
