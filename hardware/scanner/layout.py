"""Undo the Russian keyboard layout on a keyboard-wedge scan.

A USB scanner in keyboard mode sends *key positions* (HID usages), not characters. If the
terminal's active layout is Russian (ЙЦУКЕН), the OS turns the key for ``Q`` into ``Й``,
``]`` into ``ъ`` and ``.`` into ``ю``, so ``]Q1VT1.`` arrives as ``ъЙ1МЕ1ю``. Because the
mapping is by physical key, it is reversible: the two rows below list, key by key, what
the standard Russian layout and US QWERTY produce, unshifted and with Shift. Digits sit on
the same keys in both layouts, which is why EAN codes survive untouched; punctuation does
not (Shift+4 is ``;`` in Russian), so when a scan shows it was typed under the Russian
layout every character is mapped back, not only the letters.
"""
from __future__ import annotations

_RU = "ё1234567890-=йцукенгшщзхъ\\фывапролджэячсмитьбю."
_US = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./"
_RU_SHIFT = 'Ё!"№;%:?*()_+ЙЦУКЕНГШЩЗХЪ/ФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,'
_US_SHIFT = '~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:"ZXCVBNM<>?'

RU_TO_US: dict[str, str] = dict(zip(_RU + _RU_SHIFT, _US + _US_SHIFT))
US_TO_RU: dict[str, str] = {us: ru for ru, us in RU_TO_US.items()}
# Characters only the Russian layout produces: their presence proves the layout.
RUSSIAN_ONLY = frozenset(RU_TO_US) - frozenset(RU_TO_US.values())


def typed_in_russian(text: str) -> bool:
    """True when ``text`` contains a character only the Russian layout can produce."""
    return any(ch in RUSSIAN_ONLY for ch in text)


def russian_to_qwerty(text: str) -> str:
    """Map every character back to what the same key gives on US QWERTY."""
    return "".join(RU_TO_US.get(ch, ch) for ch in text)


def qwerty_to_russian(text: str) -> str:
    """What a scanner's keystrokes for ``text`` produce under the Russian layout."""
    return "".join(US_TO_RU.get(ch, ch) for ch in text)


def fix_layout(text: str) -> str:
    """``text`` as the scanner meant it, whichever of the two layouts was active."""
    return russian_to_qwerty(text) if typed_in_russian(text) else text
