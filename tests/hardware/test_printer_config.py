"""Printer spec strings and configuration: good ones parse, bad ones say what is wrong."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.printing import PrinterConfig, PrinterConfigError, PrinterSpec, PrinterSpecError


@pytest.mark.parametrize("text, expected, canonical", [
    ("network:127.0.0.1:9100", PrinterSpec("network", host="127.0.0.1", port=9100),
     "network:127.0.0.1:9100"),
    ("network:printer.local", PrinterSpec("network", host="printer.local"),
     "network:printer.local:9100"),
    ("NETWORK:[::1]:9101", PrinterSpec("network", host="::1", port=9101), "network:[::1]:9101"),
    ("serial:/dev/ttyUSB0:19200", PrinterSpec("serial", device="/dev/ttyUSB0", baudrate=19200),
     "serial:/dev/ttyUSB0:19200"),
    ("serial:COM3", PrinterSpec("serial", device="COM3"), "serial:COM3:19200"),
    ("serial:/dev/ttyS0:9600", PrinterSpec("serial", device="/dev/ttyS0", baudrate=9600),
     "serial:/dev/ttyS0:9600"),
    ("usb:04b8:0202", PrinterSpec("usb", vendor_id=0x04B8, product_id=0x0202), "usb:04b8:0202"),
    ("usb:0x0416:0x5011", PrinterSpec("usb", vendor_id=0x0416, product_id=0x5011),
     "usb:0416:5011"),
    ("file:/dev/usb/lp0", PrinterSpec("file", path="/dev/usb/lp0"), "file:/dev/usb/lp0"),
    ("cups:Receipt_Printer", PrinterSpec("cups", name="Receipt_Printer"), "cups:Receipt_Printer"),
    ("dummy", PrinterSpec("dummy"), "dummy"),
    ("  dummy  ", PrinterSpec("dummy"), "dummy"),
])
def test_good_specs(text, expected, canonical):
    spec = PrinterSpec.parse(text)
    assert spec == expected
    assert str(spec) == canonical
    assert PrinterSpec.parse(str(spec)) == spec


@pytest.mark.parametrize("text, message", [
    ("", "it is empty"),
    ("   ", "it is empty"),
    ("netwrk:1.2.3.4", "unknown kind 'netwrk'"),
    ("network:", "network needs an argument"),
    ("network:1.2.3.4:http", "port 'http' is not a number"),
    ("network:1.2.3.4:70000", "port 70000 is outside 1-65535"),
    ("network:1.2.3.4:0", "port 0 is outside"),
    ("network:bad host", "is not an IP address or host name"),
    ("network:999.1.1.1", "is not an IP address or host name"),
    ("network:[::1", "missing ']'"),
    ("serial:/dev/ttyUSB0:12345", "baud rate 12345 is not one of"),
    ("serial::9600", "the serial device is missing"),
    ("usb:04b8", "usb needs VENDOR:PRODUCT"),
    ("usb:zzzz:0202", "USB vendor id 'zzzz'"),
    ("usb:04b8:0000", "USB product id '0000'"),
    ("cups:My Printer", "may not contain spaces"),
    ("dummy:x", "dummy takes no arguments"),
    ("192.168.1.50", "unknown kind '192.168.1.50'"),
])
def test_bad_specs_say_why_and_show_the_forms(text, message):
    with pytest.raises(PrinterSpecError) as info:
        PrinterSpec.parse(text)
    assert message in str(info.value)
    assert "network:HOST[:PORT]" in str(info.value)


def test_spec_must_be_text():
    with pytest.raises(PrinterSpecError, match="must be text"):
        PrinterSpec.parse(9100)


@given(st.text(max_size=60))
def test_any_text_parses_or_raises_spec_error(text):
    try:
        spec = PrinterSpec.parse(text)
    except PrinterSpecError as exc:
        assert str(exc)
    else:
        assert PrinterSpec.parse(str(spec)) == spec


@given(st.sampled_from(["network", "serial", "usb", "file", "cups"]), st.text(max_size=30))
def test_kind_with_any_argument_parses_or_raises_spec_error(kind, rest):
    try:
        spec = PrinterSpec.parse(f"{kind}:{rest}")
    except PrinterSpecError:
        return
    assert spec.kind == kind
    assert PrinterSpec.parse(str(spec)) == spec


@given(st.ip_addresses(), st.integers(min_value=1, max_value=65535))
def test_network_spec_round_trips(address, port):
    host = f"[{address}]" if address.version == 6 else str(address)
    spec = PrinterSpec.parse(f"network:{host}:{port}")
    assert (spec.host, spec.port) == (str(address), port)
    assert PrinterSpec.parse(str(spec)) == spec


def test_config_defaults_and_derived_values():
    config = PrinterConfig("network:127.0.0.1")
    assert config.spec == PrinterSpec("network", host="127.0.0.1")
    assert (config.width_mm, config.columns, config.dots) == (80, 48, 576)
    assert PrinterConfig("dummy", width_mm=58).columns == 32
    assert PrinterConfig("dummy", width_mm=58).dots == 384
    assert PrinterConfig("dummy", columns=42).dots == 512


@pytest.mark.parametrize("kwargs, message", [
    ({"width_mm": 76}, "paper width must be 58 or 80 mm"),
    ({"width_mm": 58, "columns": 48}, "58 mm paper takes 32 columns"),
    ({"columns": 40}, "80 mm paper takes 42 or 48 columns"),
    ({"codepage_slot": 256}, "code page slot must be 0-255 or None"),
    ({"codepage_slot": "17"}, "code page slot must be 0-255 or None"),
    ({"codepage_mode": "image"}, "code page mode must be 'native' or 'raster'"),
    ({"drawer_pin": 3}, "cash drawer pin must be 2 or 5"),
    ({"drawer_pulse_ms": 1000}, "drawer pulse must be 2-510 ms"),
    ({"timeout_s": 0}, "printer timeout must be more than 0"),
    ({"timeout_s": "3"}, "printer timeout must be more than 0"),
])
def test_bad_config_values(kwargs, message):
    with pytest.raises(PrinterConfigError, match=message):
        PrinterConfig("dummy", **kwargs)


def test_bad_spec_in_config_is_a_spec_error():
    with pytest.raises(PrinterSpecError, match="unknown kind"):
        PrinterConfig("lpt1")
    with pytest.raises(PrinterConfigError, match="must be a PrinterSpec or text"):
        PrinterConfig(None)
