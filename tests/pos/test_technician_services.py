"""ui.technician.TechnicianServices: devices through hardware.devices, the test page, registration."""
from __future__ import annotations

import pytest

from hardware.devices import DeviceConfigError
from hardware.emulator.escpos_printer import EscposPrinterEmulator
from sync.identity import RegistrationError
from ui.technician import TechnicianError, TechnicianServices


@pytest.fixture
def tech(store_path):
    return TechnicianServices(store_path)


def test_configure_check_and_print_the_test_page(tech, tmp_path):
    with EscposPrinterEmulator(port=0, out_dir=tmp_path / "paper") as emulator:
        saved = tech.configure("printer", emulator.spec, {"width_mm": 58, "timeout_s": 2})
        assert saved.spec == emulator.spec and saved.options["width_mm"] == 58
        states = {s.kind: s.state for s in tech.status()}
        assert states["printer"] == "ok" and states["payment"] == "not_configured"
        assert "bytes" in tech.test_print("ru")
        printed = "\n".join(emulator.wait_for_jobs(1)[0].text_lines)
        assert "ТЕСТ" in printed.upper()
    assert tech.configure("printer", "none").spec == "none"
    with pytest.raises(TechnicianError):
        tech.test_print()


def test_a_bad_spec_is_refused_with_the_device_modules_reason(tech):
    with pytest.raises(DeviceConfigError):
        tech.configure("payment", "tcp:nowhere")
    assert not tech.settings()["payment"].configured


def test_scan_test_and_registration(tech, store_path):
    assert tech.classify("4601234567893").startswith("GtinScan")
    assert tech.classify("???").startswith("Unrecognised")
    ident = tech.register("http://127.0.0.1:8700", "MSK1", "P1", "t" * 20, "pos")
    assert ident.terminal_id == "P1" and tech.identity()["central_url"] == "http://127.0.0.1:8700"
    assert (store_path.parent / (store_path.name + ".token")).read_text().strip() == "t" * 20
    with pytest.raises(RegistrationError):
        tech.register("nonsense", "MSK1", "P1", "t" * 20, "pos")


def test_before_registration_the_central_url_given_at_start_is_offered(tmp_path):
    from retail.store import connect

    connect(tmp_path / "new.db").close()
    tech = TechnicianServices(tmp_path / "new.db", central_url="http://hq:8700")
    assert tech.identity() == {"store_id": "", "terminal_id": "", "terminal_kind": "", "central_url": "http://hq:8700"}
