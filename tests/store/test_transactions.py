"""Nothing half-written: a failed call, or a failure later in the unit of work, leaves no rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from parley.errors import ValidationFailed
from store import crud
from store.engine import session_scope
from store.models import Partner, Registration, Task, User
from tests.store.factories import make_partner, make_registration, make_task, pk


def _count(engine: Engine, model: type[Partner] | type[Registration] | type[Task] | type[User]) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_a_failing_step_rolls_back_the_whole_unit_of_work(engine: Engine) -> None:
    with pytest.raises(ValidationFailed, match="deal_value"), session_scope(engine) as session:
        partner = make_partner(session)
        make_registration(session, partner)
        make_task(session, "wf-x", partner_id=pk(partner))
        make_registration(session, partner, deal_value=-5)  # refused: everything goes
    assert _count(engine, Partner) == _count(engine, Registration) == _count(engine, Task) == 0


def test_a_refused_call_writes_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        partner_id = pk(make_partner(session))
    with pytest.raises(ValidationFailed, match="partner_id"), session_scope(engine) as session:
        crud.create_user(
            session=session,
            data={
                "username": "pat",
                "display_name": "Pat",
                "password": "long-enough",
                "roles": ["partner"],
                "partner_id": partner_id + 1000,
            },
        )
    assert _count(engine, User) == 0
    assert _count(engine, Partner) == 1


def test_validation_reports_every_problem_with_its_field(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        crud.create_partner(session=session, data={"name": "", "tier": "", "territories": "x"})
    paths = {problem.path for problem in caught.value.problems}
    assert paths == {"name", "tier", "territories"}
    assert "name:" in str(caught.value)
