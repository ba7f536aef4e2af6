"""``kiosk-diag config``: validate a config file, or describe every key."""

from __future__ import annotations

import argparse

from kiosk.config import describe_config
from kiosk.diag import exitcodes
from kiosk.diag.common import config_from_args, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "config",
        help="check the configuration or describe its keys",
        description="Validate --config (exit 2 with the key and reason when it is bad), "
        "or with --describe list every key with its default and meaning.",
    )
    p.add_argument("--describe", action="store_true", help="list every key")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.describe:
        for key, default, text in describe_config():
            print(f"{key:<28} {default:<18} {text}")
        return exitcodes.OK
    config = config_from_args(args)
    print_json(masked(config.model_dump(mode="json")))
    return exitcodes.OK


#: Keys whose values are secrets (or verify one): shown as set / not set only.
SECRET_KEYS = frozenset({"staff_pin_hash", "pin", "password", "private_key", "secret", "token"})


def masked(value: object) -> object:
    """``value`` with every secret replaced by "<set>" (or None when unset)."""
    if isinstance(value, dict):
        return {k: ("<set>" if v else None) if k in SECRET_KEYS else masked(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value
