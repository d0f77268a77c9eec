"""What every till screen shares: injected services and app, and running work off the main thread."""
from __future__ import annotations

from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen


# Ids the screens translate from data rather than from a literal: roles, loyalty tiers,
# order statuses, tender kinds, sync agent phases, feeds, event kinds and device kinds.
# Listed so the translation test checks that ru.json has each of them.
DATA_IDS = (
    "cashier", "manager", "technician", "base", "silver", "gold",
    "placed", "picking", "ready", "collected", "cancelled", "expired", "delivered",
    "Cash", "Card", "Points", "Prepaid",
    "idle", "contacting", "pushing", "starting", "stopped", "not running", "exited", "pulling {feed}",
    "settings", "staff", "stores", "catalogue", "prices", "promotions", "inventory", "customers", "orders",
    "sale", "return", "order", "order_status", "order_arrived", "pickup", "shift", "cash",
    "printer", "drawer", "scanner", "payment",
)


class PosScreen(Screen):
    """A till screen. ``services`` (PosServices) and ``app`` (PosApp) are set by the App."""

    services = ObjectProperty(None)
    app = ObjectProperty(None)

    def on_app(self, _screen, app) -> None:
        # A screen with texts made in Python redoes them in ``relabel`` when the language
        # changes; KV texts rebind by themselves.
        relabel = getattr(self, "relabel", None)
        if app is not None and relabel is not None:
            app.bind(lang=lambda *_: relabel())

    def run(self, fn, *args, on_done=None, on_error=None, key: str | None = None, **kwargs):
        """Run ``fn`` in the worker; callbacks come back on the main thread."""
        return self.app.worker.submit(fn, *args, on_done=on_done, on_error=on_error or self.app.show_error,
                                      key=key, **kwargs)

    def tr(self, message: str, **params) -> str:
        return self.app.tr(message, **params)

    def say(self, text: str, kind: str = "info") -> None:
        self.app.say(text, kind)
