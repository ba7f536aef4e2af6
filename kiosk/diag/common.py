"""What kiosk-diag subcommands share: loading the config, printing results."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from drivers.errors import ConfigError
from kiosk.config import KioskConfig, load_config


def config_from_args(args: argparse.Namespace) -> KioskConfig:
    """The config named by --config; exits with USAGE and the reason when it is bad."""
    from kiosk.diag import exitcodes

    path = Path(args.config) if getattr(args, "config", None) else None
    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"kiosk-diag: bad configuration:\n{exc.args[0]}", file=sys.stderr)
        raise SystemExit(exitcodes.USAGE) from None


def print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))
