"""Partners, contacts, accounts and direct engagements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from parley.errors import NotFound, ValidationFailed
from store import crud
from tests.store.factories import NOW, make_partner, pk


def test_partner_round_trip_keeps_lists_and_defaults(session: Session) -> None:
    partner = make_partner(session, territories=["emea", "emea", " apac "], name="  Acme  ")
    session.commit()
    session.expunge_all()
    loaded = crud.get_partner(session=session, partner_id=pk(partner))
    assert loaded.name == "Acme"
    assert loaded.status == "active"
    assert loaded.territories == ["emea", "apac"]
    assert loaded.created_at.tzinfo is not None


def test_update_partner_changes_only_what_is_given(session: Session) -> None:
    partner = make_partner(session, tier="silver")
    crud.update_partner(session=session, partner_id=pk(partner), status="suspended")
    session.commit()
    session.expunge_all()
    loaded = crud.get_partner(session=session, partner_id=pk(partner))
    assert (loaded.status, loaded.tier, loaded.territories) == ("suspended", "silver", ["emea"])
    with pytest.raises(ValidationFailed, match="status"):
        crud.update_partner(session=session, partner_id=pk(partner), status="gone")
    with pytest.raises(NotFound):
        crud.update_partner(session=session, partner_id=999_999, status="active")


def test_list_partners_filters_and_pages(session: Session) -> None:
    for index in range(7):
        make_partner(session, name=f"Zeta {index}", territories=["emea" if index % 2 else "apac"])
    make_partner(session, name="Other", status="exited", territories=["apac"])
    session.commit()
    emea = crud.list_partners(session=session, territory="emea", per_page=2, page=2)
    assert emea.total == 3 and [p.name for p in emea.items] == ["Zeta 5"]
    assert crud.list_partners(session=session, status="exited").total == 1
    assert crud.list_partners(session=session, text="zeta", per_page=5).pages == 2
    with pytest.raises(ValidationFailed, match="per_page"):
        crud.list_partners(session=session, per_page=0)


def test_contacts_belong_to_an_existing_partner(session: Session) -> None:
    partner = make_partner(session)
    crud.add_partner_contact(session=session, data={"partner_id": pk(partner), "name": "Ann"})
    assert [c.name for c in crud.list_partner_contacts(session=session, partner_id=pk(partner))] == ["Ann"]
    with pytest.raises(ValidationFailed, match="partner_id"):
        crud.add_partner_contact(session=session, data={"partner_id": 424242, "name": "Bob"})


def test_accounts_are_normalised_and_found(session: Session) -> None:
    account = crud.create_account(
        session=session,
        data={
            "name": "Globex Corporation",
            "web_domain": "https://www.Globex.com/about",
            "territory": "emea",
            "vertical": "retail",
        },
    )
    crud.create_account(
        session=session,
        data={"name": "Initech", "territory": "emea", "vertical": "finance"},
    )
    session.commit()
    assert (account.normalised_name, account.normalised_domain) == ("globex", "globex.com")
    # Found through the rules core's blocking keys: the domain, the name, a typo of it.
    assert crud.find_accounts(session=session, name="Umbrella", domain="https://www.globex.com") == [account]
    assert crud.find_accounts(session=session, name="GLOBEX Corp.") == [account]
    assert crud.find_accounts(session=session, name="Globx") == [account]
    assert crud.find_accounts(session=session, name="Umbrella") == []
    assert crud.list_accounts(session=session, territory="emea").total == 2
    assert crud.get_account(session=session, account_id=pk(account)) is account
    with pytest.raises(ValidationFailed, match="web_domain"):
        crud.create_account(
            session=session,
            data={"name": "X", "web_domain": "not a domain", "territory": "t", "vertical": "v"},
        )


def test_direct_engagements_in_force(session: Session) -> None:
    account = crud.create_account(
        session=session, data={"name": "Umbrella", "territory": "emea", "vertical": "health"}
    )
    crud.add_direct_engagement(
        session=session,
        data={"account_id": pk(account), "owner": "rep", "since": NOW, "product_line": "storage"},
    )
    crud.add_direct_engagement(
        session=session,
        data={
            "account_id": pk(account),
            "owner": "rep2",
            "since": NOW - timedelta(days=30),
            "until": NOW - timedelta(days=1),
        },
    )
    session.commit()

    def owners(product_line: str | None, at_offset: timedelta) -> list[str]:
        found = crud.active_direct_engagements(
            session=session, account_id=pk(account), product_line=product_line, at=NOW + at_offset
        )
        return [engagement.owner for engagement in found]

    assert owners("storage", timedelta(hours=1)) == ["rep"]
    assert owners("network", timedelta(hours=1)) == []
    assert owners("network", -timedelta(days=2)) == ["rep2"]  # the all-lines engagement
    assert owners(None, timedelta(hours=1)) == ["rep"]
    with pytest.raises(ValidationFailed, match="until"):
        crud.add_direct_engagement(
            session=session,
            data={"account_id": pk(account), "owner": "r", "since": NOW, "until": NOW},
        )
