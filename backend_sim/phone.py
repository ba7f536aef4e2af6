"""The resident's phone, simulated over the reference backend's /sim API (HTTP).

For demos, scenario files and tests: nobody scans a QR code with a real phone there.
"""

from __future__ import annotations

import base64
from typing import Any

import requests


class SimulatedPhone:
    def __init__(self, backend_url: str, timeout_s: float = 5.0) -> None:
        self.sim_url = backend_url.rstrip("/").removesuffix("/v1") + "/sim"
        self.timeout_s = timeout_s

    def _post(self, path: str, body: object | None = None) -> dict[str, Any]:
        resp = requests.post(f"{self.sim_url}{path}", json=body, timeout=self.timeout_s)
        resp.raise_for_status()
        result: dict[str, Any] = resp.json()
        return result

    def pay(self, order_id: str) -> None:
        """Pay the order as if its QR code was scanned and the payment confirmed."""
        self._post(f"/payments/{order_id}/pay")

    def confirm_login(self, login_id: str, id_number: str) -> None:
        """Confirm a QR login code as the resident with ``id_number``."""
        self._post(f"/qr-logins/{login_id}/confirm", {"id_number": id_number})

    def upload(self, upload_id: str, content_type: str, data: bytes) -> str:
        """Send a file (a photo or a PDF) to the kiosk's upload slot; its new status."""
        body = {"content_type": content_type, "data_base64": base64.b64encode(data).decode()}
        return str(self._post(f"/uploads/{upload_id}", body)["status"])

    def inject_fault(self, fault: str, **params: object) -> None:
        self._post("/faults", {"fault": fault, "params": params})

    def clear_faults(self) -> None:
        requests.delete(f"{self.sim_url}/faults", timeout=self.timeout_s).raise_for_status()
