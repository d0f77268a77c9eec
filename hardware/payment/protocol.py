"""The payment terminal wire protocol: newline-delimited JSON over loopback TCP.

Why this shape: the POS must never charge a customer twice nor let them go unpaid, even
when the link to the terminal times out or drops mid-payment. So every payment carries an
*idempotency key* chosen by the POS (a UUIDv7 from :func:`retail.ids.new_id`), the
terminal remembers every key's outcome, and the POS can always ask "what happened to key
K?" on a fresh connection.

Framing
    One JSON object per line, UTF-8, terminated by ``\\n``. A line is at most
    :data:`MAX_LINE` bytes. A connection may carry several requests, one at a time.

Requests (POS -> terminal)
    ``{"op":"ping"}``
    ``{"op":"pay","key":K,"amount":N,"currency":"RUB"}``  N: integer kopecks > 0
    ``{"op":"status","key":K}``
    ``{"op":"cancel","key":K}``

    K is 1-64 characters of ``[A-Za-z0-9._:-]``.

Responses (terminal -> POS)
    ``{"op":"pong"}`` answers ping.

    Every other answer is a *state* object for one key::

        {"op":"pay"|"status"|"cancel","key":K,"state":S, ...}

    with S one of

    ``pending``    the terminal is waiting for the customer's card/PIN;
    ``approved``   plus ``"amount"``, ``"currency"``, ``"txn"`` (terminal transaction id),
                   ``"auth_code"``, ``"pan"`` (masked, ``"**** 1234"``) and ``"scheme"``
                   (``"MIR"``, ``"VISA"``, ...);
    ``declined``   plus ``"reason"`` (text for the cashier);
    ``cancelled``  the payment was cancelled before the card was charged;
    ``unknown``    the terminal has no record of the key (never charged).

    A ``pay`` is answered first with ``pending`` and later, on the same connection, with
    the final state (``approved``, ``declined`` or ``cancelled``). A ``pay`` whose key the
    terminal already settled is answered at once with that key's stored outcome: the card
    is never charged twice. A ``pay`` whose key is still pending (on another connection)
    waits for the same outcome.

    ``status`` answers the key's current state at once. ``cancel`` cancels a pending
    payment (its ``pay`` connection then receives ``cancelled``) and otherwise answers the
    key's current state: an approved payment is not reversed by ``cancel``.

Errors
    ``{"op":..,"state":"error","code":C,"error":text}`` where C is

    ``key_conflict``  a ``pay`` reused a key with a different amount or currency;
                      nothing was charged for this request;
    ``bad_request``   the request was not understood; nothing was charged.
"""
from __future__ import annotations

import json
import re
from enum import Enum

from hardware.payment.errors import PaymentError

MAX_LINE = 8192
KEY_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
CURRENCY_RE = re.compile(r"[A-Z]{3}")
MASKED_PAN_RE = re.compile(r"\*{4} \d{4}")
OPS = ("ping", "pay", "status", "cancel")


class State(str, Enum):
    """Where one payment stands, as the terminal reports it."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        """Approved, declined and cancelled never change again."""
        return self in (State.APPROVED, State.DECLINED, State.CANCELLED)


def encode(message: dict) -> bytes:
    """One protocol line: compact JSON plus the newline terminator."""
    line = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(line) >= MAX_LINE:
        raise PaymentError(f"protocol message of {len(line)} bytes exceeds {MAX_LINE}")
    return line + b"\n"


def decode(line: bytes) -> dict:
    """Parse one received line into a JSON object, or explain why it is not one."""
    if len(line) > MAX_LINE:
        raise PaymentError(f"line of {len(line)} bytes exceeds the protocol's {MAX_LINE}")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PaymentError(f"line is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        message = json.loads(text)
    except ValueError:
        raise PaymentError(f"line is not JSON: {_preview(text)}") from None
    if not isinstance(message, dict):
        raise PaymentError(f"line is JSON but not an object: {_preview(text)}")
    return message


def valid_key(key: object) -> bool:
    """True when ``key`` may be used as an idempotency key."""
    return isinstance(key, str) and KEY_RE.fullmatch(key) is not None


def valid_amount(amount: object) -> bool:
    """True for a positive integer number of kopecks (booleans are not amounts)."""
    return isinstance(amount, int) and not isinstance(amount, bool) and 0 < amount < 10**12


def valid_currency(currency: object) -> bool:
    """True for an ISO 4217 alphabetic code such as ``"RUB"``."""
    return isinstance(currency, str) and CURRENCY_RE.fullmatch(currency) is not None


def mask_pan(pan: object) -> str:
    """``"**** 1234"`` from a masked or (defensively) a full card number.

    A terminal must send the PAN masked; if one ever sends more digits, only the last four
    are kept so a full card number never reaches our logs, receipts or database.
    """
    if isinstance(pan, str):
        digits = re.sub(r"\D", "", pan)
        if len(digits) >= 4:
            return "**** " + digits[-4:]
    raise PaymentError(f"approved answer has no usable card number mask: {pan!r}")


def _preview(text: str, limit: int = 60) -> str:
    """A short printable excerpt of a bad line for error messages."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    return repr(shown)
