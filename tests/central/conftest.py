"""Central over real HTTP: a seeded chain, uvicorn on 127.0.0.1 (free port), requests."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import central_support as support  # noqa: E402
from central.api import serve_in_background  # noqa: E402
from central.storage import connect  # noqa: E402
from central_support import Api, Clock  # noqa: E402


@pytest.fixture
def db_path(tmp_path) -> Path:
    path = tmp_path / "central.db"
    support.build_chain(path)
    return path


@pytest.fixture
def tokens(db_path) -> dict:
    return support.add_terminals(db_path)


@pytest.fixture
def clock() -> Clock:
    return Clock(support.NOW)


@pytest.fixture
def server(db_path, tokens, clock):
    running = serve_in_background(db_path, clock=clock)
    yield running
    running.stop()


@pytest.fixture
def p1(server, tokens) -> Api:
    return Api(server.url, tokens[("MSK1", "P1")], "MSK1", "P1")


@pytest.fixture
def k1(server, tokens) -> Api:
    return Api(server.url, tokens[("MSK1", "K1")], "MSK1", "K1")


@pytest.fixture
def spb(server, tokens) -> Api:
    return Api(server.url, tokens[("SPB1", "P1")], "SPB1", "P1")


@pytest.fixture
def web(server, tokens) -> Api:
    return Api(server.url, tokens[("web", "")])


@pytest.fixture
def db(db_path, server):
    """A direct connection to central's database, to check what was (not) written."""
    conn = connect(db_path, migrate_schema=False)
    yield conn
    conn.close()
