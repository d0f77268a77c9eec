"""Exceptions of the payment terminal client, each with a message a cashier can act on."""
from __future__ import annotations


class PaymentError(Exception):
    """Base of all payment errors: the terminal refused a request or could not be used."""


class TerminalUnavailable(PaymentError):
    """No connection could be made; nothing reached the terminal, so nothing was charged."""


class KeyConflict(PaymentError):
    """A payment key was reused with another amount or currency; the terminal refused it."""


class ProtocolError(PaymentError):
    """The terminal sent something that is not this protocol (wrong port, broken firmware)."""
