"""``kiosk``: the self-service kiosk application.

    kiosk [--config PATH] [--windowed] [--simulate] [--headless --scenario FILE --out DIR]

``--simulate`` runs every device on its simulator and embeds the reference backend on a
loopback port. ``--headless`` runs off-screen (Qt's offscreen platform), for scenarios
and demos on a machine without a display.

Exit codes: 0 normal exit; 1 a scenario expectation failed; 2 bad arguments or config;
70 crashed (the service supervisor restarts the kiosk on any non-zero code but 2).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import argparse  # noqa: E402 - the start-up clock starts before any import
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from drivers.errors import ConfigError  # noqa: E402
from kiosk.config import KioskConfig, load_config  # noqa: E402
from kiosk.logs import install_excepthooks, setup_logging  # noqa: E402

EXIT_OK = 0
EXIT_SCENARIO_FAILED = 1
EXIT_USAGE = 2
EXIT_CRASH = 70

log = logging.getLogger("kiosk")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiosk", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", metavar="PATH", help="TOML config (default: all simulators)")
    p.add_argument("--windowed", action="store_true", help="a normal window, not fullscreen")
    p.add_argument("--simulate", action="store_true",
                   help="simulators and the embedded reference backend, whatever the config says")
    p.add_argument("--headless", action="store_true", help="run off-screen (no display)")
    p.add_argument("--scenario", metavar="FILE", help="drive a session from a JSON/YAML file")
    p.add_argument("--out", metavar="DIR", help="scenario transcript and screenshots go here")
    p.add_argument("--state-dir", metavar="DIR", help="override the config's state_dir")
    p.add_argument("--auto-pay-after", type=float, metavar="S", default=None,
                   help="simulation: the reference backend marks QR payments paid after S s")
    p.add_argument("--speech-engine", default=None, help="QtTextToSpeech engine (mock in tests)")
    args = p.parse_args(argv)
    if args.scenario and not args.out:
        p.error("--scenario needs --out DIR")
    return args


def effective_config(args: argparse.Namespace) -> KioskConfig:
    # Device settings are checked by the runtime after the first frame (each check
    # imports the driver); a bad one still ends the start with exit code 2.
    config = load_config(Path(args.config) if args.config else None, devices=False)
    updates: dict[str, object] = {}
    if args.simulate:
        devices = {role: dev.model_copy(update={"impl": "sim"}) if dev.impl != "sim" else dev
                   for role, dev in config.devices.items()}
        updates["devices"] = devices
        updates["backend"] = config.backend.model_copy(update={"url": "embedded"})
        if not args.config and not args.state_dir:
            updates["state_dir"] = Path(tempfile.mkdtemp(prefix="kiosk-sim-"))
    if args.state_dir:
        updates["state_dir"] = Path(args.state_dir)
    if args.windowed or args.headless:
        updates["ui"] = config.ui.model_copy(update={"fullscreen": False})
    return config.model_copy(update=updates) if updates else config


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = effective_config(args)
    except ConfigError as exc:
        print(f"kiosk: bad configuration:\n{exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    if args.headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    setup_logging(config.logging.level, config.log_dir, max_bytes=config.logging.max_bytes,
                  backups=config.logging.backups)
    install_excepthooks()
    from kiosk.ui.application import STARTED, run

    STARTED["t"] = _STARTED
    return run(config, args)


if __name__ == "__main__":
    sys.exit(main())
