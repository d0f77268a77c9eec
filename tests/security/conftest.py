"""Security tests reuse central's hand-made chain (tests/central/central_support.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "central"))
