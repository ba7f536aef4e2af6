"""Card presence for the terminal: which card may start a session, which must come out.

A card starts a session only when it goes into a reader that the terminal has seen
empty. A card still in a reader when a session ends, or one the terminal finds there
when it reaches the attract screen (left in across a restart of the kiosk, put in while
staff had the terminal, there before the reader could tell), is *left*: nobody is
logged in with it until it has been taken out and put in again; the goodbye screen asks
for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future

from kiosk.flow.backend_watch import Post
from kiosk.flow.device_ports import CardPresencePort
from kiosk.flow.ports import FlowPorts, IdentifyMethod, Person
from kiosk.session import Session

log = logging.getLogger(__name__)

#: The device role of each card reader.
READER_ROLES: dict[IdentifyMethod, str] = {"id_card": "id_card_reader",
                                           "citizen_card": "card_reader"}
#: (which reader, whether a card is in it now); called on the terminal's thread.
PresenceListener = Callable[[IdentifyMethod, bool], None]


def readers(ports: FlowPorts) -> list[tuple[IdentifyMethod, CardPresencePort]]:
    out: list[tuple[IdentifyMethod, CardPresencePort]] = []
    if ports.id_card_reader is not None:
        out.append(("id_card", ports.id_card_reader))
    if ports.citizen_card is not None:
        out.append(("citizen_card", ports.citizen_card))
    return out


class CardWatch:
    """See the module docstring."""

    def __init__(self, ports: FlowPorts, post: Post, on_presence: PresenceListener) -> None:
        self.readers = readers(ports)
        #: Cards that must be taken out before a session can start.
        self.left: set[IdentifyMethod] = set()
        #: The cards left were found at the attract screen (not left by a session).
        self.found = False
        self._seen_empty: set[IdentifyMethod] = set()
        self._unsubscribe = [
            reader.subscribe_presence(self._listener(method, post, on_presence))
            for method, reader in self.readers
        ]

    @staticmethod
    def _listener(method: IdentifyMethod, post: Post,
                  on_presence: PresenceListener) -> Callable[[bool], None]:
        return lambda present: post(lambda: on_presence(method, present))

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def present(self) -> set[IdentifyMethod]:
        return {method for method, reader in self.readers if reader.card_present}

    def observe(self) -> None:
        """Note the readers that know they are empty (a card put in next is a new one)."""
        for method, reader in self.readers:
            if reader.card_absent:
                self._seen_empty.add(method)

    def known(self) -> list[tuple[str, bool]]:
        """(device role, whether the terminal knows if a card is in) for each reader."""
        return [(READER_ROLES[method], method in self._seen_empty or reader.card_present
                 or method in self.left) for method, reader in self.readers]

    def inserted(self, method: IdentifyMethod) -> bool:
        """A card appeared in ``method``'s reader: True when it was put into an empty one."""
        fresh = method in self._seen_empty
        self._seen_empty.discard(method)
        return fresh

    def removed(self, method: IdentifyMethod) -> bool:
        """A card left ``method``'s reader: True when it was one that had to come out."""
        self.observe()
        if method not in self.left:
            return False
        self.left.discard(method)
        if not self.left:
            self.found = False
        log.info("the card left in the reader was taken out")
        return True

    def session_ended(self) -> None:
        """The cards still in a reader now were the session's: they must come out."""
        self.left = self.present()
        self.found = False
        if self.left:
            log.info("session ended with a card in the reader: %s", sorted(self.left))

    def find_left(self, method: IdentifyMethod | None = None) -> bool:
        """At the attract screen: a card in a reader did not start a session (``method``:
        the one that just appeared without being put into an empty reader). True when
        there is such a card."""
        found = self.present() if method is None else self.present() | {method}
        new = found - self.left
        if new:
            log.info("a card was already in the reader: %s; asking for it to be taken out",
                     sorted(new))
            self.left |= new
            self.found = True
        return bool(self.left)


def refresh_purse_balance(ports: FlowPorts, session: Session, post: Post,
                          on_done: Callable[[], None]) -> None:
    """Read the inserted citizen card's purse balance again (after a service that may
    have changed it) into ``session``'s person; ``on_done`` when it changed."""
    person, card = session.person, ports.citizen_card
    if person is None or person.purse_balance_fen is None or card is None \
            or not card.card_present:
        return

    def read(future: Future[Person]) -> None:
        if session.wiped or session.person is None or future.exception() is not None:
            return  # the card was taken out or the session ended: nothing to show
        fresh = future.result()
        if fresh.id_number == session.person.id_number \
                and fresh.purse_balance_fen != session.person.purse_balance_fen:
            session.update_purse_balance(fresh.purse_balance_fen)
            on_done()

    card.read_holder().add_done_callback(lambda f: post(lambda: read(f)))
