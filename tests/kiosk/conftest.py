"""Fixtures of the kiosk service tests: a kiosk's local store loaded from the demo chain.

The demo chain is what central serves row for row, so a store loaded with
:func:`retail.demo.load.load_store` holds what a kiosk has after its first sync: prices,
promotions, customers with cards, orders with pickup codes, staff and signing keys. It is
built once per session and copied for each test.
"""
from __future__ import annotations

import sqlite3
import time

import pytest

from retail.demo import DemoChain
from retail.demo.load import load_store

NOW = (int(time.time()) // 3600) * 3600
CHAIN = {"seed": 7, "skus": 300, "stores": 3, "customers": 30}


@pytest.fixture(scope="session")
def now() -> int:
    """The hour the demo chain is built around; the services' clock is a minute later."""
    return NOW


@pytest.fixture(scope="session")
def chain() -> DemoChain:
    return DemoChain(now=NOW, **CHAIN)


def _copy(src_path, dst_path):
    with sqlite3.connect(src_path) as src, sqlite3.connect(dst_path) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return dst_path


@pytest.fixture(scope="session")
def kiosk_template(tmp_path_factory, chain):
    path = tmp_path_factory.mktemp("kiosk-store") / "MSK1-K1.db"
    load_store(path, chain, "MSK1", terminal_id="K1", terminal_kind="kiosk")
    return path


@pytest.fixture(scope="session")
def till_template(tmp_path_factory, chain):
    path = tmp_path_factory.mktemp("till-store") / "MSK1-P1.db"
    load_store(path, chain, "MSK1", terminal_id="P1")
    return path


@pytest.fixture
def kiosk_path(tmp_path, kiosk_template):
    return _copy(kiosk_template, tmp_path / "MSK1-K1.db")


@pytest.fixture
def till_path(tmp_path, till_template):
    return _copy(till_template, tmp_path / "MSK1-P1.db")


@pytest.fixture
def services(kiosk_path):
    from kiosk.services import KioskServices

    s = KioskServices(kiosk_path, clock=lambda: NOW + 60)
    yield s
    s.close()
