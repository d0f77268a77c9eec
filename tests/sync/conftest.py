"""Fixtures of the sync tests: a real central over HTTP (see central_fixture.py)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from central_fixture import central, central_template, terminals  # noqa: E402,F401  (pytest fixtures)
