"""The POS side of the payment terminal: an interface and its TCP client.

A payment runs a small state machine::

    requested -> pending -> approved | declined | cancelled
                     \\-> unknown -> (status by key) -> approved | declined | cancelled
                                                   \\-> unknown (give up for now)

"unknown" is entered when the link fails after the request may have reached the terminal
(a timeout, a dropped connection): the card may or may not have been charged. The client
then asks the terminal for the outcome of the same idempotency key on fresh connections,
for at most ``recovery_s`` seconds. If it still cannot learn it, it returns
:class:`Unknown`; the POS keeps the sale open and retries later with the same key, which
the terminal answers with the stored outcome. So a customer is never charged twice and
never leaves unpaid. Every socket operation has a timeout; nothing here blocks forever.
"""
from __future__ import annotations

import abc
import logging
import socket
import time
from typing import Callable, Optional

from hardware.payment import protocol
from hardware.payment.errors import KeyConflict, PaymentError, ProtocolError, TerminalUnavailable
from hardware.payment.protocol import State
from hardware.payment.results import (
    Approved,
    PaymentResult,
    Pending,
    Unknown,
    result_from_message,
)

StateListener = Callable[[State], None]
log = logging.getLogger("hardware.payment")


class PaymentTerminal(abc.ABC):
    """What the POS needs from any card terminal, whatever the transport."""

    @abc.abstractmethod
    def pay(
        self, key: str, amount: int, currency: str = "RUB", on_state: Optional[StateListener] = None
    ) -> PaymentResult:
        """Charge ``amount`` kopecks under idempotency ``key``; never returns Pending."""

    @abc.abstractmethod
    def status(self, key: str) -> PaymentResult:
        """The terminal's current record for ``key``."""

    @abc.abstractmethod
    def cancel(self, key: str) -> PaymentResult:
        """Cancel a pending payment; answers the key's final state if it is too late."""

    @abc.abstractmethod
    def ping(self) -> float:
        """Round-trip time in seconds; raises :class:`TerminalUnavailable` if unreachable."""


class _Flow:
    """Tracks one payment's state and refuses transitions the protocol does not allow."""

    _ALLOWED = {
        None: {State.PENDING, State.APPROVED, State.DECLINED, State.CANCELLED, State.UNKNOWN},
        State.PENDING: {State.APPROVED, State.DECLINED, State.CANCELLED, State.UNKNOWN},
        State.UNKNOWN: {State.APPROVED, State.DECLINED, State.CANCELLED, State.UNKNOWN},
    }

    def __init__(self, key: str, listener: Optional[StateListener]):
        self.key = key
        self.state: Optional[State] = None
        self._listener = listener

    def move(self, new: State) -> None:
        if new not in self._ALLOWED.get(self.state, set()):
            raise ProtocolError(
                f"payment {self.key}: terminal went from {self.state and self.state.value} "
                f"to {new.value}, which the protocol does not allow"
            )
        changed = new is not self.state
        self.state = new
        if changed and self._listener is not None:
            try:
                self._listener(new)
            except Exception:  # a UI bug must not abandon a payment half-way
                log.exception("payment %s: state listener failed on %s", self.key, new.value)


