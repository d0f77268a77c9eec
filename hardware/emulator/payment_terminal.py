"""A card payment terminal emulator speaking :mod:`hardware.payment.protocol` on loopback.

It behaves like a real terminal as far as the POS can tell: it keeps every idempotency
key's outcome, answers ``pending`` while the "customer" is at the card reader, and can be
*cued* to misbehave the way real terminals and networks do, so tests exercise recovery
over real TCP rather than through a mock:

``approve``              approve (after ``delay_s`` at the card reader);
``decline``              decline with ``reason``;
``decline_after_delay``  decline after ``delay_s`` (0.5 s unless given);
``timeout``              approve internally but never answer the pay: a later ``status``
                         says approved;
``drop``                 approve, then close the connection without answering;
``drop_reboot``          approve, close the connection without answering, then reboot:
                         unreachable for ``delay_s`` seconds (1 s unless given), so the
                         till's own recovery runs out and it must say "unknown"; the
                         cashier's retry with the same key learns the approval.

:meth:`EmulatedPaymentTerminal.go_dark` makes it unreachable (every request's connection
closed unanswered, like a terminal rebooting or a pulled LAN cable) for a while at any time.

Every approval is written to :attr:`EmulatedPaymentTerminal.ledger`, so tests can assert a
customer was charged exactly once. Run it by hand with
``python -m hardware emulate-payment --port 7777``.
"""
from __future__ import annotations

import argparse
import collections
import functools
import itertools
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

from hardware.payment import protocol
from hardware.payment.errors import PaymentError

BEHAVIOURS = ("approve", "decline", "timeout", "drop", "decline_after_delay", "drop_reboot")
DEFAULT_DECLINE_DELAY_S = 0.5
DEFAULT_REBOOT_S = 1.0


@dataclass(frozen=True)
class Charge:
    """One approved payment: money that left the customer's card."""

    key: str
    amount: int
    currency: str
    txn_id: str
    at: float


@dataclass(frozen=True)
class _Cue:
    behaviour: str
    delay_s: float
    reason: str


@dataclass
class _Txn:
    key: str
    amount: int
    currency: str
    state: str = "pending"
    txn_id: str = ""
    auth_code: str = ""
    reason: str = ""
    changed: threading.Condition = field(default_factory=threading.Condition)


