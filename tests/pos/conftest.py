"""Fixtures of the POS service tests: a terminal's local store loaded from the demo chain.

The demo chain is what central serves row for row (``central seed`` uses the same
generator), so a store loaded with :func:`retail.demo.load.load_store` holds what a till
has after its first sync: staff with the demo PINs, prices, promotions, customers with
cards, orders with pickup codes and the store's signing keys. It is built once per
session and copied for each test.
"""
from __future__ import annotations

import sqlite3
import time

import pytest

from retail.demo import DemoChain
from retail.demo.load import load_store

NOW = (int(time.time()) // 3600) * 3600
CHAIN = {"seed": 7, "skus": 300, "stores": 2, "customers": 30}


@pytest.fixture(scope="session")
def chain() -> DemoChain:
    return DemoChain(now=NOW, **CHAIN)


@pytest.fixture(scope="session")
def store_template(tmp_path_factory, chain):
    path = tmp_path_factory.mktemp("pos-store") / "MSK1-P1.db"
    load_store(path, chain, "MSK1", terminal_id="P1")
    return path


@pytest.fixture
def store_path(tmp_path, store_template):
    path = tmp_path / "MSK1-P1.db"
    with sqlite3.connect(store_template) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return path
