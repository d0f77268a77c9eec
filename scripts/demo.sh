#!/usr/bin/env bash
# Set up, then run the demo store. Builds the demo chain's store MSK1 as a terminal's
# local store and prints what it holds. (The app issues grow this into the full demo:
# central, sync agent, POS and kiosk under a virtual display, with screenshots.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KIVY_NO_ARGS=1 KIVY_LOG_MODE=PYTHON
mkdir -p var/demo
exec .venv/bin/python -m retail.demo --db var/demo/MSK1-P1.db --store MSK1 "$@"
