"""The simulator hooks scenario files use: cards, faults, the resident's phone."""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from card.profiles import load_profile
from drivers.camera.desk_scene import phone_file
from kiosk.runtime import KioskRuntime
from kiosk_base.faults import FaultInjectable

log = logging.getLogger(__name__)


def _simulator(runtime: KioskRuntime, role: str) -> Any:
    device = runtime.devices.get(role)
    sim = device.simulator if device is not None else None
    if sim is None:
        raise RuntimeError(f"{role} is not a simulated device")
    return sim


class _ExternalBackendFaults:
    """The faults of a reference backend in its own process (``--simulation``), over its
    simulation API: scenarios inject them the same way as into the embedded one."""

    def __init__(self, url: str) -> None:
        self.root = url.rsplit("/v1", 1)[0] + "/sim/faults"

    def _call(self, method: str, body: dict[str, Any] | None = None,
              params: dict[str, str] | None = None) -> dict[str, Any]:
        resp = requests.request(method, self.root, json=body, params=params, timeout=5)
        resp.raise_for_status()
        result: dict[str, Any] = resp.json()
        return result

    def faults(self) -> dict[str, str]:
        return dict(self._call("GET")["supported"])

    def inject(self, fault: str, **params: object) -> None:
        self._call("POST", {"fault": fault, "params": params})

    def clear(self, fault: str | None = None) -> None:
        self._call("DELETE", params={"fault": fault} if fault else None)

    def active_faults(self) -> dict[str, dict[str, object]]:
        return dict(self._call("GET")["active"])


def _fault_target(runtime: KioskRuntime, name: str) -> FaultInjectable:
    if name == "backend":
        if runtime.embedded is None:
            return _ExternalBackendFaults(runtime.config.backend.url)
        return runtime.embedded.faults  # type: ignore[no-any-return]
    return _simulator(runtime, name)  # type: ignore[no-any-return]


def _profile_id_number(key: str) -> str:
    profile = load_profile(key)
    if profile.id_card is not None:
        return profile.id_card.id_number
    if profile.citizen_card is not None:
        return profile.citizen_card.ssn
    raise RuntimeError(f"profile {key} has no ID number")


def parse_injection(text: str) -> tuple[str, str, dict[str, object]]:
    """"DEVICE FAULT k=v ..." -> (device, fault, params); integer values become ints."""
    words = text.split()
    if len(words) < 2:
        raise ValueError(f"inject needs DEVICE FAULT, got {text!r}")
    params: dict[str, object] = {}
    for word in words[2:]:
        name, sep, value = word.partition("=")
        if not sep or not name:
            raise ValueError(f"inject parameter {word!r} is not NAME=VALUE")
        params[name] = int(value) if value.isdigit() else value
    return words[0], words[1], params


