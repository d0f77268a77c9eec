"""Properties of the payment protocol codec and of the emulator's handling of bad lines."""
from __future__ import annotations

import json
import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
from hardware.payment import PaymentError, State
from hardware.payment.protocol import decode, encode, mask_pan, valid_key
from hardware.payment.results import result_from_message

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=10,
)


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_encode_decode_round_trip(message):
    line = encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode(line[:-1]) == message


@given(st.binary(max_size=200))
def test_decode_never_fails_with_anything_but_payment_error(data):
    try:
        decode(data)
    except PaymentError:
        pass


@given(st.dictionaries(st.sampled_from(
    ["key", "state", "amount", "currency", "txn", "auth_code", "pan", "scheme", "reason"]),
    json_values))
def test_result_from_arbitrary_message_is_a_result_or_payment_error(message):
    try:
        result = result_from_message(message, "k")
    except PaymentError:
        return
    assert result.key == "k"
    assert isinstance(result.state, State)


@given(st.text(alphabet="0123456789 -*", min_size=4, max_size=25))
def test_mask_keeps_at_most_last_four_digits(pan):
    digits = [c for c in pan if c.isdigit()]
    if len(digits) < 4:
        with pytest.raises(PaymentError):
            mask_pan(pan)
    else:
        assert mask_pan(pan) == "**** " + "".join(digits[-4:])


@given(st.text(max_size=70))
def test_valid_key_matches_documented_alphabet(key):
    expected = 1 <= len(key) <= 64 and all(c.isascii() and (c.isalnum() or c in "._:-")
                                           for c in key)
    assert valid_key(key) == expected


def exchange(port: int, raw: bytes) -> list[dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    return [json.loads(line) for line in data.splitlines()]


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=100).filter(lambda b: b"\n" not in b))
def test_emulator_answers_garbage_with_bad_request_and_keeps_serving(data):
    with EmulatedPaymentTerminal() as emu:
        answers = exchange(emu.port, data + b"\n" + b'{"op":"ping"}\n')
        assert answers[-1] == {"op": "pong"}
        for answer in answers[:-1]:
            assert answer["state"] == "error" and answer["code"] == "bad_request"
        assert emu.ledger == []


@pytest.mark.parametrize("request_,fragment", [
    ({"op": "refund", "key": "k"}, "unknown op"),
    ({"op": "pay", "amount": 100, "currency": "RUB"}, "bad or missing key"),
    ({"op": "pay", "key": "k", "amount": "100", "currency": "RUB"}, "positive kopecks"),
    ({"op": "status", "key": "bad key!"}, "bad or missing key"),
])
def test_emulator_refuses_malformed_requests(request_, fragment):
    with EmulatedPaymentTerminal() as emu:
        (answer,) = exchange(emu.port, encode(request_))
        assert answer["code"] == "bad_request" and fragment in answer["error"]
        assert emu.ledger == []


def test_emulator_cue_validation():
    emu = EmulatedPaymentTerminal()
    with pytest.raises(ValueError, match="unknown behaviour"):
        emu.cue("explode")
    with pytest.raises(ValueError):
        emu.cue("approve", delay_s=-1)
    emu.stop()
