"""The packaged kiosk inside the kiosk compositor, as on a terminal: cage with wlroots'
headless backend, Qt on Wayland, fullscreen; the attract screen is captured through the
compositor with grim (tests/packaging/out/cage-attract.png is kept for a person to look at)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from debtools import BuiltPackages

# The first test builds the packages (make deb: a virtualenv bundle), minutes on a busy
# machine; pytest-timeout counts that setup in the test.
pytestmark = [pytest.mark.packaging, pytest.mark.timeout(1500)]

SESSION = """#!/bin/sh
# cage's one application: the kiosk, and a screenshot once the attract screen is up.
"{python}" -m kiosk.app --simulate --speech-engine mock --scenario "{work}/s.yaml" \\
  --out "{work}/out" --state-dir "{work}/state" > "{work}/kiosk.log" 2>&1 &
kiosk=$!
i=0
while [ $i -lt 1200 ] && ! grep -q '"step": 1,' "{work}/out/transcript.jsonl" 2>/dev/null; do
  sleep 0.1; i=$((i+1))
done
sleep 1
grim "{work}/out/cage-attract.png"
echo "grim exit $?" >&2
wait $kiosk
"""


def test_kiosk_in_cage_headless_screenshot_through_the_compositor(debs: BuiltPackages) -> None:
    for tool in ("cage", "grim", "setpriv"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (installer/bootstrap.sh installs it)")
    # cage refuses to run as root: run the session as an unprivileged user, as on a terminal.
    work = Path(tempfile.mkdtemp(prefix="govkiosk-cage-"))
    try:
        work.chmod(0o777)
        (work / "s.yaml").write_text("- expect_screen: attract\n- wait: 4\n")
        (work / "out").mkdir(mode=0o777)
        runtime = work / "runtime"
        runtime.mkdir(mode=0o700)
        session = work / "session.sh"
        session.write_text(SESSION.format(python=debs.python, work=work))
        session.chmod(0o755)
        prefix: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(runtime, "nobody", "nogroup")
            shutil.chown(work / "out", "nobody", "nogroup")
            prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work),
               "XDG_RUNTIME_DIR": str(runtime), "WLR_BACKENDS": "headless",
               "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman",
               "QT_QPA_PLATFORM": "wayland", "LANG": "C.UTF-8"}
        proc = subprocess.run([*prefix, "cage", "-d", "--", str(session)], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        log = (work / "kiosk.log").read_text(errors="replace") if (work / "kiosk.log").exists() \
            else ""
        assert "grim exit 0" in proc.stderr, proc.stderr[-3000:] + log[-3000:]
        steps = [json.loads(ln) for ln in (work / "out" / "transcript.jsonl").read_text()
                 .splitlines()]
        assert steps[0]["op"] == "expect_screen" and steps[0]["ok"] is True, steps
        assert steps[-1].get("ok") is True, steps
        shot = work / "out" / "cage-attract.png"
        assert shot.stat().st_size > 10_000  # a rendered screen, not an empty frame
        from PIL import Image

        with Image.open(shot) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 50, "the compositor's frame is blank"
        keep = Path(__file__).with_name("out")
        keep.mkdir(exist_ok=True)
        shutil.copy(shot, keep / "cage-attract.png")
    finally:
        shutil.rmtree(work, ignore_errors=True)
