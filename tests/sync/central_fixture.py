"""A real central for sync, app and fault tests: the pytest face of :mod:`bench.faults.rig`.

The demo chain is seeded once per test session with ``python -m central seed`` (small:
a few dozen SKUs, two stores) and its terminals are added with ``python -m central
terminal add``, exactly as an operator would. Each test gets a copy of that database and
its own central (uvicorn in a thread, on a free port), which it can stop and start again
on the same port (central "down"), give another clock (skew), or change directly
(:meth:`Central.db`) to make it serve new or bad data. The rig itself lives in
bench/faults/rig.py so the fault suites (product code, no pytest) use the same one.

Reuse from another test folder::

    sys.path.insert(0, str(Path(__file__).parents[1] / "sync"))
    from central_fixture import central, central_template, terminals  # noqa: F401  (fixtures)

``terminals`` makes registered local stores (:class:`Terminal`) of those terminals.
"""
from __future__ import annotations

import pytest

from bench.faults.rig import (ENV, PYTHON, ROOT, SEED, Central, Template, Terminal,  # noqa: F401  (re-exported)
                              build_template, copy_database, register, run_cli, terminal_add)


@pytest.fixture(scope="session")
def central_template(tmp_path_factory) -> Template:
    return build_template(tmp_path_factory.mktemp("central-template"))


@pytest.fixture
def central(tmp_path, central_template):
    path = tmp_path / "central.db"
    copy_database(central_template.path, path)
    running = Central(path, central_template)
    yield running
    running.stop()


@pytest.fixture
def terminals(tmp_path, central):
    """``terminals(store, terminal, url=None)`` -> a registered :class:`Terminal` (not yet synced)."""
    made: list[Terminal] = []

    def make(store: str, terminal: str, *, url: str | None = None, token: str | None = None) -> Terminal:
        t = register(tmp_path, central, store, terminal, url=url, token=token)
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()
