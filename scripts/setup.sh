#!/usr/bin/env bash
# Set up Vitrina on a Debian/Ubuntu machine: system packages (Xvfb, Mesa, the libraries
# Kivy's wheels load), a virtual environment in .venv, and the project with its dev tools.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(xvfb xauth libgl1 libgl1-mesa-dri libegl1 libgles2 libmtdev1 libxrender1
                 libxi6 xclip fonts-dejavu-core python3-venv)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # python3-venv is only needed for a Debian-packaged python3; skip it if unavailable.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]/python3-venv/}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  $PYTHON -m venv .venv
fi
stamp=.venv/.vitrina-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
  touch "$stamp"
fi
echo "setup: ready ($(.venv/bin/python --version))"
