"""The payment emulator reboots on command: the till's recovery says "unknown", a retry settles it."""
from __future__ import annotations

import time

import pytest

from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
from hardware.payment import Approved, TcpPaymentTerminal, TerminalUnavailable, Unknown


@pytest.fixture
def emulator():
    with EmulatedPaymentTerminal() as emu:
        yield emu


def client(emu, **kw) -> TcpPaymentTerminal:
    opts = dict(decision_timeout_s=2.0, recovery_s=0.3, poll_s=0.05)
    opts.update(kw)
    return TcpPaymentTerminal("127.0.0.1", emu.port, 1.0, **opts)


def test_drop_reboot_leaves_the_till_unknown_and_the_retry_learns_the_one_charge(emulator):
    emulator.cue("drop_reboot", 0.8)
    term = client(emulator)
    first = term.pay("sale-1", 12_345)
    assert isinstance(first, Unknown) and "same key" in first.reason
    assert len(emulator.charges_for("sale-1")) == 1        # the money left the card
    time.sleep(0.9)
    again = term.pay("sale-1", 12_345)
    assert isinstance(again, Approved) and again.amount == 12_345
    assert len(emulator.charges_for("sale-1")) == 1


def test_a_short_reboot_is_recovered_by_the_client_itself(emulator):
    emulator.cue("drop_reboot", 0.1)
    result = client(emulator, recovery_s=2.0).pay("sale-2", 500)
    assert isinstance(result, Approved)
    assert len(emulator.ledger) == 1


def test_go_dark_closes_every_request_unanswered_then_serves_again(emulator):
    emulator.go_dark(0.5)
    assert emulator.dark
    with pytest.raises(TerminalUnavailable):
        client(emulator).status("sale-3")
    time.sleep(0.6)
    assert not emulator.dark
    assert isinstance(client(emulator).status("sale-3"), Unknown)
    assert emulator.ledger == []


@pytest.mark.parametrize("bad", [-1, "1", None, True])
def test_go_dark_refuses_nonsense(emulator, bad):
    with pytest.raises(ValueError, match="seconds"):
        emulator.go_dark(bad)
