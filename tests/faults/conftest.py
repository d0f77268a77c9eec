"""Fault-suite tests import their helpers (faults_support) from this folder."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
