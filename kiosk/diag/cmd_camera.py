"""``kiosk-diag camera-snapshot``: capture one still from a camera into a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drivers.camera.base import Camera
from drivers.camera.sim import SimulatedCamera
from kiosk.devices import build_registry
from kiosk.diag import exitcodes
from kiosk.diag.common import config_from_args, print_json
from kiosk_base.errors import DeviceError, MediaError

ROLES = ("face_camera", "document_camera")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "camera-snapshot",
        help="capture one still from a camera (JPEG)",
        description=(
            "Open the camera of ROLE, capture one still and write it as JPEG. A face "
            "camera reports what face analysis found; a document camera writes the "
            "perspective-corrected page when it finds one. Exits 0 when the image was "
            "written, 3 when the lens is covered, 4 on a device error."
        ),
    )
    p.add_argument("--role", choices=ROLES, default="face_camera", help="which camera")
    p.add_argument("--out", required=True, metavar="FILE.jpg", help="where to write the JPEG")
    p.add_argument(
        "--sim-person",
        metavar="ID_NUMBER",
        help="simulated face camera only: the resident standing in front of it",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if args.role not in [s.role for s in config.device_specs()]:
        print(f"kiosk-diag: {args.role} is not configured (disabled?)", file=sys.stderr)
        return exitcodes.USAGE
    registry = build_registry(config, roles=[args.role])
    camera = registry[args.role]
    assert isinstance(camera, Camera)
    if args.sim_person is not None:
        if not isinstance(camera, SimulatedCamera):
            print(f"kiosk-diag: --sim-person needs a simulated {args.role}", file=sys.stderr)
            return exitcodes.USAGE
        camera.simulator.present_person(args.sim_person)
    try:
        status = camera.open()
        if not status.state.usable:
            return _fail(args, exitcodes.DEVICE_ERROR, status.error_code, status.reason)
        shot = camera.capture().result(timeout=60)
    except MediaError as exc:
        return _fail(args, exitcodes.NO_MEDIA, exc.code, str(exc))
    except DeviceError as exc:
        return _fail(args, exitcodes.DEVICE_ERROR, exc.code, str(exc))
    finally:
        registry.close_all()
    out = Path(args.out)
    out.write_bytes(shot.jpeg)
    result: dict[str, object] = {
        "role": args.role,
        "file": str(out),
        "width": shot.width,
        "height": shot.height,
        "purpose": shot.purpose.value,
    }
    if shot.face is not None:
        result["face_found"] = shot.face.box is not None
        result["face_problems"] = [p.value for p in shot.face.problems]
    if shot.page is not None:
        result["page_found"] = shot.page.found
    if args.json:
        print_json(result)
    else:
        print(", ".join(f"{k}={v}" for k, v in result.items()))
    return exitcodes.OK


def _fail(args: argparse.Namespace, code: int, error_code: str, reason: str) -> int:
    if args.json:
        print_json({"role": args.role, "error": {"code": error_code, "reason": reason}})
    else:
        print(f"kiosk-diag: {args.role}: {reason}", file=sys.stderr)
    return code
