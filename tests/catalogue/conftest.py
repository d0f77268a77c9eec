"""Fixtures for the catalogue tests: a real store file and a small known catalogue."""
from __future__ import annotations

import pytest
from catalogue_support import SHOP

from retail import catalogue
from retail.store import connect, transaction


@pytest.fixture
def store(tmp_path):
    conn = connect(tmp_path / "store.db")
    yield conn
    conn.close()


@pytest.fixture
def shop(store):
    with transaction(store):
        catalogue.upsert_categories(store, SHOP["categories"])
        catalogue.upsert_brands(store, SHOP["brands"])
        catalogue.upsert_products(store, SHOP["products"])
    return store