def scenario_actions(runtime: KioskRuntime, controller: Any) -> dict[str, Callable[[Any], Any]]:
    def inject(arg: Any) -> None:
        """inject: "DEVICE FAULT [NAME=VALUE ...]" (e.g. "backend http_5xx path=/v1/bills")."""
        device, fault, params = parse_injection(str(arg))
        _fault_target(runtime, device).inject(fault, **params)

    def clear(arg: Any) -> None:
        _fault_target(runtime, str(arg).strip()).clear()

    def sim_post(path: str, body: dict[str, Any] | None = None) -> None:
        # The resident's phone talks to the platform, not the kiosk: a plain HTTP call
        # to the reference backend's simulation API (embedded, or the external one the
        # config points at). Runs briefly on the UI thread in scenarios only (loopback).
        url = runtime.embedded.url if runtime.embedded is not None else runtime.config.backend.url
        root = url.rsplit("/v1", 1)[0]
        resp = requests.post(f"{root}/sim{path}", json=body or {}, timeout=5)
        resp.raise_for_status()

    def phone_pay(_arg: Any) -> bool:
        """Pay the order whose QR code is on screen (False until one is shown)."""
        engine = controller.engine
        step = engine.controller if engine else None
        if step is None or not getattr(step, "qr_url", ""):
            return False
        sim_post(f"/payments/{step.order.order_id}/pay")
        return True

    def phone_confirm_login(arg: Any) -> bool:
        """Confirm the login code on screen as PROFILE (False until one is shown)."""
        engine = controller.engine
        code = getattr(engine.controller, "login_code", None) if engine else None
        if code is None:
            return False
        id_number = _profile_id_number(str(arg))
        sim_post(f"/qr-logins/{code.code_id}/confirm", {"id_number": id_number})
        return True

    def present_person(arg: Any) -> None:
        who = None if arg in (None, "none") else str(arg)
        if who is not None and not who[:1].isdigit():
            who = _profile_id_number(who)
        _simulator(runtime, "face_camera").present_person(who)

    def desk(arg: Any) -> Any:
        return _simulator(runtime, "document_camera").desk

    def place_page(arg: Any) -> None:
        """place_page: "angle=25" (degrees; a new page on the document camera's desk)."""
        params = dict(w.partition("=")[::2] for w in str(arg or "").split())
        desk(arg).place_page(angle=float(params.get("angle", 10)))

    def phone_upload(arg: Any) -> bool:
        """phone_upload: "pages=N [pdf]": the phone sends N photographed pages (or one
        PDF of them) to the upload code on screen (False until one is shown)."""
        engine = controller.engine
        slot = getattr(engine.controller, "phone", None) if engine else None
        if slot is None:
            return False
        words = str(arg or "").split()
        params = dict(w.partition("=")[::2] for w in words)
        content_type, data = phone_file(int(params.get("pages", 1)), "pdf" in words)
        # The same call as backend_sim.phone.SimulatedPhone.upload (kiosk_sim may not
        # import the reference backend: the import contract).
        sim_post(f"/uploads/{slot.upload_id}", {
            "content_type": content_type, "data_base64": base64.b64encode(data).decode()})
        return True

    def face_camera() -> Any:
        return _simulator(runtime, "face_camera")

    def present_photo(arg: Any) -> None:
        """A flat printed photo of PROFILE (or ID number) held up to the face camera."""
        who = str(arg)
        face_camera().present_photo(who if who[:1].isdigit() else _profile_id_number(who))

    def face_pose(arg: Any) -> None:
        """face_pose: "x=-0.3 y=0 size=0.6 turn=0 blur=0 light=1 eyes_closed=no"."""
        changes: dict[str, float | bool] = {}
        for word in str(arg).split():
            name, sep, value = word.partition("=")
            if not sep:
                raise ValueError(f"face_pose parameter {word!r} is not NAME=VALUE")
            if name == "eyes_closed":
                changes[name] = value.lower() in ("1", "yes", "true")
            elif name in ("x", "y", "size", "turn", "blur", "light"):
                changes[name] = float(value)
            else:
                raise ValueError(f"face_pose knows x, y, size, turn, blur, light, "
                                 f"eyes_closed; not {name!r}")
        face_camera().set_pose(**changes)

    def turn_head(arg: Any) -> None:
        direction = str(arg).strip()
        if direction not in ("left", "right"):
            raise ValueError(f"turn_head needs left or right, got {direction!r}")
        face_camera().turn_head(direction)

    def gesture(challenge: Any) -> None:
        if challenge.value == "blink":
            face_camera().blink()
        else:
            face_camera().turn_head("left" if challenge.value == "turn_left" else "right")

    def follow_challenge(_arg: Any) -> bool:
        """The resident does what the face check asks, as long as the step asks (again
        after a while when nothing happens, like a person would). False until the step
        asks something; then a helper thread follows it until the step is left."""
        engine = controller.engine
        step = engine.controller if engine else None
        if step is None or step.state.value != "challenge" or step.challenge is None:
            return False

        def follow(asked: Any) -> None:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                current: Any = controller.engine.controller if controller.engine else None
                if asked.state.value in ("verified", "failed") or current is not asked:
                    return
                if asked.state.value == "challenge" and asked.challenge is not None:
                    gesture(asked.challenge)
                    time.sleep(2.0)
                else:
                    time.sleep(0.2)

        threading.Thread(target=follow, args=(step,), name="sim-resident", daemon=True).start()
        return True

    return {
        "place_page": place_page,
        "hand_over_page": lambda _a: desk(_a).hand_over_page(True),
        "withdraw_hand": lambda _a: desk(_a).hand_over_page(False),
        "remove_page": lambda _a: desk(_a).remove_page(),
        "phone_upload": phone_upload,
        "present_photo": present_photo,
        "face_pose": face_pose,
        "blink": lambda _a: face_camera().blink(),
        "turn_head": turn_head,
        "follow_challenge": follow_challenge,
        "insert_id_card": lambda p: _simulator(runtime, "id_card_reader").insert_card(str(p)),
        "remove_id_card": lambda _a: _simulator(runtime, "id_card_reader").remove_card(),
        "insert_card": lambda p: _simulator(runtime, "card_reader").insert_card(str(p)),
        "remove_card": lambda _a: _simulator(runtime, "card_reader").remove_card(),
        "inject": inject,
        "note": lambda text: log.info("scenario note: %s", text),
        "clear": clear,
        "phone_pay": phone_pay,
        "phone_confirm_login": phone_confirm_login,
        "present_person": present_person,
    }