class EmulatedPaymentTerminal:
    """The emulator; ``start()`` it (or use ``with``) and point a client at :attr:`port`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, scheme: str = "MIR",
                 pan_last4: str = "1234"):
        if not (len(pan_last4) == 4 and pan_last4.isdigit()):
            raise ValueError(f"pan_last4 must be four digits, got {pan_last4!r}")
        self.scheme = scheme
        self.pan_last4 = pan_last4
        self._lock = threading.Lock()
        self._cues: collections.deque[_Cue] = collections.deque()
        self._txns: dict[str, _Txn] = {}
        self._ledger: list[Charge] = []
        self._counter = itertools.count(1)
        self._conns: set[socket.socket] = set()
        self._server = _Server((host, port), _Handler)
        self._server.terminal = self
        self._thread: Optional[threading.Thread] = None
        self._dark_until = 0.0

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._server.server_address[0]

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> "EmulatedPaymentTerminal":
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"payment-emulator:{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection, as a powered-off terminal would."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
        with self._lock:
            conns = list(self._conns)
            txns = list(self._txns.values())
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for txn in txns:  # wake handlers waiting out a delay
            with txn.changed:
                txn.changed.notify_all()

    def __enter__(self) -> "EmulatedPaymentTerminal":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- test controls -----------------------------------------------------------------

    def cue(self, behaviour: str, delay_s: Optional[float] = None, *, times: int = 1,
            reason: str = "insufficient funds") -> None:
        """Make the next ``times`` new payments behave as ``behaviour``."""
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}; choose one of {BEHAVIOURS}")
        if delay_s is None:
            delay_s = {"decline_after_delay": DEFAULT_DECLINE_DELAY_S,
                       "drop_reboot": DEFAULT_REBOOT_S}.get(behaviour, 0.0)
        if delay_s < 0 or times < 1:
            raise ValueError("delay_s must be >= 0 and times >= 1")
        with self._lock:
            self._cues.extend([_Cue(behaviour, float(delay_s), reason)] * times)

    def go_dark(self, seconds: float) -> None:
        """Be unreachable for ``seconds``: every request's connection is closed unanswered."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
            raise ValueError(f"go_dark takes seconds >= 0, got {seconds!r}")
        with self._lock:
            self._dark_until = time.monotonic() + seconds

    @property
    def dark(self) -> bool:
        with self._lock:
            return time.monotonic() < self._dark_until

    @property
    def ledger(self) -> list[Charge]:
        with self._lock:
            return list(self._ledger)

    def charges_for(self, key: str) -> list[Charge]:
        return [c for c in self.ledger if c.key == key]

    # -- protocol ----------------------------------------------------------------------

    def handle(self, message: dict, send, wait_closed) -> bool:
        """Answer one request; returns False when the connection must be closed."""
        if self.dark:
            return False
        op = message.get("op")
        if op == "ping":
            send({"op": "pong"})
            return True
        if op not in protocol.OPS:
            send(_error(op, "bad_request", f"unknown op {op!r}; expected one of {protocol.OPS}"))
            return True
        key = message.get("key")
        if not protocol.valid_key(key):
            send(_error(op, "bad_request", f"bad or missing key {key!r}"))
            return True
        if op == "status":
            send(self._state_of(op, key))
            return True
        if op == "cancel":
            send(self._cancel(key))
            return True
        return self._pay(message, key, send, wait_closed)

    def _state_of(self, op: str, key: str) -> dict:
        with self._lock:
            txn = self._txns.get(key)
            return _state_message(op, key, txn, self) if txn else {
                "op": op, "key": key, "state": "unknown"}

    def _cancel(self, key: str) -> dict:
        with self._lock:
            txn = self._txns.get(key)
            if txn is None:
                return {"op": "cancel", "key": key, "state": "unknown"}
            if txn.state == "pending":
                txn.state = "cancelled"
        with txn.changed:
            txn.changed.notify_all()
        return self._state_of("cancel", key)

    def _pay(self, message: dict, key: str, send, wait_closed) -> bool:
        amount, currency = message.get("amount"), message.get("currency")
        if not protocol.valid_amount(amount):
            send(_error("pay", "bad_request", f"amount must be positive kopecks, got {amount!r}"))
            return True
        if currency != "RUB":
            send(_error("pay", "bad_request", f"this terminal accepts RUB only, got {currency!r}"))
            return True
        conflict = None
        with self._lock:
            txn = self._txns.get(key)
            if txn is None:
                txn = self._txns[key] = _Txn(key, amount, currency)
                cue = self._cues.popleft() if self._cues else _Cue("approve", 0.0, "")
            elif (txn.amount, txn.currency) != (amount, currency):
                cue, conflict = None, (f"key {key} was used for {txn.amount} {txn.currency}, "
                                       f"not {amount} {currency}; use a new key for a new payment")
            else:
                cue = None  # a repeat: report the existing outcome, never charge again
        if conflict:
            send(_error("pay", "key_conflict", conflict))
            return True
        if cue is None:
            return self._report_existing(txn, send)
        send({"op": "pay", "key": key, "state": "pending"})
        deadline = time.monotonic() + (0.0 if cue.behaviour == "drop_reboot" else cue.delay_s)
        with txn.changed:
            while txn.state == "pending" and self._serving() and time.monotonic() < deadline:
                txn.changed.wait(deadline - time.monotonic())
        if not self._serving():
            return False
        with self._lock:
            if txn.state == "pending":
                if cue.behaviour in ("decline", "decline_after_delay"):
                    txn.state, txn.reason = "declined", cue.reason
                else:
                    self._approve(txn)
        with txn.changed:
            txn.changed.notify_all()
        if cue.behaviour == "timeout" and txn.state == "approved":
            wait_closed()  # never answer; hold the line until the client gives up
            return False
        if cue.behaviour == "drop" and txn.state == "approved":
            return False
        if cue.behaviour == "drop_reboot" and txn.state == "approved":
            self.go_dark(cue.delay_s)
            return False
        send(self._state_of("pay", key))
        return True

    def _report_existing(self, txn: _Txn, send) -> bool:
        if txn.state == "pending":
            send({"op": "pay", "key": txn.key, "state": "pending"})
            with txn.changed:
                while txn.state == "pending" and self._serving():
                    txn.changed.wait(0.1)
        send(self._state_of("pay", txn.key))
        return True

    def _approve(self, txn: _Txn) -> None:
        """Charge the card: called with the lock held, exactly once per key."""
        n = next(self._counter)
        txn.state = "approved"
        txn.txn_id = f"T{self.port}-{n:06d}"
        txn.auth_code = f"{n * 7919 % 1_000_000:06d}"
        self._ledger.append(Charge(txn.key, txn.amount, txn.currency, txn.txn_id, time.time()))

    def _serving(self) -> bool:
        return self._thread is not None

    def track(self, conn: socket.socket, open_: bool) -> None:
        with self._lock:
            (self._conns.add if open_ else self._conns.discard)(conn)


