"""The loyalty card: scan it (any scanner) or type its 13 digits; then a greeting by first name,
the tier, the points balance and the shopper's personal offers.

Typed numbers are checked (13 digits, EAN check digit) before any look-up, so a typo is
caught at once with a plain message. Only the first name and the masked card number are
ever shown; "Forget my card" and the inactivity reset remove the identity from the kiosk.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import StringProperty

from .base import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

TIERS = {"gold": "Gold", "silver": "Silver", "base": "Base"}


class LoyaltyScreen(KioskScreen):
    greeting = StringProperty("")
    tier_text = StringProperty("")
    balance_text = StringProperty("")
    offers_text = StringProperty("")
    problem = StringProperty("")

    def refresh(self) -> None:
        view = self.shell.customer
        tr = self.tr
        if view is None:
            self.greeting = self.tier_text = self.balance_text = self.offers_text = ""
            return
        account = view.account
        self.greeting = tr("Hello, {name}!", name=account.first_name)
        self.tier_text = tr("{tier} card {card}", tier=tr(TIERS.get(account.tier, account.tier.title())),
                            card=account.card_masked)
        self.balance_text = tr("Points: {points}", points=f"{account.balance:,}".replace(",", " "))
        offers = [o.name for o in view.offers]
        self.offers_text = "\n".join(f"• {name}" for name in offers) if offers else tr(
            "No personal offers right now; your card still collects points")

    def basket_changed(self) -> None:
        self.refresh()

    def typed(self, number: str) -> None:
        number = number.strip()
        if not number:
            self.problem = self.tr("Type the 13 digits under the barcode of your card")
            return
        self.problem = ""

        def done(view) -> None:
            self.ids.keypad.value = ""
            self.shell._identified_quietly(view)
            self.refresh()

        def failed(exc) -> None:
            self.problem = self.shell.error_text(exc)

        self.submit(self.services.identify, number, self.shell.lang, on_done=done, on_error=failed, key="customer")

    def forget(self) -> None:
        self.shell.forget_customer()
        self.refresh()

    def reset(self) -> None:
        self.ids.keypad.value = ""
        self.problem = ""
        self.greeting = self.tier_text = self.balance_text = self.offers_text = ""
