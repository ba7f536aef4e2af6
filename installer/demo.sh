#!/usr/bin/env bash
# `make demo`: the kiosk on simulators with the embedded reference backend.
# With a display: a window plus the simulator panel. Without one: a scripted session
# runs off-screen and leaves screenshots and a transcript in demo-out/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${KIOSK_DEMO_HEADLESS:-}" ]; then
  echo "demo: starting the kiosk in a window with the simulator panel (close it to stop)"
  exec .venv/bin/kiosk --simulate --windowed --auto-pay-after 8
fi
out="demo-out"
mkdir -p "$out"  # keep demo-out/screenshots (`make screenshots`, run first)
find "$out" -mindepth 1 -maxdepth 1 ! -name screenshots -exec rm -rf {} +
echo "demo: no display, running the scripted demo off-screen..."
if .venv/bin/kiosk --simulate --headless --speech-engine mock \
    --scenario demo/tour.yaml --out "$out" > "$out.log" 2>&1; then
  mv "$out.log" "$out/kiosk.log"
  echo "demo: done. Screenshots and transcript are in $(pwd)/$out/"
  ls "$out"
else
  mkdir -p "$out" && mv "$out.log" "$out/kiosk.log"
  echo "demo: the scripted demo FAILED; see $(pwd)/$out/transcript.jsonl and $out/kiosk.log" >&2
  tail -5 "$out/transcript.jsonl" >&2 || true
  exit 1
fi
