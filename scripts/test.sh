#!/usr/bin/env bash
# Set up, then run the whole test suite. GUI tests open real Kivy windows, so without a
# display the suite runs under a virtual one (Xvfb, Mesa software GL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KIVY_NO_ARGS=1 KIVY_NO_CONSOLELOG=1 KIVY_LOG_MODE=PYTHON
mkdir -p artifacts
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest "$@"
