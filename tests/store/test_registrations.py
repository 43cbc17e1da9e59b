"""Registrations: recording, idempotent retries, state projection and searches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from parley.errors import NotFound, ValidationFailed
from store import crud
from tests.store.factories import NOW, make_partner, make_registration, pk


def test_registration_derives_normalised_fields(session: Session) -> None:
    partner = make_partner(session)
    registration = make_registration(
        session, partner, account_name="The Globex Corp.", account_domain="http://shop.globex.com"
    )
    session.commit()
    assert registration.normalised_name == "globex"
    assert registration.normalised_domain == "globex.com"
    assert registration.account_key == "domain:globex.com"
    assert registration.state == "submitted"
    assert registration.submitted_at == NOW
    assert make_registration(session, partner, account_domain=None).account_key == "name:globex"


def test_retry_with_same_workflow_returns_the_first(session: Session) -> None:
    partner = make_partner(session)
    first = make_registration(session, partner, workflow_id="wf-1", request_key="k1")
    again = make_registration(session, partner, workflow_id="wf-1", request_key="k1")
    assert pk(again) == pk(first)
    with pytest.raises(ValidationFailed, match="request_key"):
        make_registration(session, partner, workflow_id="wf-2", request_key="k1")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"deal_value": -1}, "deal_value"),
        ({"state": "bogus"}, "state"),
        ({"account_name": ""}, "account_name"),
        ({"partner_id": 777777}, "partner_id"),
        ({"account_id": 777777}, "account_id"),
    ],
)
def test_bad_registration_names_the_field(session: Session, overrides: dict[str, object], field: str) -> None:
    partner = make_partner(session)
    with pytest.raises(ValidationFailed) as caught:
        make_registration(session, partner, **overrides)
    assert caught.value.problems[0].path == field


def test_update_projects_a_transition(session: Session) -> None:
    partner = make_partner(session)
    registration = make_registration(session, partner)
    crud.update_registration(
        session=session,
        workflow_id=registration.workflow_id,
        state="approved",
        decided_at=NOW + timedelta(hours=1),
        expires_at=NOW + timedelta(days=90),
        reason_codes=["approval.granted"],
        at=NOW + timedelta(hours=1),
    )
    session.commit()
    session.expunge_all()
    loaded = crud.get_registration(session=session, workflow_id=registration.workflow_id)
    assert loaded.state == "approved"
    assert loaded.expires_at == NOW + timedelta(days=90)
    assert loaded.last_reason_codes == ["approval.granted"]
    assert loaded.updated_at == NOW + timedelta(hours=1)
    assert crud.get_registration_by_id(session=session, registration_id=pk(loaded)) == loaded
    with pytest.raises(ValidationFailed, match="state"):
        crud.update_registration(session=session, workflow_id=loaded.workflow_id, state="done")
    with pytest.raises(ValidationFailed, match="extensions_used"):
        crud.update_registration(session=session, workflow_id=loaded.workflow_id, extensions_used=-1)
    with pytest.raises(NotFound):
        crud.update_registration(session=session, workflow_id="missing", state="approved")


def test_list_filters_and_pages(session: Session) -> None:
    alpha, beta = make_partner(session), make_partner(session)
    for index in range(5):
        make_registration(
            session,
            alpha,
            account_name=f"Initech {index}",
            account_domain=None,
            submitted_at=NOW + timedelta(minutes=index),
        )
    make_registration(session, beta, territory="apac", state="pending_approval")
    session.commit()
    page = crud.list_registrations(session=session, partner_id=pk(alpha), per_page=2, page=1)
    assert page.total == 5 and page.pages == 3
    assert [r.account_name for r in page.items] == ["Initech 4", "Initech 3"]  # newest first
    assert crud.list_registrations(session=session, account="initech").total == 5
    assert crud.list_registrations(session=session, account="GLOBEX corp").total == 1
    assert crud.list_registrations(session=session, account="globex.com").total == 1
    assert crud.list_registrations(session=session, account="%").total == 0  # not a wildcard
    assert crud.list_registrations(session=session, territory="apac").total == 1
    assert crud.list_registrations(session=session, state="pending_approval").total == 1
    both = crud.list_registrations(session=session, state=["pending_approval", "submitted"])
    assert both.total == 6
    with pytest.raises(ValidationFailed, match="state"):
        crud.list_registrations(session=session, state="open")
    with pytest.raises(ValidationFailed, match="page"):
        crud.list_registrations(session=session, page=0)


def test_open_registrations_and_prior_submissions(session: Session) -> None:
    partner = make_partner(session)
    first = make_registration(session, partner)
    make_registration(session, partner, state="rejected", submitted_at=NOW + timedelta(days=1))
    other_line = make_registration(session, partner, product_line="storage")
    session.commit()
    candidates = crud.open_registrations(session=session, product_line="network", exclude_workflow_id="none")
    assert [pk(r) for r in candidates] == [pk(first)]
    assert len(crud.open_registrations(session=session)) == 2
    assert other_line in crud.open_registrations(session=session, product_line="storage")
    prior = crud.count_prior_submissions(
        session=session,
        partner_id=pk(partner),
        account_key=first.account_key,
        product_line="network",
        before=NOW + timedelta(days=2),
    )
    assert prior == 2
