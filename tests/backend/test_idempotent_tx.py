"""backend_sim.http.idempotent_tx: the handler's writes and the stored answer commit
together or not at all (the payment create path uses it)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import BaseModel

from backend_sim import db
from backend_sim.http import ApiError, idempotent_tx
from backend_sim.state import BackendState


class Answer(BaseModel):
    n: int


def _state(tmp_path: Path) -> BackendState:
    return BackendState(engine=db.make_engine(f"sqlite:///{tmp_path / 'b.sqlite'}"))


def _count(state: BackendState, table: sa.Table) -> int:
    with state.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _write(conn: sa.Connection, n: int) -> None:
    conn.execute(sa.insert(db.backend_secrets).values(name=f"row{n}", value="v"))


def test_a_failing_handler_leaves_neither_its_writes_nor_an_answer(tmp_path: Path) -> None:
    state = _state(tmp_path)
    before = _count(state, db.backend_secrets)

    def fails(conn: sa.Connection) -> Answer:
        _write(conn, 1)
        raise ApiError(409, "conflict", "after the write")

    with pytest.raises(ApiError):
        idempotent_tx(state, "T1", "key-00000001", "op", Answer(n=1), fails)
    assert _count(state, db.backend_secrets) == before
    assert _count(state, db.idempotency) == 0


def test_the_same_key_gets_the_stored_answer_and_another_body_409(tmp_path: Path) -> None:
    state = _state(tmp_path)
    calls: list[int] = []

    def once(conn: sa.Connection) -> Answer:
        calls.append(1)
        _write(conn, len(calls))
        return Answer(n=len(calls))

    first = idempotent_tx(state, "T1", "key-00000002", "op", Answer(n=7), once)
    again = idempotent_tx(state, "T1", "key-00000002", "op", Answer(n=7), once)
    assert first == again == {"n": 1} and len(calls) == 1
    with pytest.raises(ApiError) as err:
        idempotent_tx(state, "T1", "key-00000002", "op", Answer(n=8), once)
    assert err.value.code == "idempotency_conflict"
