#!/usr/bin/env bash
# Set up, then run the demo store: central with the demo chain, the sync agent, the POS
# and the kiosk under a virtual display when there is no screen, a scripted
# shift with screenshots in var/demo/screenshots and receipts in var/demo/receipts.
# Extra arguments go to run_demo.py: --skus 100000, --no-kiosk, --interactive (needs a display).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KIVY_NO_ARGS=1 KIVY_LOG_MODE=PYTHON
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python run_demo.py "$@"
fi
exec .venv/bin/python run_demo.py "$@"
