"""Central over real HTTP: a seeded chain, uvicorn on 127.0.0.1 (free port), requests."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent))

import support  # noqa: E402
from central.api import serve_in_background  # noqa: E402
from central.storage import connect  # noqa: E402


class Clock:
    """Central's idea of now, settable by a test (tombstone expiry)."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Api:
    """A thin requests wrapper: one terminal's (or the web shop's) view of central."""

    def __init__(self, url: str, token: str | None, store: str = "", terminal: str = "") -> None:
        self.url, self.token, self.store, self.terminal = url, token, store, terminal
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def feed(self, feed: str, cursor: str = "", limit: int | None = None, store: str | None = None,
             expect: int = 200) -> dict:
        params = {"cursor": cursor}
        if limit is not None:
            params["limit"] = limit
        r = self.session.get(f"{self.url}/api/v1/stores/{store or self.store}/feeds/{feed}", params=params, timeout=10)
        assert r.status_code == expect, r.text
        return r.json()

    def feed_all(self, feed: str, cursor: str = "", limit: int = 5000) -> tuple[list[dict], dict]:
        """Follow ``more`` to the end; returns every row and the last page."""
        rows = []
        while True:
            page = self.feed(feed, cursor, limit)
            rows += page["rows"]
            cursor = page["next_cursor"]
            if not page["more"]:
                return rows, page

    def send(self, events: list[dict], expect: int = 200, store: str | None = None, terminal: str | None = None):
        r = self.session.post(f"{self.url}/api/v1/events", timeout=30, json={
            "store": store or self.store, "terminal": terminal or self.terminal, "events": events})
        assert r.status_code == expect, r.text
        return r.json()


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
