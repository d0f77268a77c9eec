"""The till's screens, one ``<name>.py`` + ``<name>.kv`` pair each, and its popups.

``SCREENS`` maps each screen's name to its class; the App creates them in this order and
injects ``services`` and ``app`` into each.
"""
from __future__ import annotations

from . import popups  # noqa: F401  (loads the popups' KV before the screens use them)
from .lock import LockScreen
from .payment import PaymentScreen
from .pickup import PickupScreen
from .returns import ReturnsScreen
from .sell import SellScreen
from .shift import ShiftScreen
from .sign_in import SignInScreen
from .sync_console import SyncConsoleScreen

SCREENS = {
    "sign_in": SignInScreen,
    "lock": LockScreen,
    "sell": SellScreen,
    "payment": PaymentScreen,
    "returns": ReturnsScreen,
    "pickup": PickupScreen,
    "shift": ShiftScreen,
    "sync_console": SyncConsoleScreen,
}

__all__ = ["SCREENS", "popups"]
