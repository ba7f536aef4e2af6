"""A private cupsd (own config, spool and socket) with a cups-pdf queue, for the CUPS tests.

Runs as root like CI; started once per module and stopped after, never touching the
system's cupsd. The queue's backend is the real cups-pdf, so jobs go through the real
filter chain and end completed; a second queue uses a tiny backend that reports
media-empty and aborts, to see a real "aborted" job and printer-state-reasons.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
_FAILING_BACKEND = """#!/bin/sh
# A printer that runs out of paper: reports it through printer-state-reasons and aborts.
if [ $# -eq 0 ]; then echo 'direct kiosktest "Unknown" "Kiosk failing printer"'; exit 0; fi
cat "${6:-/dev/stdin}" > /dev/null
echo "STATE: +media-empty-error" >&2
echo "ERROR: out of paper" >&2
exit 1
"""


@dataclass(frozen=True)
class CupsServer:
    socket: str
    queue: str
    failing_queue: str
    out_dir: Path


def _need(tool: str) -> None:
    if shutil.which(tool) is None and not Path(tool).exists():
        pytest.skip(f"{tool} not installed (installer/bootstrap.sh installs cups)")


@pytest.fixture(scope="module")
def cups_server() -> Iterator[CupsServer]:
    _need("/usr/sbin/cupsd")
    _need("lpadmin")
    if os.geteuid() != 0:
        pytest.skip("cupsd tests run as root (as in CI)")
    # Not under pytest's tmp dir: that is 0700, and CUPS filters run as the lp user.
    root = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
    root.chmod(0o755)
    for sub in ("spool", "spool/tmp", "cache", "log", "run", "state", "bin", "out", "ppd"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    # ServerBin: the system's filters and backends plus our failing backend.
    server_bin = root / "bin"
    for sub in ("filter", "backend", "cgi-bin", "daemon", "monitor", "notifier", "driver"):
        src = Path("/usr/lib/cups") / sub
        if sub == "backend":
            (server_bin / sub).mkdir()
            for item in src.iterdir():
                (server_bin / sub / item.name).symlink_to(item)
            backend = server_bin / sub / "kiosktest"
            backend.write_text(_FAILING_BACKEND)
            backend.chmod(stat.S_IRWXU)
        elif src.exists():
            (server_bin / sub).symlink_to(src)
    socket = str(root / "run" / "cups.sock")
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nServerBin {server_bin}\nDataDir /usr/share/cups\n"
        f"RequestRoot {root / 'spool'}\nTempDir {root / 'spool/tmp'}\n"
        f"CacheDir {root / 'cache'}\nStateDir {root / 'state'}\n"
        f"AccessLog {root / 'log/access_log'}\nErrorLog {root / 'log/error_log'}\n"
        f"PageLog {root / 'log/page_log'}\nSystemGroup root\n"
        "Sandboxing Relaxed\nFileDevice Yes\n"
    )
    (root / "cupsd.conf").write_text(
        f"Listen {socket}\nLogLevel info\nBrowsing Off\nWebInterface No\n"
        "DefaultAuthType None\nJobRetryLimit 0\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    proc = subprocess.Popen(
        ["/usr/sbin/cupsd", "-f", "-c", str(root / "cupsd.conf"),
         "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(100):
            if Path(socket).exists():
                break
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"cupsd exited: {err}")
            time.sleep(0.1)
        env = {**os.environ, "CUPS_SERVER": socket}
        subprocess.run(
            ["lpadmin", "-p", "kiosk-a4", "-v", "cups-pdf:/", "-P", str(PPD), "-E"],
            check=True, env=env, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            ["lpadmin", "-p", "kiosk-fail", "-v", "kiosktest:/", "-P", str(PPD), "-E",
             "-o", "printer-error-policy=abort-job"],
            check=True, env=env, capture_output=True,
        )  # fmt: skip
        yield CupsServer(socket, "kiosk-a4", "kiosk-fail", root / "out")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
        shutil.rmtree(root, ignore_errors=True)
