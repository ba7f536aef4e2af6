"""Eligibility before effort: the backend says whether the person may use a service
before its first step asks anything of them (a face check, a form).

:class:`EligibilityCheck` sends one question at a time and hands the answer back on the
terminal's thread. An answer to a question that was withdrawn (the session ended, the
resident went back) is dropped. When the backend cannot answer, the answer is ``None``:
the service starts and its own steps meet the backend again, where a failure is shown
with a retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future

from backend_client.service_definition import ServiceDefinition
from kiosk.flow.backend_watch import Post
from kiosk.flow.ports import Eligibility, EligibilityBackend, Person

log = logging.getLogger(__name__)

#: (service, the backend's answer or None when it is not known)
Answer = Callable[[ServiceDefinition, Eligibility | None], None]


class EligibilityCheck:
    """See the module docstring."""

    def __init__(self, backend: EligibilityBackend | None, post: Post) -> None:
        self.backend = backend
        self.post = post
        self.pending: ServiceDefinition | None = None

    @property
    def available(self) -> bool:
        return self.backend is not None

    def ask(self, service: ServiceDefinition, person: Person, on_answer: Answer) -> None:
        """Ask about ``service``; ``on_answer`` runs (on the terminal's thread) unless
        :meth:`withdraw` or another :meth:`ask` came first."""
        assert self.backend is not None
        self.pending = service
        future = self.backend.eligibility(service.id, person)
        future.add_done_callback(
            lambda f: self.post(lambda: self._done(service, f, on_answer)))

    def withdraw(self) -> None:
        self.pending = None

    def _done(self, service: ServiceDefinition, future: Future[Eligibility],
              on_answer: Answer) -> None:
        if self.pending is not service:
            return
        self.pending = None
        exc = future.exception()
        if exc is not None:
            log.warning("eligibility of %s not known: %s", service.id, exc)
            on_answer(service, None)
            return
        answer = future.result()
        if not answer.eligible:
            log.info("service %s: not eligible (%s)", service.id, answer.reason)
        on_answer(service, answer)
