"""The ID card reader family: presence in ``status.detail["media"]`` from background
polling, and ``read()`` running on the device's worker."""

from __future__ import annotations

import logging
from abc import abstractmethod
from concurrent.futures import Future

from card.idcard import IdCardData
from drivers.base import Device
from drivers.status import DeviceState, MediaStatus
from kiosk_base.errors import DeviceError, MediaError

log = logging.getLogger(__name__)


class IdCardReader(Device):
    """Base of every ID card reader implementation."""

    family = "id_card_reader"

    def read(self, fingerprint: bool = False) -> Future[IdCardData]:
        """Read the card on the reader (on the worker).

        The future fails with a DeviceError carrying the reader's code (``SW3_80``...) and
        a message key: ``error.idcard.no_card``, ``error.idcard.removed_during_read``,
        ``error.idcard.unreadable``, ``error.idcard.reader_fault`` or a generic
        ``error.device.*`` key.
        """
        return self.submit(self._read_guarded, fingerprint)

    def _read_guarded(self, fingerprint: bool) -> IdCardData:
        self._set_status(DeviceState.BUSY, reason="reading card")
        try:
            card = self._read_card(fingerprint)
        except MediaError as exc:
            self.statistics.increment("read_failures")
            self._set_status(DeviceState.ONLINE, detail={"media": self._media_after(exc)},
                             error_code=exc.code, reason=str(exc))
            raise
        except DeviceError as exc:
            self.statistics.increment("read_failures")
            self._record_error(exc)
            raise
        self.statistics.increment("cards_read")
        log.info("%s: read %s", self.name, card)
        self._set_status(DeviceState.ONLINE, detail={"media": MediaStatus.PRESENT.value},
                         error_code="", reason="")
        return card

    @staticmethod
    def _media_after(exc: DeviceError) -> str:
        if exc.message_key in ("error.idcard.no_card", "error.idcard.removed_during_read"):
            return MediaStatus.NOT_PRESENT.value
        return MediaStatus.UNKNOWN.value

    @abstractmethod
    def _read_card(self, fingerprint: bool) -> IdCardData:
        """Find, select and read the card (runs on the worker)."""
