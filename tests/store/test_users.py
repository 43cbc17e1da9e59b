"""Users, passwords, API tokens and delegations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from parley.errors import ValidationFailed
from store import crud
from tests.store.factories import NOW, make_partner, make_user, pk


def test_password_is_hashed_and_checked(session: Session) -> None:
    user = make_user(session, "dana", ["deal_desk", "finance", "deal_desk"])
    session.commit()
    assert user.roles == ["deal_desk", "finance"]
    assert crud.get_user(session=session, user_id=pk(user)) is user
    assert "correct-horse" not in user.password_hash
    assert crud.authenticate(session=session, username="dana", password="correct-horse") == user
    assert crud.authenticate(session=session, username="dana", password="wrong-horse") is None
    assert crud.authenticate(session=session, username="nobody", password="correct-horse") is None
    crud.update_user(session=session, user_id=pk(user), active=False)
    assert crud.authenticate(session=session, username="dana", password="correct-horse") is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "Bad Name"}, "username"),
        ({"roles": ["emperor"]}, "roles"),
        ({"roles": []}, "roles"),
        ({"password": "short"}, "password"),
        ({"roles": ["partner"]}, "partner_id"),
        ({"partner_id": 987654}, "partner_id"),
    ],
)
def test_bad_user_input_names_the_field(session: Session, overrides: dict[str, object], field: str) -> None:
    data = {"username": "erin", "display_name": "Erin", "password": "long-enough", "roles": ["finance"]}
    with pytest.raises(ValidationFailed) as caught:
        crud.create_user(session=session, data={**data, **overrides})
    assert caught.value.problems[0].path.startswith(field)


def test_username_is_unique(session: Session) -> None:
    make_user(session, "frank", ["finance"])
    with pytest.raises(ValidationFailed, match="username"):
        make_user(session, "frank", ["deal_desk"])


def test_partner_user_and_role_listing(session: Session) -> None:
    partner = make_partner(session)
    make_user(session, "pat", ["partner"], partner_id=pk(partner))
    make_user(session, "gina", ["finance"])
    assert [u.username for u in crud.list_users(session=session, role="partner")] == ["pat"]
    assert len(crud.list_users(session=session)) == 2


def test_update_user_validates(session: Session) -> None:
    user = make_user(session, "hugo", ["finance"])
    crud.update_user(session=session, user_id=pk(user), roles=["vp_channel"], password="new-secret")
    assert user.roles == ["vp_channel"]
    assert crud.authenticate(session=session, username="hugo", password="new-secret") == user
    with pytest.raises(ValidationFailed, match="password"):
        crud.update_user(session=session, user_id=pk(user), password="x")
    with pytest.raises(ValidationFailed, match="roles"):
        crud.update_user(session=session, user_id=pk(user), roles=["nope"])


def test_api_tokens_store_only_a_hash_and_can_be_revoked(session: Session) -> None:
    user = make_user(session, "ivy", ["deal_desk"])
    token, plain = crud.create_api_token(session=session, user_id=pk(user), label="crm")
    session.commit()
    assert plain not in token.token_hash and token.last_used_at is None
    assert crud.user_for_token(session=session, token=plain, at=NOW) == user
    assert token.last_used_at == NOW
    assert crud.user_for_token(session=session, token=plain + "x") is None
    crud.revoke_api_token(session=session, token_id=pk(token))
    assert crud.user_for_token(session=session, token=plain) is None
    assert [t.label for t in crud.list_api_tokens(session=session, user_id=pk(user))] == ["crm"]
    with pytest.raises(ValidationFailed, match="user_id"):
        crud.create_api_token(session=session, user_id=123456)


def test_delegations_are_active_only_in_their_range(session: Session) -> None:
    boss = make_user(session, "boss", ["vp_channel"])
    deputy = make_user(session, "deputy", ["regional_channel_director"])
    delegation = crud.create_delegation(
        session=session,
        data={
            "user_id": pk(boss),
            "delegate_id": pk(deputy),
            "starts_at": NOW,
            "ends_at": NOW + timedelta(days=7),
        },
    )
    session.commit()

    def delegators(offset: timedelta) -> list[str]:
        found = crud.active_delegators(session=session, delegate_id=pk(deputy), at=NOW + offset)
        return [user.username for user in found]

    assert delegators(timedelta(0)) == ["boss"]
    assert delegators(-timedelta(seconds=1)) == []
    assert delegators(timedelta(days=7)) == []
    crud.end_delegation(session=session, delegation_id=pk(delegation), at=NOW + timedelta(days=1))
    assert delegators(timedelta(days=2)) == []
    assert delegators(timedelta(hours=23)) == ["boss"]
    assert len(crud.list_delegations(session=session, delegate_id=pk(deputy))) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"delegate_id": "self"}, "delegate_id"),
        ({"ends_at": NOW}, "ends_at"),
        ({"delegate_id": 55555}, "delegate_id"),
        ({"starts_at": "yesterday"}, "starts_at"),
    ],
)
def test_bad_delegation_names_the_field(session: Session, change: dict[str, object], field: str) -> None:
    boss = make_user(session, "boss", ["vp_channel"])
    deputy = make_user(session, "deputy", ["vp_channel"])
    data: dict[str, object] = {
        "user_id": pk(boss),
        "delegate_id": pk(deputy),
        "starts_at": NOW,
        "ends_at": NOW + timedelta(days=1),
        **change,
    }
    if data["delegate_id"] == "self":
        data["delegate_id"] = pk(boss)
    with pytest.raises(ValidationFailed) as caught:
        crud.create_delegation(session=session, data=data)
    assert caught.value.problems[0].path == field