def _state_message(op: str, key: str, txn: _Txn, terminal: EmulatedPaymentTerminal) -> dict:
    message = {"op": op, "key": key, "state": txn.state}
    if txn.state == "approved":
        message.update(amount=txn.amount, currency=txn.currency, txn=txn.txn_id,
                       auth_code=txn.auth_code, pan=f"**** {terminal.pan_last4}",
                       scheme=terminal.scheme)
    elif txn.state == "declined":
        message["reason"] = txn.reason
    return message


def _error(op, code: str, text: str) -> dict:
    return {"op": op if isinstance(op, str) else None, "state": "error", "code": code,
            "error": text}


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    terminal: EmulatedPaymentTerminal


class _Handler(socketserver.StreamRequestHandler):
    timeout = 60  # an idle client is dropped, as real terminals do

    def handle(self) -> None:
        terminal: EmulatedPaymentTerminal = self.server.terminal
        terminal.track(self.connection, True)
        try:
            while True:
                try:
                    line = self.rfile.readline(protocol.MAX_LINE + 1)
                except OSError:
                    return
                if not line:
                    return
                if not line.endswith(b"\n"):
                    self._send(_error(None, "bad_request", "line too long or not terminated"))
                    return
                try:
                    message = protocol.decode(line.rstrip(b"\r\n"))
                except PaymentError as exc:
                    self._send(_error(None, "bad_request", str(exc)))
                    continue
                if not terminal.handle(message, self._send, self._wait_closed):
                    return
        finally:
            terminal.track(self.connection, False)

    def _send(self, message: dict) -> None:
        try:
            self.wfile.write(protocol.encode(message))
            self.wfile.flush()
        except OSError:
            pass  # the client went away; the outcome stays on record for status queries

    def _wait_closed(self) -> None:
        try:
            while self.rfile.read1(4096):
                pass
        except OSError:
            pass


def serve(host: str = "127.0.0.1", port: int = 7777, *, behaviour: str = "approve",
          delay_s: float = 0.0, ready=None) -> None:
    """Run an emulator in the foreground until Ctrl-C; every payment gets ``behaviour``."""
    if ready is None:
        ready = functools.partial(print, flush=True)
    terminal = EmulatedPaymentTerminal(host, port)
    terminal.cue(behaviour, delay_s, times=10**6)
    with terminal:
        ready(f"payment terminal emulator listening on {terminal.host}:{terminal.port} "
              f"(every payment: {behaviour}); Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=7777, help="TCP port (0 = any free)")
    parser.add_argument("--behaviour", choices=BEHAVIOURS, default="approve",
                        help="what every payment does")
    parser.add_argument("--delay", type=float, default=0.0,
                        help="seconds the emulated customer takes at the card reader")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hardware.emulator.payment_terminal",
        description="Card payment terminal emulator (newline-delimited JSON over TCP).")
    add_arguments(parser)
    args = parser.parse_args(argv)
    serve(args.host, args.port, behaviour=args.behaviour, delay_s=args.delay)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
