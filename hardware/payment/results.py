"""Outcomes of a card payment as immutable values the POS records and shows.

Only :class:`Approved` means money moved. :class:`Unknown` means the POS could not learn
the outcome: the sale must stay open and be retried later *with the same key*, which the
terminal answers with the stored outcome instead of charging again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Union

from hardware.payment.errors import PaymentError
from hardware.payment.protocol import State, mask_pan, valid_amount, valid_currency


@dataclass(frozen=True)
class Pending:
    """The terminal is waiting for the customer (card, PIN)."""

    key: str
    state: ClassVar[State] = State.PENDING


@dataclass(frozen=True)
class Approved:
    """The card was charged ``amount`` kopecks; keep txn_id and auth_code with the sale."""

    key: str
    amount: int
    currency: str
    txn_id: str
    auth_code: str
    masked_pan: str
    scheme: str
    state: ClassVar[State] = State.APPROVED


@dataclass(frozen=True)
class Declined:
    """The bank or terminal refused the card; nothing was charged."""

    key: str
    reason: str
    state: ClassVar[State] = State.DECLINED


@dataclass(frozen=True)
class Cancelled:
    """The payment was cancelled before the card was charged."""

    key: str
    state: ClassVar[State] = State.CANCELLED


@dataclass(frozen=True)
class Unknown:
    """The outcome could not be learned; retry later with the same key. ``reason`` says why."""

    key: str
    reason: str
    state: ClassVar[State] = State.UNKNOWN


PaymentResult = Union[Pending, Approved, Declined, Cancelled, Unknown]


def result_from_message(message: dict, key: str) -> PaymentResult:
    """Turn one terminal state object into a result, refusing anything malformed."""
    if message.get("key") != key:
        raise PaymentError(f"terminal answered about key {message.get('key')!r}, expected {key!r}")
    try:
        state = State(message.get("state"))
    except ValueError:
        raise PaymentError(f"terminal reported an unknown state {message.get('state')!r}") from None
    if state is State.PENDING:
        return Pending(key)
    if state is State.CANCELLED:
        return Cancelled(key)
    if state is State.UNKNOWN:
        return Unknown(key, "the terminal has no record of this payment; it was not charged")
    if state is State.DECLINED:
        reason = message.get("reason")
        return Declined(key, reason if isinstance(reason, str) and reason else "declined")
    amount, currency = message.get("amount"), message.get("currency")
    txn, auth, scheme = message.get("txn"), message.get("auth_code"), message.get("scheme")
    if not valid_amount(amount) or not valid_currency(currency):
        raise PaymentError(f"approved answer has a bad amount/currency: {amount!r} {currency!r}")
    for name, value in (("txn", txn), ("auth_code", auth), ("scheme", scheme)):
        if not isinstance(value, str) or not value:
            raise PaymentError(f"approved answer lacks {name!r}")
    return Approved(key, amount, currency, txn, auth, mask_pan(message.get("pan")), scheme)
