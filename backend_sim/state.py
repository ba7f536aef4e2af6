"""What one running reference backend holds: database, keys, faults, settings."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from backend_client.signing import public_key_of, sign_with_seed
from backend_sim.faults import BackendFaults
from backend_sim.seed import CST

#: Certificate signing key id; the key itself is derived from the database's secret row.
SIGNING_KEY_ID = "ref-2026-1"


@dataclass
class BackendState:
    engine: Engine
    #: Ed25519 seed of the certificate signing key (reference only: kept with the data).
    signing_seed: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    faults: BackendFaults = field(default_factory=BackendFaults)
    auto_pay_after_s: float | None = None
    require_auth: bool = True
    #: Mount the /sim routes (pay as the phone, inject faults): `kiosk --simulate` and tests.
    simulation: bool = False
    #: Public base of QR codes and verification links (fictional domains).
    pay_base: str = "https://pay.gov.example.cn/qr"
    verify_base: str = "https://verify.gov.example.cn/c"
    login_base: str = "https://id.gov.example.cn/login"
    person_token_ttl_s: float = 24 * 3600
    payment_ttl_s: float = 15 * 60
    qr_login_ttl_s: float = 5 * 60
    #: Serialises writes: the reference backend favours obviously-right over fast.
    lock: threading.RLock = field(default_factory=threading.RLock)

    #: Simulation: how far this backend's clock is off the real one (clock-check tests).
    clock_offset_s: float = 0.0

    def unix_time(self) -> float:
        return time.time() + self.clock_offset_s

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.unix_time(), CST).replace(microsecond=0)

    @property
    def signing_public_key_base64(self) -> str:
        return public_key_of(self.signing_seed)

    def sign(self, message: bytes) -> str:
        return sign_with_seed(self.signing_seed, message)
