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
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from kiosk.bootconfig import BootConfig, read_boot_config  # noqa: E402
from kiosk.logs import install_excepthooks, setup_logging  # noqa: E402
from kiosk_base.errors import ConfigError  # noqa: E402

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

EXIT_OK = 0
EXIT_SCENARIO_FAILED = 1
EXIT_USAGE = 2
EXIT_CRASH = 70

log = logging.getLogger("kiosk")


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, given the terminal's width: its own default asks
    ``shutil``, whose import (zlib, bz2, lzma) is ~5 ms before the first frame."""

    def __init__(self, prog: str) -> None:
        try:
            columns = int(os.environ.get("COLUMNS") or 0) or os.get_terminal_size().columns
        except (ValueError, OSError):
            columns = 80
        super().__init__(prog, width=max(columns, 40) - 2)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiosk", description=__doc__,
                                formatter_class=_HelpFormatter)
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


def boot_config(args: argparse.Namespace) -> BootConfig:
    """The first frame's keys (stdlib only: no pydantic before the window), with the
    command line's overrides; ConfigError if the file cannot be read or is not TOML."""
    boot = read_boot_config(Path(args.config) if args.config else None)
    updates: dict[str, Any] = {}
    if args.simulate:
        updates["embedded_backend"] = True
        if not args.config and not args.state_dir:
            import tempfile

            updates["state_dir"] = Path(tempfile.mkdtemp(prefix="kiosk-sim-"))
    if args.state_dir:
        updates["state_dir"] = Path(args.state_dir)
    if args.windowed or args.headless:
        updates["fullscreen"] = False
    return boot._replace(**updates) if updates else boot


def effective_config(args: argparse.Namespace, boot: BootConfig) -> KioskConfig:
    """The whole config, validated (pydantic): called after the first frame.

    Device settings are checked by the runtime after this (each check imports the
    driver); a bad one still ends the start with exit code 2."""
    from kiosk.config import parse_config

    config = parse_config(boot.raw, boot.source, devices=False)
    updates: dict[str, object] = {"state_dir": boot.state_dir}
    if args.simulate:
        devices = {role: dev.model_copy(update={"impl": "sim"}) if dev.impl != "sim" else dev
                   for role, dev in config.devices.items()}
        updates["devices"] = devices
        updates["backend"] = config.backend.model_copy(update={"url": "embedded"})
    if not boot.fullscreen:
        updates["ui"] = config.ui.model_copy(update={"fullscreen": False})
    return config.model_copy(update=updates)


def spawn_backend_early(boot: BootConfig, args: argparse.Namespace) -> Any:
    """The embedded reference backend's child, spawned on the first turn after the first
    frame (from the UI thread, which lives as long as the kiosk), before the config is
    validated, and held until it is; None if not embedded."""
    if not boot.embedded_backend:
        return None
    from kiosk.backend_process import PendingBackendProcess

    return PendingBackendProcess(boot.state_dir / "reference-backend.sqlite", boot.state_dir,
                                 terminal_id=boot.terminal_id,
                                 auto_pay_after_s=args.auto_pay_after, hold=True)


def _attach_tools(*args: Any) -> Any:
    """kiosk_sim's hook, imported when it is called (it imports the runtime: pydantic)."""
    from kiosk_sim.tools import attach

    return attach(*args)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        boot = boot_config(args)
    except ConfigError as exc:
        print(f"kiosk: bad configuration:\n{exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    if args.headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # The kiosk uses no pydantic plugins: without this, the first model built scans every
    # installed package's entry points for them (6 ms of start-up), and a plugin that
    # some package installed would run inside the kiosk unasked.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    setup_logging(boot.log_level, boot.effective_log_dir, max_bytes=boot.log_max_bytes,
                  backups=boot.log_backups)
    install_excepthooks()
    from kiosk.ui.application import STARTED, ToolsHook, run

    STARTED["t"] = _STARTED
    tools: ToolsHook | None = None
    if args.scenario or args.simulate:  # the scenario runner / simulator panel (kiosk_sim)
        tools = _attach_tools
    return run(boot, args, tools, load=lambda: effective_config(args, boot),
               spawn_backend=lambda: spawn_backend_early(boot, args))


if __name__ == "__main__":
    sys.exit(main())