class _Link:
    """One TCP connection reading protocol lines, each read bounded by a deadline."""

    def __init__(self, sock: socket.socket, where: str):
        self._sock = sock
        self._buf = b""
        self.where = where

    def send(self, message: dict, timeout_s: float) -> None:
        self._sock.settimeout(timeout_s)
        self._sock.sendall(protocol.encode(message))

    def read(self, deadline: float) -> dict:
        """The next message; socket.timeout past ``deadline``, ConnectionError on EOF."""
        while b"\n" not in self._buf:
            if len(self._buf) > protocol.MAX_LINE:
                raise ProtocolError(
                    f"terminal at {self.where} sent {len(self._buf)} bytes without a newline; "
                    "is this port really the payment terminal?"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("no answer before the deadline")
            self._sock.settimeout(remaining)
            chunk = self._sock.recv(4096)
            if not chunk:
                raise ConnectionError("the terminal closed the connection")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        try:
            return protocol.decode(line)
        except PaymentError as exc:
            raise ProtocolError(f"terminal at {self.where} broke the protocol: {exc}") from None

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass


class TcpPaymentTerminal(PaymentTerminal):
    """Client for a terminal speaking :mod:`hardware.payment.protocol` over TCP.

    ``timeout_s`` bounds connecting, sending and every short answer; ``decision_timeout_s``
    bounds the wait for the customer after ``pending``; ``recovery_s`` bounds how long an
    unknown outcome is chased through ``status`` queries, ``poll_s`` apart.
    """

    def __init__(
        self,
        host: str,
        port: int,
        timeout_s: float = 5.0,
        *,
        decision_timeout_s: float = 120.0,
        recovery_s: float = 15.0,
        poll_s: float = 0.5,
    ):
        for name, value in (
            ("timeout_s", timeout_s), ("decision_timeout_s", decision_timeout_s),
            ("recovery_s", recovery_s), ("poll_s", poll_s),
        ):
            if not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
        self.host, self.port = host, int(port)
        self.timeout_s = timeout_s
        self.decision_timeout_s = decision_timeout_s
        self.recovery_s = recovery_s
        self.poll_s = poll_s

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    # -- public operations -------------------------------------------------------------

    def pay(
        self, key: str, amount: int, currency: str = "RUB", on_state: Optional[StateListener] = None
    ) -> PaymentResult:
        _check_key(key)
        if not protocol.valid_amount(amount):
            raise PaymentError(f"amount must be a positive integer of kopecks, got {amount!r}")
        if not protocol.valid_currency(currency):
            raise PaymentError(f"currency must be an ISO code like 'RUB', got {currency!r}")
        flow = _Flow(key, on_state)
        link = self._connect()  # TerminalUnavailable here: nothing was sent, nothing charged
        try:
            try:
                link.send({"op": "pay", "key": key, "amount": amount, "currency": currency},
                          self.timeout_s)
                result = self._await_pay(link, flow, key)
            except (OSError, ConnectionError) as exc:  # socket.timeout is an OSError
                link.close()
                flow.move(State.UNKNOWN)
                return self._recover(flow, key, _describe(exc))
            except ProtocolError as exc:
                raise ProtocolError(
                    f"{exc}. The outcome of payment {key} is unknown: check it with the same "
                    "key before charging again"
                ) from None
        finally:
            link.close()
        if isinstance(result, Approved) and (result.amount, result.currency) != (amount, currency):
            raise PaymentError(
                f"payment {key}: terminal approved {result.amount} {result.currency} but "
                f"{amount} {currency} was requested; check the terminal's journal"
            )
        return result

    def status(self, key: str) -> PaymentResult:
        _check_key(key)
        return self._ask({"op": "status", "key": key}, key)

    def cancel(self, key: str) -> PaymentResult:
        _check_key(key)
        return self._ask({"op": "cancel", "key": key}, key)

    def ping(self) -> float:
        started = time.monotonic()
        link = self._connect()
        try:
            try:
                link.send({"op": "ping"}, self.timeout_s)
                answer = link.read(time.monotonic() + self.timeout_s)
            except (OSError, ConnectionError) as exc:
                raise TerminalUnavailable(
                    f"payment terminal at {self.where} did not answer a ping ({_describe(exc)})"
                ) from None
        finally:
            link.close()
        if answer.get("op") != "pong":
            raise ProtocolError(f"terminal at {self.where} answered a ping with {answer!r}")
        return time.monotonic() - started

    # -- internals ---------------------------------------------------------------------

    def _connect(self) -> _Link:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        except OSError as exc:
            raise TerminalUnavailable(
                f"cannot reach the payment terminal at {self.where} ({_describe(exc)}); "
                "check that it is on and connected. Nothing was charged."
            ) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Link(sock, self.where)

    def _await_pay(self, link: _Link, flow: _Flow, key: str) -> PaymentResult:
        """Read ``pending`` and then the final state on the pay connection."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            message = link.read(deadline)
            result = self._interpret(message, key, "pay")
            if isinstance(result, Unknown):
                raise ProtocolError(
                    f"terminal at {self.where} answered a payment with 'unknown', "
                    "which the protocol does not allow"
                )
            flow.move(result.state)
            if not isinstance(result, Pending):
                return result
            deadline = time.monotonic() + self.decision_timeout_s

    def _recover(self, flow: _Flow, key: str, cause: str) -> PaymentResult:
        """Chase the outcome of ``key`` through status queries until ``recovery_s`` runs out."""
        deadline = time.monotonic() + self.recovery_s
        last = cause
        while True:
            try:
                result = self._ask({"op": "status", "key": key}, key)
            except TerminalUnavailable as exc:
                last = str(exc)
            else:
                if result.state.is_final:
                    flow.move(result.state)
                    return result
                if isinstance(result, Unknown):
                    # The terminal never saw the request: definitely not charged.
                    return result
                last = "the terminal still shows the payment as pending"
            if time.monotonic() + self.poll_s > deadline:
                return Unknown(
                    key,
                    f"could not learn the outcome within {self.recovery_s:g} s after {cause}; "
                    f"last: {last}. Retry with the same key; the customer will not be charged "
                    "twice.",
                )
            time.sleep(self.poll_s)

    def _ask(self, request: dict, key: str) -> PaymentResult:
        """One request/answer exchange on a fresh connection."""
        link = self._connect()
        try:
            try:
                link.send(request, self.timeout_s)
                message = link.read(time.monotonic() + self.timeout_s)
            except (OSError, ConnectionError) as exc:
                raise TerminalUnavailable(
                    f"payment terminal at {self.where} did not answer {request['op']} for "
                    f"{key} ({_describe(exc)})"
                ) from None
        finally:
            link.close()
        return self._interpret(message, key, request["op"])

    def _interpret(self, message: dict, key: str, op: str) -> PaymentResult:
        if message.get("state") == "error":
            text = message.get("error") or "no reason given"
            if message.get("code") == "key_conflict":
                raise KeyConflict(f"payment {key} refused by the terminal: {text}")
            raise PaymentError(f"terminal refused {op} for {key}: {text}")
        try:
            return result_from_message(message, key)
        except PaymentError as exc:
            raise ProtocolError(f"terminal at {self.where} broke the protocol: {exc}") from None


def _check_key(key: object) -> None:
    if not protocol.valid_key(key):
        raise PaymentError(
            f"payment key must be 1-64 characters of letters, digits and . _ : -, got {key!r}"
        )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout):
        return "timed out"
    return str(exc) or type(exc).__name__


