"""The TCP payment client against the emulator, over real loopback TCP."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
from hardware.payment import (
    Approved,
    Cancelled,
    Declined,
    KeyConflict,
    PaymentError,
    ProtocolError,
    State,
    TcpPaymentTerminal,
    TerminalUnavailable,
    Unknown,
)


@pytest.fixture
def emulator():
    with EmulatedPaymentTerminal() as emu:
        yield emu


def client(emu, **kw) -> TcpPaymentTerminal:
    opts = dict(decision_timeout_s=2.0, recovery_s=2.0, poll_s=0.05)
    opts.update(kw)
    return TcpPaymentTerminal("127.0.0.1", emu.port, 1.0, **opts)


def test_ping(emulator):
    assert 0 <= client(emulator).ping() < 1.0


def test_approve_goes_through_pending(emulator):
    states = []
    result = client(emulator).pay("sale-1", 12_345, on_state=states.append)
    assert isinstance(result, Approved)
    assert (result.key, result.amount, result.currency) == ("sale-1", 12_345, "RUB")
    assert result.masked_pan == "**** 1234" and result.scheme == "MIR"
    assert result.txn_id and result.auth_code
    assert states == [State.PENDING, State.APPROVED]
    assert [c.key for c in emulator.ledger] == ["sale-1"]


def test_results_are_frozen(emulator):
    result = client(emulator).pay("sale-1", 100)
    with pytest.raises(AttributeError):
        result.amount = 1  # type: ignore[misc]


def test_decline(emulator):
    emulator.cue("decline", reason="card expired")
    result = client(emulator).pay("sale-2", 500)
    assert result == Declined("sale-2", "card expired")
    assert emulator.ledger == []


def test_decline_after_delay(emulator):
    emulator.cue("decline_after_delay", delay_s=0.3)
    states = []
    started = time.monotonic()
    result = client(emulator).pay("sale-3", 500, on_state=states.append)
    assert isinstance(result, Declined)
    assert time.monotonic() - started >= 0.3
    assert states == [State.PENDING, State.DECLINED]
    assert emulator.ledger == []


def test_timeout_is_recovered_as_approved_and_charged_once(emulator):
    emulator.cue("timeout")
    states = []
    result = client(emulator, decision_timeout_s=0.3).pay("sale-4", 9_900, on_state=states.append)
    assert isinstance(result, Approved) and result.amount == 9_900
    assert states == [State.PENDING, State.UNKNOWN, State.APPROVED]
    assert len(emulator.charges_for("sale-4")) == 1


def test_connection_drop_mid_payment_is_recovered(emulator):
    emulator.cue("drop", delay_s=0.1)
    states = []
    result = client(emulator).pay("sale-5", 700, on_state=states.append)
    assert isinstance(result, Approved)
    assert states == [State.PENDING, State.UNKNOWN, State.APPROVED]
    assert len(emulator.charges_for("sale-5")) == 1


def test_same_key_after_approval_returns_same_txn_without_second_charge(emulator):
    term = client(emulator)
    first = term.pay("sale-6", 1_000)
    again = term.pay("sale-6", 1_000)
    assert again == first
    assert len(emulator.charges_for("sale-6")) == 1


def test_same_key_after_decline_stays_declined(emulator):
    emulator.cue("decline")
    term = client(emulator)
    assert isinstance(term.pay("sale-6b", 1_000), Declined)
    assert isinstance(term.pay("sale-6b", 1_000), Declined)
    assert emulator.ledger == []


def test_same_key_with_another_amount_is_refused(emulator):
    term = client(emulator)
    term.pay("sale-7", 1_000)
    with pytest.raises(KeyConflict, match="used for 1000 RUB, not 2000 RUB"):
        term.pay("sale-7", 2_000)
    assert [c.amount for c in emulator.charges_for("sale-7")] == [1_000]


def test_cancel_a_pending_payment(emulator):
    emulator.cue("approve", delay_s=5)
    term = client(emulator, decision_timeout_s=10)
    pending = threading.Event()
    outcome = {}

    def run():
        outcome["result"] = term.pay(
            "sale-8", 300, on_state=lambda s: s is State.PENDING and pending.set())

    worker = threading.Thread(target=run)
    worker.start()
    assert pending.wait(2)
    assert term.status("sale-8").state is State.PENDING
    assert term.cancel("sale-8") == Cancelled("sale-8")
    worker.join(2)
    assert outcome["result"] == Cancelled("sale-8")
    assert emulator.ledger == []
    # a retry of a cancelled key reports the cancellation; it does not charge
    assert term.pay("sale-8", 300) == Cancelled("sale-8")
    assert emulator.ledger == []


def test_cancel_after_approval_reports_approval(emulator):
    term = client(emulator)
    approved = term.pay("sale-9", 300)
    assert term.cancel("sale-9") == approved


def test_status_and_cancel_of_unknown_key(emulator):
    term = client(emulator)
    assert isinstance(term.status("never-seen"), Unknown)
    assert isinstance(term.cancel("never-seen"), Unknown)


def test_outcome_still_pending_returns_unknown_then_retry_with_same_key(emulator):
    emulator.cue("approve", delay_s=1.0)
    term = client(emulator, decision_timeout_s=0.2, recovery_s=0.3)
    first = term.pay("sale-10", 4_200)
    assert isinstance(first, Unknown)
    assert "same key" in first.reason
    time.sleep(1.0)
    later = term.pay("sale-10", 4_200)
    assert isinstance(later, Approved)
    assert len(emulator.charges_for("sale-10")) == 1


def test_terminal_gone_during_recovery_returns_unknown():
    emu = EmulatedPaymentTerminal().start()
    emu.cue("timeout")
    term = client(emu, decision_timeout_s=0.2, recovery_s=0.4)
    # the terminal loses power while the customer is at the card reader
    result = term.pay("sale-11", 100, on_state=lambda s: s is State.PENDING and emu.stop())
    assert isinstance(result, Unknown)
    assert "cannot reach" in result.reason and "same key" in result.reason


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_terminal_is_a_clear_error():
    term = TcpPaymentTerminal("127.0.0.1", free_port(), 0.5)
    with pytest.raises(TerminalUnavailable, match="Nothing was charged"):
        term.pay("sale-12", 100)
    with pytest.raises(TerminalUnavailable):
        term.ping()


@pytest.mark.parametrize("key,amount,currency", [
    ("", 100, "RUB"), ("has space", 100, "RUB"), ("k" * 65, 100, "RUB"),
    ("ok", 0, "RUB"), ("ok", -5, "RUB"), ("ok", 1.5, "RUB"), ("ok", True, "RUB"),
    ("ok", 100, "rub"), ("ok", 100, "RUBL"),
])
def test_bad_request_arguments_are_refused_before_sending(emulator, key, amount, currency):
    with pytest.raises(PaymentError):
        client(emulator).pay(key, amount, currency)
    assert emulator.ledger == []


def test_terminal_refuses_other_currency(emulator):
    with pytest.raises(PaymentError, match="RUB only"):
        client(emulator).pay("sale-13", 100, "USD")


class GarbageServer:
    """A real TCP server that answers every connection with fixed bytes."""

    def __init__(self, reply: bytes):
        self.reply = reply
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(4096)
                    conn.sendall(self.reply)
                    time.sleep(0.05)
                except OSError:
                    pass

    def close(self):
        self.sock.close()


@pytest.mark.parametrize("reply,match", [
    (b"HTTP/1.1 400 Bad Request\r\n\r\n", "not JSON"),
    (b"\xff\xfe\x00garbage\n", "not UTF-8"),
    (b"[1, 2, 3]\n", "not an object"),
    (b'{"op":"pay","key":"sale-14","state":"teleported"}\n', "unknown state"),
    (b'{"op":"pay","key":"other","state":"approved"}\n', "expected 'sale-14'"),
    (b'{"op":"pay","key":"sale-14","state":"approved","amount":100,"currency":"RUB"}\n',
     "lacks 'txn'"),
    (b"x" * 10_000, "without a newline"),
])
def test_protocol_garbage_is_a_clear_error(reply, match):
    server = GarbageServer(reply)
    try:
        term = TcpPaymentTerminal("127.0.0.1", server.port, 1.0)
        with pytest.raises(ProtocolError, match=match) as info:
            term.pay("sale-14", 100)
        assert "same key" in str(info.value)
        with pytest.raises(ProtocolError):
            term.status("sale-14")
    finally:
        server.close()


def test_full_pan_from_a_terminal_is_masked():
    server = GarbageServer(
        b'{"op":"pay","key":"sale-15","state":"approved","amount":100,"currency":"RUB",'
        b'"txn":"T1","auth_code":"A1","pan":"2200123456789012","scheme":"MIR"}\n')
    try:
        result = TcpPaymentTerminal("127.0.0.1", server.port, 1.0).pay("sale-15", 100)
        assert result.masked_pan == "**** 9012"
    finally:
        server.close()


def test_a_failing_state_listener_does_not_abandon_the_payment(emulator):
    def broken(state):
        raise RuntimeError("UI bug")

    assert isinstance(client(emulator).pay("sale-16", 100, on_state=broken), Approved)
    assert len(emulator.charges_for("sale-16")) == 1


def test_emulator_command_line_serves_payments():
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen(
        [sys.executable, "-m", "hardware", "emulate-payment", "--port", "0",
         "--behaviour", "decline"],
        cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        port = int(line.split("listening on 127.0.0.1:", 1)[1].split()[0])
        term = TcpPaymentTerminal("127.0.0.1", port, 2.0)
        assert isinstance(term.pay("cli-1", 100), Declined)
        assert isinstance(term.pay("cli-2", 100), Declined)
    finally:
        proc.terminate()
        proc.wait(5)
