"""A PIN typed on a screen shows as dots: screenshots and onlookers never see it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.security

ROOT = Path(__file__).resolve().parents[2]


def test_a_secret_keypad_shows_only_dots():
    from ui.widgets import Keypad

    pad = Keypad(secret=True)
    for key in "2222":
        pad.press(key)
    assert pad.value == "2222" and pad.shown == "••••"


def test_every_pin_keypad_of_both_apps_is_secret():
    """Each KV block that takes a PIN (its on_enter calls a *pin* handler) declares ``secret``."""
    found = 0
    for kv in sorted([*ROOT.glob("pos/**/*.kv"), *ROOT.glob("kiosk/**/*.kv"), *ROOT.glob("ui/*.kv")]):
        text = kv.read_text(encoding="utf-8")
        for block in re.split(r"\n(?=\s*Keypad:)", text)[1:]:
            head = block.split("\n\n")[0]
            if re.search(r"pin", head, re.IGNORECASE):
                found += 1
                assert "secret:" in head, f"{kv.relative_to(ROOT)}: a PIN keypad without secret: {head[:120]}"
    assert found >= 3, "the sign-in, approval and kiosk exit keypads were not found"
