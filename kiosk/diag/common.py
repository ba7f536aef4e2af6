"""What kiosk-diag subcommands share: loading the config, printing results."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, load_config
from kiosk_base.errors import ConfigError


def config_from_args(args: argparse.Namespace) -> KioskConfig:
    """The config named by --config; exits with USAGE and the reason when it is bad."""
    from kiosk.diag import exitcodes

    path = Path(args.config) if getattr(args, "config", None) else None
    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"kiosk-diag: bad configuration:\n{exc.args[0]}", file=sys.stderr)
        raise SystemExit(exitcodes.USAGE) from None


def print_error(args: argparse.Namespace, code: int, kind: str, exc: object) -> int:
    """Report a failure (a JSON error object with --json, else a line on stderr); returns
    ``code`` so a command can ``return print_error(...)``."""
    obj = {"error": kind, "code": getattr(exc, "code", ""), "message": str(exc),
           "message_key": getattr(exc, "message_key", "")}
    print(json.dumps(obj, ensure_ascii=False) if getattr(args, "json", False)
          else f"{kind}: {exc}", file=sys.stdout if getattr(args, "json", False) else sys.stderr)
    return code


def print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def print_record(args: argparse.Namespace, data: dict[str, Any]) -> None:
    """One record read from a device: a JSON line with --json, else ``key: value`` lines."""
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False))
        return
    for key, value in data.items():
        print(f"{key}: {value}")
