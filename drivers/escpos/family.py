"""The receipt printer family: the contract the kiosk's flows call."""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from typing import ClassVar

from drivers.base import Device
from printers.jobs import PrintOutcome
from printers.receipt import Receipt


class ReceiptPrinter(Device):
    """A thermal receipt printer.

    Status detail: ``paper`` (full/low/out/unknown) and ``cover`` (closed/open/unknown).
    """

    family: ClassVar[str] = "receipt_printer"

    @abstractmethod
    def check_ready(self) -> Future[None]:
        """Ask the printer now; the future raises PaperOutError, CoverOpenError,
        PrinterNoAnswerError or PrinterFaultError if a receipt cannot be printed.

        A paid service calls this before it takes any money.
        """

    @abstractmethod
    def print_receipt(self, receipt: Receipt) -> Future[PrintOutcome]:
        """Print and cut ``receipt``; the future resolves only once the printer confirmed
        it, and raises a print error (with ``.outcome``) otherwise."""
