#!/usr/bin/env bash
# Installs what `make deb` needs on Debian 12 (called by `make deb`; idempotent).
set -euo pipefail

# Debian packages for building the .deb, one line per purpose.
PACKAGES=(
  debhelper dh-virtualenv fakeroot build-essential         # dpkg-buildpackage + the bundled venv
  python3 python3-venv python3-dev gcc pkg-config           # the venv, compiling pyscard/pycups
  libpcsclite-dev swig libcups2-dev                         # pyscard, pycups have no wheels
  git                                                       # the build id (commit) baked in
  shellcheck systemd                                        # checks: maintainer scripts, units
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "build-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "build-deps: ready"
