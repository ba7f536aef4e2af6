"""The packages, built once per test session with ``make deb`` and unpacked.

Building takes about a minute here (the wheels come from pip's cache or index); every
test in this directory shares the one build. (No __init__.py here: a package named
``packaging`` would shadow the PyPI one for the whole suite.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from debtools import ROOT, VERSION, BuiltPackages


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (installer/build-deps.sh installs it)")


@pytest.fixture(scope="session")
def debs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltPackages]:
    if os.geteuid() != 0 and shutil.which("sudo") is None:
        pytest.skip("make deb installs its build tools with apt: needs root or sudo")
    out = tmp_path_factory.mktemp("deb-out")
    head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout.strip()
    proc = subprocess.run(["make", "-s", "deb"], cwd=ROOT, env=dict(os.environ, DEB_OUT=str(out)),
                          capture_output=True, text=True, timeout=1200, check=False)
    assert proc.returncode == 0, f"make deb failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    system = out / f"govkiosk_{VERSION}-1_amd64.deb"
    release = out / f"govkiosk-release-{VERSION}_{VERSION}-1_amd64.deb"
    assert system.is_file() and release.is_file(), sorted(p.name for p in out.iterdir())
    # A world-readable place: the cage test runs the packaged kiosk as an unprivileged user.
    tree = Path(tempfile.mkdtemp(prefix="govkiosk-deb-tree-"))
    tree.chmod(0o755)
    control = Path(tmp_path_factory.mktemp("deb-control"))
    try:
        for deb, name in ((system, "govkiosk"), (release, f"govkiosk-release-{VERSION}")):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
            subprocess.run(["dpkg-deb", "-e", str(deb), str(control / name)], check=True)
        yield BuiltPackages(system, release, tree, control, head)
    finally:
        shutil.rmtree(tree, ignore_errors=True)
