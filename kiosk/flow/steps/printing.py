"""What the two print steps share: progress, outcome, retry, and honesty about failure.

A print that fails says so. After a payment the screen also offers a staff reprint
(``staff_reprint``) and the flow's outcome records that the document did not print:
the service never claims success for a receipt or certificate that is not in the tray.
"""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from enum import Enum
from typing import ClassVar

from drivers.errors import UserFacingError
from kiosk.flow.steps.base import StepContext, StepController


class PrintState(Enum):
    READY = "ready"
    PRINTING = "printing"
    FAILED = "failed"
    #: The resident went on without the document after a failure.
    NOT_PRINTED = "not_printed"
    PRINTED = "printed"


class PrintController(StepController[PrintState]):
    busy_states: ClassVar[frozenset[Enum]] = frozenset({PrintState.PRINTING})

    def __init__(self, context: StepContext) -> None:
        super().__init__(context, PrintState.READY)

    @property
    def done(self) -> bool:
        return self.state in (PrintState.PRINTED, PrintState.NOT_PRINTED)

    @property
    def committed(self) -> bool:
        # Reprinting by going back is staff's job: a document may already be in the tray.
        return self.state is not PrintState.READY

    @property
    def staff_reprint(self) -> bool:
        """Offer a staff reprint: the print failed and the resident has paid."""
        return (
            self.state in (PrintState.FAILED, PrintState.NOT_PRINTED)
            and self.context.session.data.payment is not None
        )

    def start(self) -> None:
        if self.state is PrintState.READY:
            self._print()

    def retry(self) -> None:
        if self.state is PrintState.FAILED:
            self._print()

    def give_up(self) -> None:
        """Go on without the document (the outcome says it did not print)."""
        if self.state is PrintState.FAILED:
            self._set_state(PrintState.NOT_PRINTED, error=self.error)

    @abstractmethod
    def _send(self) -> Future[None]:
        """Hand the document to the printer port; report progress via _progress."""

    def _progress(self, fraction: float) -> None:
        if self.state is PrintState.PRINTING:
            self._set_state(PrintState.PRINTING, progress=max(0.0, min(1.0, fraction)))

    def _print(self) -> None:
        self._set_state(PrintState.PRINTING, progress=0.0)

        def job() -> None:
            self._await(self._send())
            self._set_state(PrintState.PRINTED, progress=1.0)

        self._run(job, PrintState.FAILED)

    def _set_state(
        self,
        new: PrintState,
        *,
        error: UserFacingError | None = None,
        progress: float | None = None,
    ) -> None:
        if new is PrintState.FAILED and error is not None and self.context.session.data.payment:
            error = UserFacingError("print.failed_after_payment", {"cause": error.message_key},
                                    cause=error)
        super()._set_state(new, error=error, progress=progress)
