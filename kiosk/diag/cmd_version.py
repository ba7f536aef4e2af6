"""``kiosk-diag version``: which kiosk this is — version, build, config checksum.

    kiosk-diag [--config PATH] version [--json]

The build is the git commit baked in by ``make deb`` (kiosk/build_info.json); a
development checkout reports its own commit. The config checksum (sha256 of the file's
bytes) tells whether two terminals, or a terminal before and after an edit, run the same
configuration. The last update's outcome comes from <state_dir>/update-status.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from kiosk.diag import exitcodes
from kiosk.diag.common import config_from_args, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("version", help="version, build and config checksum",
                       description="Print the kiosk's version, its build (git commit), where it "
                       "runs from and the checksum of the configuration.")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def build_info() -> dict[str, str]:
    """What ``make deb`` baked in, else the commit of the checkout this runs from."""
    try:
        text = resources.files("kiosk").joinpath("build_info.json").read_text(encoding="utf-8")
        data = json.loads(text)
        return {str(k): str(v) for k, v in data.items()}
    except (FileNotFoundError, ValueError, OSError):
        pass
    here = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=5, check=False)
        commit = out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {"build": f"{commit}-dev" if commit else "dev"}


def package_version() -> str:
    try:
        return metadata.version("govkiosk")
    except metadata.PackageNotFoundError:
        return "unknown"


def config_checksum(path: Path | None) -> str:
    if path is None:
        return "defaults (no config file)"
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def collect(args: argparse.Namespace) -> dict[str, Any]:
    config = config_from_args(args)  # a bad config exits 2 with the key and the reason
    path = Path(args.config) if args.config else None
    info: dict[str, Any] = {"version": package_version(), **build_info()}
    info["version"] = info.get("version") or package_version()
    info["python"] = sys.version.split()[0]
    info["runs_from"] = sys.prefix
    info["config"] = str(path) if path else None
    info["config_checksum"] = config_checksum(path)
    info["terminal_id"] = config.terminal_id
    status = config.state_dir / "update-status.json"
    if status.is_file():
        try:
            info["last_update"] = json.loads(status.read_text(encoding="utf-8"))
        except ValueError:
            info["last_update"] = {"result": "unreadable", "file": str(status)}
    return info


def run(args: argparse.Namespace) -> int:
    info = collect(args)
    if args.json:
        print_json(info)
    else:
        for key, value in info.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            print(f"{key:<16} {value}")
    return exitcodes.OK
