"""The simulator control panel shown beside the kiosk in ``--simulate`` windowed mode.

It plays the resident and the technician: insert and remove cards, stand in front of
the camera, pay or confirm on the phone, and inject device faults, through the same
fault-injection interface tests and scenario files use.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PyQt6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from card.profiles import profile_names
from kiosk.runtime import KioskRuntime

log = logging.getLogger(__name__)


class SimulatorPanel(QWidget):
    def __init__(self, runtime: KioskRuntime, actions: dict[str, Callable[[Any], Any]]) -> None:
        super().__init__()
        self.setWindowTitle("Simulator panel 模拟器面板")
        self.runtime = runtime
        self._actions = actions
        self.setStyleSheet("QWidget { font-size: 15px; } QPushButton { padding: 6px; }")
        column = QVBoxLayout(self)
        self.status = QLabel("")
        self.status.setWordWrap(True)

        people = QGroupBox("Resident 居民")
        grid = QGridLayout(people)
        self.profile = QComboBox()
        self.profile.addItems(profile_names())
        grid.addWidget(QLabel("Profile"), 0, 0)
        grid.addWidget(self.profile, 0, 1, 1, 2)
        buttons = [
            ("Insert ID card", lambda: self._do("insert_id_card", self.profile.currentText())),
            ("Remove ID card", lambda: self._do("remove_id_card", None)),
            ("Insert citizen card", lambda: self._do("insert_card", self.profile.currentText())),
            ("Remove citizen card", lambda: self._do("remove_card", None)),
            ("Stand at camera", lambda: self._do("present_person", self.profile.currentText())),
            ("Leave camera", lambda: self._do("present_person", "none")),
            ("Hold up a photo", lambda: self._do("present_photo", self.profile.currentText())),
            ("Do the face challenge", lambda: self._do("follow_challenge", None)),
            ("Step closer", lambda: self._do("face_pose", "size=1.0 x=0 y=0")),
            ("Stand far, to the side", lambda: self._do("face_pose", "size=0.6 x=-0.25")),
            ("Phone: pay QR", lambda: self._do("phone_pay", None)),
            ("Phone: confirm login",
             lambda: self._do("phone_confirm_login", self.profile.currentText())),
        ]
        for i, (text, fn) in enumerate(buttons):
            b = QPushButton(text)
            b.clicked.connect(fn)
            grid.addWidget(b, 1 + i // 2, i % 2)
        column.addWidget(people)

        faults = QGroupBox("Faults 故障注入")
        fgrid = QGridLayout(faults)
        self.device = QComboBox()
        self.fault = QComboBox()
        targets = [d.name for d in runtime.devices if d.simulator is not None]
        if runtime.embedded is not None:
            targets.append("backend")
        self.device.addItems(targets)
        self.device.currentTextChanged.connect(self._list_faults)
        inject = QPushButton("Inject")
        clear = QPushButton("Clear device")
        inject.clicked.connect(lambda: self._do(
            "inject", f"{self.device.currentText()} {self.fault.currentText()}"))
        clear.clicked.connect(lambda: self._do("clear", self.device.currentText()))
        fgrid.addWidget(self.device, 0, 0)
        fgrid.addWidget(self.fault, 0, 1)
        fgrid.addWidget(inject, 1, 0)
        fgrid.addWidget(clear, 1, 1)
        column.addWidget(faults)
        column.addWidget(self.status)
        column.addStretch(1)
        self._list_faults(self.device.currentText())

    def _list_faults(self, name: str) -> None:
        self.fault.clear()
        if name == "backend" and self.runtime.embedded is not None:
            self.fault.addItems(sorted(self.runtime.embedded.faults.faults()))
            return
        device = self.runtime.devices.get(name)
        if device is not None and device.simulator is not None:
            self.fault.addItems(sorted(device.simulator.faults()))

    def _do(self, op: str, arg: Any) -> None:
        try:
            done = self._actions[op](arg)
        except Exception as exc:  # noqa: BLE001 - shown to the demo user, never fatal
            log.warning("simulator panel: %s %s failed: %s", op, arg, exc)
            self.status.setText(f"✖ {op}: {exc}")
            return
        self.status.setText(f"✔ {op} {arg or ''}" if done is not False
                            else f"… {op}: nothing to do on this screen yet")
