"""Card payment terminals: the POS-side client, its results and errors.

The wire protocol is documented in :mod:`hardware.payment.protocol`; an emulator lives in
:mod:`hardware.emulator.payment_terminal`.
"""
from hardware.payment.errors import KeyConflict, PaymentError, ProtocolError, TerminalUnavailable
from hardware.payment.protocol import State
from hardware.payment.results import (
    Approved,
    Cancelled,
    Declined,
    PaymentResult,
    Pending,
    Unknown,
)
from hardware.payment.terminal import PaymentTerminal, TcpPaymentTerminal

__all__ = [
    "Approved", "Cancelled", "Declined", "KeyConflict", "PaymentError", "PaymentResult",
    "PaymentTerminal", "Pending", "ProtocolError", "State", "TcpPaymentTerminal",
    "TerminalUnavailable", "Unknown",
]
