"""The kiosk's screen never freezes while its sync agent loads a large catalogue.

A fresh kiosk (registered, nothing synced) starts with its agent beside it, as
``run_kiosk.py`` does, against a central holding 50 000 products. While the agent pulls
every feed, a shopper keeps searching and browsing; ``ui.stall.StallMeter`` records the
longest time the Kivy main thread went without running. Then the same shopper does the
same on the synced kiosk without the agent: the baseline, measured in the same run.

The main thread never touches the database (search, pricing and sync status run in the
worker; the agent is another process, at the lowest CPU priority), so a feed write cannot
hold it up. What is left is rendering, which under Xvfb's software OpenGL on a shared
two-core machine costs tens to hundreds of milliseconds a frame by itself. A freeze, the
main thread waiting for a write lock or a long query, would show as seconds. The figures
are printed; the benchmarks hold them against the 100 ms budget on the target hardware.
"""
from __future__ import annotations

import os
import time

import pytest

from kiosk_support import ChainTemplate, launch, register, run_cli, shots_dir, start_central, terminal_add

pytestmark = pytest.mark.gui

BIG = {"skus": 50_000, "stores": 3, "customers": 1_000, "seed": 7}
FREEZE_MS = 1500      # what a shopper calls frozen; rendering alone stays well below
BASELINE_S = 15.0


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


def _shopper(app, d, done, limit_s: float):
    """Search, look at the departments, search again: until ``done()`` or ``limit_s`` seconds."""
    from kiosk import demo_script as demo
    from kiosk.driving import keyboard_type

    yield from demo.start(app, d)
    screen = app.screens["search"]
    words = ["мол", "хлеб", "сыр", "вода", "кофе", "чай"]
    typed, started = 0, time.monotonic()
    while not done() and time.monotonic() - started < limit_s:
        screen.ids.query.text = ""
        yield from keyboard_type(d, words[typed % len(words)])
        typed += 1
        yield 0.3
        if typed % 3 == 0:
            d.tap("nav_categories")
            yield 0.5
            d.tap("nav_search")
            yield 0.2
    d.note("seconds", time.monotonic() - started)
    d.note("searches", typed)


def scenario_while_syncing(app, d):
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

    yield d.until(lambda: catalogue_rows() > 0, 60, "the agent to start writing the catalogue")
    yield from _shopper(app, d, synced, 300)
    d.note("catalogue_rows", catalogue_rows())
    d.note("synced", synced())


def scenario_baseline(app, d):
    yield from _shopper(app, d, lambda: False, BASELINE_S)
    yield 0.3
    d.shot("synced-search")


def test_the_screen_stays_live_while_the_agent_syncs_a_large_catalogue(tmp_path, big_chain):
    central = start_central(tmp_path, big_chain)
    # In a store central is far away on its own machine; here it shares two cores with the
    # kiosk, the agent and the X server, so it runs at the lowest priority, like the agent.
    os.setpriority(os.PRIO_PROCESS, central.thread.native_id, 19)
    try:
        kiosk = register(tmp_path, central, big_chain.home, "K1", sync=False)
        during = launch(kiosk.db_path, "test_kiosk_stall:scenario_while_syncing", shots_dir("stall"), agent=True,
                        measure_stalls=True, process_timeout=600)
    finally:
        central.stop()
    baseline = launch(kiosk.db_path, "test_kiosk_stall:scenario_baseline", shots_dir("stall"), measure_stalls=True)
    notes = during.notes
    print(f"\nkiosk: longest main-thread stall {during.max_stall_ms:.0f} ms while the agent synced "
          f"{notes['catalogue_rows']} catalogue rows in {notes['seconds']:.1f} s ({notes['searches']} searches "
          f"typed meanwhile); baseline without the agent {baseline.max_stall_ms:.0f} ms over "
          f"{baseline.notes['searches']} searches; first frame after {notes['first_frame_s']:.2f} s; "
          f"load average {os.getloadavg()[0]:.1f}")
    assert notes["synced"], notes
    assert notes["searches"] >= 3
    assert during.max_stall_ms < FREEZE_MS, (during.max_stall_ms, baseline.max_stall_ms)
