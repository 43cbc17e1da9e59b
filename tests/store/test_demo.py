"""Demo data: seeded once, deterministic, and the printed logins really sign in."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store import crud
from store.demo import ACCOUNTS, PARTNERS, TERRITORIES, DemoLogin, ensure_demo_data
from store.models import APPROVER_ROLES, Account, DirectEngagement, Partner, User


def _counts(engine: Engine) -> tuple[int, int, int, int]:
    with Session(engine) as session:
        return tuple(  # type: ignore[return-value]
            int(session.exec(select(func.count()).select_from(model)).one())
            for model in (Partner, Account, DirectEngagement, User)
        )


def test_seeding_is_idempotent_and_logins_work(engine: Engine) -> None:
    logins = ensure_demo_data(engine)
    first = _counts(engine)
    assert first[0] == PARTNERS and first[1] == ACCOUNTS and first[2] > 0
    assert ensure_demo_data(engine) == logins
    assert _counts(engine) == first
    assert str(logins[0]) == "cam / demo-cam / channel_account_manager"
    assert {login.role for login in logins} >= {role.value for role in APPROVER_ROLES}
    with Session(engine) as session:
        for login in logins:
            user = crud.authenticate(session=session, username=login.username, password=login.password)
            assert user is not None and user.roles == [login.role]
        partner_user = crud.get_user_by_username(session=session, username="partner")
        assert partner_user is not None and partner_user.partner_id is not None
        partner = crud.get_partner(session=session, partner_id=partner_user.partner_id)
        assert partner.status == "active"


def test_demo_channel_is_varied_and_deterministic(engine: Engine) -> None:
    ensure_demo_data(engine)
    with Session(engine) as session:
        partners = crud.list_partners(session=session, per_page=PARTNERS).items
        accounts = crud.list_accounts(session=session, per_page=ACCOUNTS).items
    assert {p.tier for p in partners} == {"registered", "silver", "gold", "platinum"}
    assert {p.status for p in partners} == {"active", "suspended"}  # exiting comes from an exit
    assert {t for p in partners for t in p.territories} == set(TERRITORIES)
    assert len({a.normalised_domain for a in accounts if a.normalised_domain}) == len(
        [a for a in accounts if a.normalised_domain]
    )
    # Fixed seeds: the same first partner and account on every database, every time.
    assert min(partners, key=lambda p: p.id or 0).name == "Wilson Technologies"
    assert any(a.web_domain and a.web_domain.startswith("www.") for a in accounts)


def test_missing_demo_users_are_restored(engine: Engine) -> None:
    ensure_demo_data(engine)
    with Session(engine) as session:
        cam = crud.get_user_by_username(session=session, username="cam")
        assert cam is not None
        session.delete(cam)
        session.commit()
    logins = ensure_demo_data(engine)
    assert DemoLogin("cam", "demo-cam", "channel_account_manager") in logins
    assert _counts(engine)[3] == len(logins)
