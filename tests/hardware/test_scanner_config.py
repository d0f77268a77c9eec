"""Scanner spec lines: parsing, canonical form, building, clear errors."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.scanner import (
    CameraScanner,
    KeyboardWedge,
    ScannerConfig,
    ScannerError,
    SerialScanner,
    Suffix,
    parse_scanner_spec,
)
from hardware.scanner.config import STANDARD_BAUDS


@pytest.mark.parametrize("spec,expected", [
    ("serial:/dev/ttyUSB0:9600", ScannerConfig("serial", "/dev/ttyUSB0", 9600)),
    ("serial:/dev/ttyACM0", ScannerConfig("serial", "/dev/ttyACM0")),
    ("serial:COM3:115200;suffix=crlf", ScannerConfig("serial", "COM3", 115200, suffix=Suffix.CRLF)),
    ("serial:loop://", ScannerConfig("serial", "loop://")),
    ("serial:rfc2217://10.0.0.5:7000", ScannerConfig("serial", "rfc2217://10.0.0.5:7000")),
    ("serial:rfc2217://10.0.0.5:7000:19200",
     ScannerConfig("serial", "rfc2217://10.0.0.5:7000", 19200)),
    ("wedge", ScannerConfig("wedge")),
    ("wedge;suffix=TAB;max_gap_ms=30;min_length=6;layout=ru;prefix=%7E",
     ScannerConfig("wedge", suffix=Suffix.TAB, max_gap_ms=30, min_length=6, layout="ru",
                   prefix="~")),
    ("camera:0", ScannerConfig("camera")),
    ("camera", ScannerConfig("camera")),
    (" camera:2;dedupe_ms=500 ", ScannerConfig("camera", camera=2, dedupe_ms=500)),
])
def test_parse(spec, expected):
    assert parse_scanner_spec(spec) == expected


@pytest.mark.parametrize("spec,match", [
    ("", "empty"), ("usb:3", "kind must be one of"), ("serial:", "needs a port"),
    ("serial:/dev/ttyS0:9601", "not a standard rate"), ("camera:front", "digits"),
    ("wedge:1", "takes no address"), ("wedge;colour=red", "unknown scanner setting"),
    ("wedge;suffix", "unknown scanner setting"), ("wedge;suffix=ETX", "suffix"),
    ("wedge;min_length=0", "at least 1"), ("wedge;max_gap_ms=fast", "whole number"),
    ("wedge;layout=dvorak", "layout"), ("serial:/dev/x;encoding=klingon", "encoding"),
])
def test_bad_specs_are_clear_errors(spec, match):
    with pytest.raises(ScannerError, match=match):
        parse_scanner_spec(spec)


def test_build_gives_the_right_scanner():
    serial = parse_scanner_spec("serial:/dev/ttyUSB0:19200;suffix=TAB;prefix=X").build()
    assert isinstance(serial, SerialScanner)
    assert (serial.port, serial.baudrate, serial.framing.suffix, serial.framing.prefix) == (
        "/dev/ttyUSB0", 19200, Suffix.TAB, "X")
    wedge = parse_scanner_spec("wedge;max_gap_ms=30").build()
    assert isinstance(wedge, KeyboardWedge) and wedge.max_gap_s == 0.03
    camera = parse_scanner_spec("camera:1;dedupe_ms=1500").build()
    assert isinstance(camera, CameraScanner) and camera.source == "camera:1"
    assert camera.dedupe_s == 1.5


ports = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-.",
                min_size=1, max_size=20)
configs = st.one_of(
    st.builds(ScannerConfig, kind=st.just("serial"), port=ports,
              baudrate=st.sampled_from(STANDARD_BAUDS), suffix=st.sampled_from(list(Suffix)),
              prefix=st.text(max_size=5), encoding=st.sampled_from(["utf-8", "cp1251"])),
    st.builds(ScannerConfig, kind=st.just("wedge"), suffix=st.sampled_from(list(Suffix)),
              prefix=st.text(max_size=5), max_gap_ms=st.integers(1, 500),
              min_length=st.integers(1, 50), layout=st.sampled_from(["auto", "ru", "us"])),
    st.builds(ScannerConfig, kind=st.just("camera"), camera=st.integers(0, 9),
              dedupe_ms=st.integers(0, 10_000)),
)


@given(configs)
def test_spec_round_trip(config):
    assert ScannerConfig.from_spec(config.to_spec()) == config


@given(st.text(max_size=40))
def test_any_text_parses_or_raises_scanner_error(spec):
    try:
        ScannerConfig.from_spec(spec)
    except ScannerError:
        pass
