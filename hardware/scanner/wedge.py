"""Keyboard-wedge scanners: tell a scanner's keystrokes from a person's typing.

A USB scanner in keyboard mode "types" each code, a key every few milliseconds, then its
suffix key (Enter or Tab). A person types at best a key every ~80-150 ms. The app feeds
every key event with its timestamp to :meth:`KeyboardWedge.feed`; the wedge holds keys
back while they could still be a scan and hands back either a :class:`ScanEvent` or the
held keys as :class:`TypedKeys` for the app to process as ordinary input. Keys arriving
closer than ``max_gap_s`` apart, at least ``min_length`` of them, ended by the suffix key
within ``max_gap_s``, are a scan; anything else is typing. An app timer calls
:meth:`KeyboardWedge.poll` so a lone typed key is released after ``max_gap_s``.

Under a Russian keyboard layout the keystrokes arrive as Cyrillic letters; the wedge maps
them back by key position (:mod:`hardware.scanner.layout`). Pure logic: no Kivy here.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Optional, Union

from hardware.scanner.base import ScanCallback, Scanner, deliver
from hardware.scanner.framing import Framing, ScanEvent, ScannerError, Suffix, clean
from hardware.scanner.layout import fix_layout, russian_to_qwerty

ENTER_KEYS = {"\r", "\n", "enter", "return", "numpadenter", "kp_enter"}
TAB_KEYS = {"\t", "tab"}
# Scanners press Shift for capitals; modifier events carry no text and never end a burst.
MODIFIER_KEYS = {"shift", "lshift", "rshift", "capslock", "numlock", "alt", "lalt", "ralt",
                 "alt-gr", "ctrl", "lctrl", "rctrl", "meta", "super"}
LAYOUTS = ("auto", "ru", "us")


@dataclass(frozen=True)
class TypedKeys:
    """Keys judged to be a person's typing, in order, for the app to handle normally."""

    keys: tuple[str, ...]

    @property
    def text(self) -> str:
        """The printable characters among the keys."""
        return "".join(k for k in self.keys if len(k) == 1 and k >= " ")


WedgeOutput = Union[ScanEvent, TypedKeys]


class KeyboardWedge(Scanner):
    """Splits a key stream into scans and typing. ``suffix=None``: scans end by timing."""

    def __init__(
        self,
        suffix: Optional[Suffix | str] = Suffix.CR,
        prefix: str = "",
        *,
        max_gap_s: float = 0.05,
        min_length: int = 4,
        layout: str = "auto",
        source: str = "wedge",
        max_length: int = 4096,
    ):
        if not max_gap_s > 0:
            raise ScannerError(f"max_gap_s must be a positive number of seconds, got {max_gap_s!r}")
        if not isinstance(min_length, int) or min_length < 1:
            raise ScannerError(f"min_length must be a whole number >= 1, got {min_length!r}")
        if layout not in LAYOUTS:
            raise ScannerError(f"keyboard layout must be one of {LAYOUTS}, got {layout!r}")
        self.suffix = Suffix.parse(suffix) if suffix is not None else None
        self.framing = Framing(self.suffix or Suffix.CR, prefix)
        self.max_gap_s = max_gap_s
        self.min_length = min_length
        self.layout = layout
        self.source = source
        self.max_length = max_length
        self._held: list[str] = []  # characters that may still be a scan
        self._last_at: Optional[float] = None
        self._scan_ended_at: Optional[float] = None
        self._on_scan: Optional[ScanCallback] = None
        self._lock = threading.Lock()

    def start(self, on_scan: ScanCallback) -> None:
        self._on_scan = on_scan

    def stop(self) -> None:
        with self._lock:
            self._held.clear()
        self._on_scan = None

    # -- feeding -----------------------------------------------------------------------

    def feed(self, key: str, at: float) -> list[WedgeOutput]:
        """One key event (a character, or a key name such as ``"enter"``) at time ``at`` (s).

        Returns what is decided by this key: scans (also delivered to the callback given
        to :meth:`start`) and keys released as typing, in order.
        """
        if not isinstance(key, str) or not key:
            raise ScannerError(f"a key event needs a key name or character, got {key!r}")
        with self._lock:
            out = self._feed(key, at)
        deliver(self._on_scan, [o for o in out if isinstance(o, ScanEvent)])
        return out

    def feed_text(self, text: str, start: float, gap_s: float) -> list[WedgeOutput]:
        """Feed each character of ``text`` ``gap_s`` apart, from ``start`` (tests, replays)."""
        out: list[WedgeOutput] = []
        for i, ch in enumerate(text):
            out += self.feed(ch, start + i * gap_s)
        return out

    def poll(self, now: float) -> list[WedgeOutput]:
        """Call every ~``max_gap_s`` from a timer: settles keys that no further key follows."""
        with self._lock:
            out = self._settle(now)
        deliver(self._on_scan, [o for o in out if isinstance(o, ScanEvent)])
        return out

    # -- decisions (lock held) ---------------------------------------------------------

    def _feed(self, key: str, at: float) -> list[WedgeOutput]:
        name = key.lower() if len(key) > 1 else key
        if name in MODIFIER_KEYS:
            return []
        out = self._settle(at)
        if name in ENTER_KEYS or name in TAB_KEYS:
            is_suffix = self.suffix is not None and (
                (name in TAB_KEYS) == (self.suffix is Suffix.TAB))
            if is_suffix and not self._held and self._swallow_crlf_tail(at, name):
                return out
            if is_suffix and self._is_scan_burst(at):
                return out + self._scan(at)
            out += self._release()
            out.append(TypedKeys((key,)))
            return out
        if len(key) != 1:  # backspace, arrows, escape...: a person is at the keyboard
            out += self._release()
            out.append(TypedKeys((key,)))
            return out
        self._held.append(key)
        self._last_at = at
        if len(self._held) > self.max_length:
            out += self._release()
        return out

    def _settle(self, now: float) -> list[WedgeOutput]:
        """Decide held keys whose follow-up is overdue."""
        if not self._held or self._last_at is None or now - self._last_at <= self.max_gap_s:
            return []
        if self.suffix is None and len(self._held) >= self.min_length:
            return self._scan(now)
        return self._release()

    def _is_scan_burst(self, at: float) -> bool:
        return (len(self._held) >= self.min_length and self._last_at is not None
                and at - self._last_at <= self.max_gap_s)

    def _swallow_crlf_tail(self, at: float, name: str) -> bool:
        """The LF of a CRLF suffix arrives as a second Enter right after a scan: drop it."""
        ended, self._scan_ended_at = self._scan_ended_at, None
        return (self.suffix is Suffix.CRLF and name in ENTER_KEYS and ended is not None
                and at - ended <= self.max_gap_s)

    def _release(self) -> list[WedgeOutput]:
        keys = tuple(self._held)
        self._held.clear()
        self._last_at = None
        return [TypedKeys(keys)] if keys else []

    def _scan(self, at: float) -> list[WedgeOutput]:
        text = clean("".join(self._held))
        self._held.clear()
        self._last_at = None
        self._scan_ended_at = at
        if self.layout == "auto":
            text = fix_layout(text)
        elif self.layout == "ru":
            text = russian_to_qwerty(text)
        event = self.framing.event(text, self.source)
        return [event] if event is not None else []
