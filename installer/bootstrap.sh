#!/usr/bin/env bash
# Installs what the kiosk needs on Debian 12, then the project into .venv.
# Idempotent: a second run checks and changes nothing (a few seconds).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

# System packages, one line per purpose.
PACKAGES=(
  python3 python3-venv python3-dev gcc pkg-config          # venv, building pyscard/pycups
  pcscd vsmartcard-vpcd libpcsclite-dev swig pcsc-tools    # PC/SC and the virtual reader
  libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0   # Qt xcb platform
  libpulse0                                               # QtTextToSpeech loads it
  speech-dispatcher speech-dispatcher-espeak-ng libspeechd2   # read-aloud (Qt's speechd plugin)
  libgooglepinyin0                                        # pinyin input on the touch keyboard
  xvfb xauth                                              # off-screen display for tests
  fonts-wqy-microhei fonts-arphic-uming                   # CJK fonts (UI, certificates)
  cups cups-client cups-bsd printer-driver-cups-pdf libcups2-dev   # A4 printing
  sane-utils libsane1                                     # scanners (SANE test backend)
  poppler-utils                                           # pdffonts/pdftotext/pdftoppm
  cage grim xwayland libwayland-cursor0 libwayland-egl1   # kiosk session (cage) tests
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing system packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python: prefer the system interpreter on a fresh Debian; any python3 >= 3.11 works.
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing the project into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
echo "bootstrap: ready"
