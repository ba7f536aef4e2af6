"""What the packaging tests share: where the unpacked packages are (the fixture that
builds them is in conftest.py)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "version"]


@dataclass(frozen=True)
class BuiltPackages:
    system_deb: Path      # govkiosk_<ver>-1_amd64.deb
    release_deb: Path     # govkiosk-release-<ver>_<ver>-1_amd64.deb
    tree: Path            # both unpacked (dpkg-deb -x) into one root
    control: Path         # control/<package>/ (dpkg-deb -e)
    head: str             # the checkout's commit when it was built

    @property
    def base(self) -> Path:
        return self.tree / "opt" / "govkiosk"

    @property
    def release(self) -> Path:
        return self.base / "releases" / VERSION

    @property
    def python(self) -> Path:
        return self.release / "bin" / "python"


def build_info(debs: BuiltPackages) -> dict[str, str]:
    path = debs.release / "lib" / "python3.11" / "site-packages" / "kiosk" / "build_info.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))
