"""The sale being rung up: the cart, its latest price, the customer and the tenders taken so far.

The sell screen and the payment screen both work on one :class:`CurrentSale`. It lives on
the main thread; pricing runs in the worker on a *copy* of the cart, and a result is
accepted only if the cart has not changed since (``version``), so a slow price never
overwrites a newer basket.

The sale id (a UUIDv7) is made when the sale starts and is the idempotency key of the
commit; a card payment's key is ``<sale id>:<attempt>``: an attempt whose outcome is
unknown is retried with the same key (the terminal answers with the stored outcome and
never charges twice); only a definite decline or cancel moves to the next attempt.
"""
from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import ListProperty, NumericProperty, ObjectProperty, StringProperty

from retail.cart import Cart
from retail.ids import new_id
from retail.sales import Tender


class CurrentSale(EventDispatcher):
    priced = ObjectProperty(None, allownone=True)
    customer = ObjectProperty(None, allownone=True)   # ui.services.CustomerView
    order = ObjectProperty(None, allownone=True)      # retail.orders.Order paid at handover
    tenders = ListProperty([])                        # Tender taken (card approved, points)
    version = NumericProperty(0)
    priced_version = NumericProperty(-1)              # the cart version ``priced`` belongs to
    sale_id = StringProperty("")
    card_attempt = NumericProperty(1)
    unknown_key = StringProperty("")                  # a card payment whose outcome is unknown
    total = NumericProperty(0)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cart = Cart()
        self.start()

    def start(self, cart: Cart | None = None) -> None:
        """A new sale (optionally from a resumed or recalled cart)."""
        self.cart = cart or Cart()
        self.priced = None
        self.customer = None
        self.order = None
        self.tenders = []
        self.sale_id = new_id()
        self.card_attempt = 1
        self.unknown_key = ""
        self.total = 0
        self.changed()

    def changed(self) -> None:
        """The cart changed: prices must be computed again."""
        self.version += 1

    def snapshot(self) -> tuple[int, Cart]:
        """(version, a copy of the cart) for pricing in the worker."""
        return self.version, Cart.from_dict(self.cart.to_dict())

    def priced_for(self, version: int, priced) -> bool:
        """Accept a price computed for ``version``; False when the cart moved on meanwhile."""
        if version != self.version:
            return False
        self.priced_version = version
        self.total = priced.total
        self.priced = priced
        return True

    @property
    def is_current(self) -> bool:
        """The basket is priced as it is now (and not empty): ready to pay."""
        return self.priced is not None and self.priced_version == self.version and not self.cart.is_empty()

    @property
    def paid(self) -> int:
        return sum(t.amount for t in self.tenders)

    @property
    def remaining(self) -> int:
        return max(self.total - self.paid, 0)

    @property
    def card_taken(self) -> bool:
        return any(t.kind == "card" for t in self.tenders)

    def add_tender(self, tender: Tender) -> None:
        self.tenders = self.tenders + [tender]

    def card_key(self) -> str:
        """The idempotency key for the next card attempt (the unknown one again, if any)."""
        return self.unknown_key or f"{self.sale_id}:{self.card_attempt}"

    def card_finished(self, definite: bool) -> None:
        """After a card outcome: definite (approved/declined/cancelled) moves to a fresh key."""
        if definite:
            self.unknown_key = ""
            self.card_attempt += 1
        else:
            self.unknown_key = self.card_key()

    @property
    def locked(self) -> bool:
        """Once money was taken (a card charged, points spent) the basket cannot change."""
        return bool(self.tenders) or bool(self.unknown_key)

    def identify(self, view) -> None:
        self.customer = view
        if view is None:
            self.cart.identify(None)
        else:
            self.cart.identify(view.account.customer_id, view.account.tier, view.number)
        self.changed()
