"""The citizen card reader family (PC/SC): presence in ``status.detail["media"]``,
``read()``, and the purse operations of the top-up service, all on the worker."""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from datetime import datetime

from card.citizen import (
    CitizenCardData,
    LoadRequest,
    LoadResult,
    PurchaseDebit,
    PurchaseResult,
    PurchaseStart,
    PurseInfo,
)
from drivers.base import Device


class CardReader(Device):
    family = "card_reader"

    def read(self) -> Future[CitizenCardData]:
        """Read the card (social security and/or purse). Fails with DeviceErrors whose
        message keys are ``error.card.no_card``, ``error.card.removed_during_read``,
        ``error.card.blocked``, ``error.card.unsupported``, ``error.card.unreadable``."""
        return self.submit(self._read_card)

    def purse_balance(self) -> Future[int]:
        """The purse balance in fen."""
        return self.submit(self._purse_balance)

    def read_purse(self) -> Future[PurseInfo]:
        """The purse in full: public information (its serial), balance and the card's own
        transaction log (its detail records, newest first)."""
        return self.submit(self._read_purse)

    def begin_load(self, amount_fen: int, terminal_id: bytes) -> Future[LoadRequest]:
        """INITIALIZE FOR LOAD; the card stays connected until complete/cancel_load."""
        if amount_fen <= 0 or len(terminal_id) != 6:
            raise ValueError("amount must be positive and terminal id 6 bytes")
        return self.submit(self._begin_load, amount_fen, terminal_id)

    def complete_load(self, mac2: bytes, when: datetime) -> Future[LoadResult]:
        """CREDIT FOR LOAD with the backend's MAC2 and date/time; returns TAC and balance."""
        return self.submit(self._complete_load, mac2, when)

    def cancel_load(self) -> Future[None]:
        """Abandon a begun load (the card's balance is unchanged)."""
        return self.submit(self._cancel_load)

    def transaction_proof(self, tx_type: int, seq: int) -> Future[tuple[bytes, bytes | None]]:
        """(purse serial, proof) of the inserted card's last load (``pboc.TX_EP_LOAD``) or
        purchase (``TX_EP_PURCHASE``) made with sequence number ``seq``; the proof is None
        when the card made no such transaction (GET TRANSACTION PROOF answered 9406)."""
        return self.submit(self._transaction_proof, tx_type, seq)

    def purchase(self, amount_fen: int, when: datetime) -> Future[PurchaseResult]:
        """An offline purchase with the PSAM in the second slot."""
        if amount_fen <= 0:
            raise ValueError("amount must be positive")
        return self.submit(self._purchase, amount_fen, when)

    def psam_terminal(self) -> Future[bytes]:
        """The PSAM's terminal number (6 bytes); NoDeviceError (code NO_PSAM) when there
        is no PSAM, DeviceError when it does not answer."""
        return self.submit(self._psam_terminal)

    def begin_purchase(self, amount_fen: int, when: datetime) -> Future[PurchaseStart]:
        """INITIALIZE FOR PURCHASE on the card and the PSAM's MAC1; nothing is charged
        yet. The card and PSAM stay connected until complete/cancel_purchase."""
        if amount_fen <= 0:
            raise ValueError("amount must be positive")
        return self.submit(self._begin_purchase, amount_fen, when)

    def complete_purchase(self) -> Future[PurchaseDebit]:
        """DEBIT FOR PURCHASE (the card takes the money), then the PSAM checks MAC2."""
        return self.submit(self._complete_purchase)

    def cancel_purchase(self) -> Future[None]:
        """Abandon a begun purchase (nothing was debited)."""
        return self.submit(self._cancel_purchase)

    @abstractmethod
    def _psam_terminal(self) -> bytes: ...

    @abstractmethod
    def _begin_purchase(self, amount_fen: int, when: datetime) -> PurchaseStart: ...

    @abstractmethod
    def _complete_purchase(self) -> PurchaseDebit: ...

    @abstractmethod
    def _cancel_purchase(self) -> None: ...

    @abstractmethod
    def _read_card(self) -> CitizenCardData: ...

    @abstractmethod
    def _purse_balance(self) -> int: ...

    @abstractmethod
    def _read_purse(self) -> PurseInfo: ...

    @abstractmethod
    def _begin_load(self, amount_fen: int, terminal_id: bytes) -> LoadRequest: ...

    @abstractmethod
    def _complete_load(self, mac2: bytes, when: datetime) -> LoadResult: ...

    @abstractmethod
    def _cancel_load(self) -> None: ...

    @abstractmethod
    def _transaction_proof(self, tx_type: int, seq: int) -> tuple[bytes, bytes | None]: ...

    @abstractmethod
    def _purchase(self, amount_fen: int, when: datetime) -> PurchaseResult: ...
