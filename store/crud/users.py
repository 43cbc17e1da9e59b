"""Users and roles, password checks, API tokens and out-of-office delegations."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from parley.errors import NotFound
from parley.text import bidi_problem
from store.crud._common import parse, refuse, require_exists, require_member
from store.models import (
    ApiToken,
    Delegation,
    DelegationCreate,
    Partner,
    Role,
    User,
    UserCreate,
    as_utc,
    utcnow,
)
from store.models.users import SCOPE_ROLES, Scope, scopes_allowed

LAST_USE_RESOLUTION = timedelta(minutes=1)


def _roles(values: Sequence[str]) -> list[str]:
    if not values:
        raise refuse("roles", "at least one role is required")
    return list(dict.fromkeys(require_member("roles", str(value), Role) for value in values))


def create_user(*, session: Session, data: UserCreate | Mapping[str, Any]) -> User:
    """Create a user; the password is stored only as a salted hash."""
    user_in = parse(UserCreate, data)
    roles = _roles(user_in.roles)
    if get_user_by_username(session=session, username=user_in.username) is not None:
        raise refuse("username", f"{user_in.username!r} is already taken")
    require_exists(session, Partner, user_in.partner_id, "partner_id")
    if Role.PARTNER in roles and user_in.partner_id is None:
        raise refuse("partner_id", "a partner user must belong to a partner")
    user = User(
        username=user_in.username,
        display_name=user_in.display_name,
        email=user_in.email,
        partner_id=user_in.partner_id,
        active=user_in.active,
        roles=roles,
        password_hash=generate_password_hash(user_in.password),
    )
    session.add(user)
    session.flush()
    return user


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def get_user_by_username(*, session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def list_users(*, session: Session, role: str | None = None) -> list[User]:
    users = list(session.exec(select(User).order_by(col(User.username))).all())
    if role is None:
        return users
    require_member("role", role, Role)
    return [user for user in users if role in user.roles]


def update_user(
    *,
    session: Session,
    user_id: int,
    roles: Sequence[str] | None = None,
    active: bool | None = None,
    display_name: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> User:
    """Change a user's roles, active flag, names or password (only the arguments given)."""
    user = get_user(session=session, user_id=user_id)
    if roles is not None:
        user.roles = _roles(roles)
    if display_name is not None:
        if not display_name.strip():
            raise refuse("display_name", "must not be empty")
        if (problem := bidi_problem(display_name)) is not None:
            raise refuse("display_name", problem)
        user.display_name = display_name.strip()
    if password is not None:
        if len(password) < 8:
            raise refuse("password", "must be at least 8 characters")
        user.password_hash = generate_password_hash(password)
    if email is not None:
        user.email = email or None
    if active is not None:
        user.active = active
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None (never says which was wrong).

    A user of a partner whose access an exit revoked is refused like a wrong password."""
    user = get_user_by_username(session=session, username=username)
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return None if shut_out(session=session, user=user) else user


def shut_out(*, session: Session, user: User, at: datetime | None = None) -> bool:
    """Whether ``user`` belongs to a partner whose access an exit has revoked."""
    if user.partner_id is None:
        return False
    partner = session.get(Partner, user.partner_id)
    revoked = partner.access_revoked_at if partner is not None else None
    return revoked is not None and as_utc(revoked) <= as_utc(at or utcnow())


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(
    *,
    session: Session,
    user_id: int,
    label: str = "",
    scopes: Sequence[str] | None = None,
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Issue a bearer token; returns the row and the plain token, which is not stored anywhere.

    ``scopes`` None gives every scope the user's roles allow; each scope named must be allowed by
    them, or (the approver scope) by a delegation to the user that is active or yet to start. A
    delegate's approver scope is in force only while a delegation is active (``check_api_token``).
    ``expires_at`` None: the token lasts until revoked."""
    require_exists(session, User, user_id, "user_id")
    if len(label) > 120:
        raise refuse("label", "must be at most 120 characters")
    user = get_user(session=session, user_id=user_id)
    delegated = delegated_roles(session=session, user=user, at=at, upcoming=True)
    allowed = scopes_allowed(user.roles, delegated=delegated)
    if scopes is None:
        if not allowed:
            raise refuse("scopes", f"the roles of {user.username!r} allow no API scope")
        chosen = [str(scope) for scope in allowed]
    else:
        chosen = list(dict.fromkeys(require_member("scopes", str(scope), Scope) for scope in scopes))
        if not chosen:
            raise refuse("scopes", "at least one scope is required")
        for scope in chosen:
            if scope not in allowed:
                needs = ", ".join(sorted(SCOPE_ROLES[Scope(scope)]))
                raise refuse(
                    "scopes", f"{scope!r} needs one of the roles {needs}; {user.username!r} has none of them"
                )
    if expires_at is not None:
        expires_at = as_utc(expires_at)
        if expires_at <= as_utc(at or utcnow()):
            raise refuse("expires_at", "must be in the future")
    plain = f"prl_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user_id=user_id, token_hash=_token_hash(plain), label=label, scopes=chosen, expires_at=expires_at
    )
    session.add(token)
    session.flush()
    return token, plain


@dataclass(frozen=True)
class TokenCheck:
    """A presented token: its user and the scopes in force, or ``refused`` saying why not."""

    user: User | None
    scopes: frozenset[str] = frozenset()
    token_id: int | None = None
    refused: str = ""


def _when(at: datetime) -> str:
    return f"{as_utc(at):%Y-%m-%d %H:%M} UTC"


def check_api_token(*, session: Session, token: str, at: datetime | None = None) -> TokenCheck:
    """Whether ``token`` is live (known, unrevoked, unexpired, its user active and not shut out).

    The scopes in force are the token's that the user's roles, or the delegations to the user
    active now (the approver scope), still allow. Last use is written at most once per
    ``LAST_USE_RESOLUTION``, so a busy token does not write on every request."""
    now = as_utc(at) if at else utcnow()
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is None:
        return TokenCheck(None, refused="unknown token")
    if row.revoked_at is not None:
        return TokenCheck(None, refused=f"the token was revoked on {_when(row.revoked_at)}")
    if row.expires_at is not None and as_utc(row.expires_at) <= now:
        return TokenCheck(None, refused=f"the token expired on {_when(row.expires_at)}")
    user = session.get(User, row.user_id)
    if user is None or not user.active or shut_out(session=session, user=user, at=now):
        return TokenCheck(None, refused="the token's user is inactive or no longer has access")
    if row.last_used_at is None or now - as_utc(row.last_used_at) >= LAST_USE_RESOLUTION:
        row.last_used_at = now
        session.add(row)
        session.flush()
    allowed = scopes_allowed(user.roles, delegated=delegated_roles(session=session, user=user, at=now))
    in_force = frozenset(row.scopes) & {str(scope) for scope in allowed}
    return TokenCheck(user, in_force, row.id)


def user_for_token(*, session: Session, token: str, at: datetime | None = None) -> User | None:
    """The active user a live token belongs to (``check_api_token`` says why when there is none)."""
    return check_api_token(session=session, token=token, at=at).user


def list_api_tokens(*, session: Session, user_id: int) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user_id).order_by(col(ApiToken.id))
    return list(session.exec(query).all())


def revoke_api_token(*, session: Session, token_id: int, at: datetime | None = None) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("api token", token_id)
    if token.revoked_at is None:
        token.revoked_at = as_utc(at) if at else utcnow()
        session.add(token)
        session.flush()
    return token


def create_delegation(*, session: Session, data: DelegationCreate | Mapping[str, Any]) -> Delegation:
    """Let ``delegate_id`` act on ``user_id``'s tasks from ``starts_at`` until ``ends_at``."""
    delegation_in = parse(DelegationCreate, data)
    require_exists(session, User, delegation_in.user_id, "user_id")
    require_exists(session, User, delegation_in.delegate_id, "delegate_id")
    if delegation_in.user_id == delegation_in.delegate_id:
        raise refuse("delegate_id", "a user cannot delegate to themselves")
    starts_at, ends_at = as_utc(delegation_in.starts_at), as_utc(delegation_in.ends_at)
    if ends_at <= starts_at:
        raise refuse("ends_at", "must be after starts_at")
    delegation = Delegation(
        user_id=delegation_in.user_id,
        delegate_id=delegation_in.delegate_id,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    session.add(delegation)
    session.flush()
    return delegation


def end_delegation(*, session: Session, delegation_id: int, at: datetime | None = None) -> Delegation:
    """End a delegation now (or at ``at``); a delegation not yet started ends before it starts."""
    delegation = session.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound("delegation", delegation_id)
    at = as_utc(at) if at else utcnow()
    if delegation.ends_at > at:
        delegation.ends_at = max(at, delegation.starts_at)
        session.add(delegation)
        session.flush()
    return delegation


def list_delegations(
    *, session: Session, user_id: int | None = None, delegate_id: int | None = None
) -> list[Delegation]:
    query = select(Delegation).order_by(col(Delegation.starts_at), col(Delegation.id))
    if user_id is not None:
        query = query.where(Delegation.user_id == user_id)
    if delegate_id is not None:
        query = query.where(Delegation.delegate_id == delegate_id)
    return list(session.exec(query).all())


def active_delegators(*, session: Session, delegate_id: int, at: datetime) -> list[User]:
    """Active users who have delegated to ``delegate_id`` for a range that contains ``at``."""
    at = as_utc(at)
    query = (
        select(User)
        .join(Delegation, col(Delegation.user_id) == col(User.id))
        .where(
            Delegation.delegate_id == delegate_id,
            col(Delegation.starts_at) <= at,
            col(Delegation.ends_at) > at,
            col(User.active).is_(True),
        )
        .order_by(col(User.username))
    )
    unique: dict[int | None, User] = {}
    for user in session.exec(query).all():  # one row per delegation; a user may have several
        unique.setdefault(user.id, user)
    return list(unique.values())


def delegated_roles(
    *, session: Session, user: User, at: datetime | None = None, upcoming: bool = False
) -> frozenset[str]:
    """The roles of the active users who delegated to ``user`` for a range containing ``at``
    (with ``upcoming``, also for one that starts later)."""
    at = as_utc(at or utcnow())
    query = (
        select(User.roles)
        .join(Delegation, col(Delegation.user_id) == col(User.id))
        .where(Delegation.delegate_id == user.id, col(Delegation.ends_at) > at, col(User.active).is_(True))
    )
    if not upcoming:
        query = query.where(col(Delegation.starts_at) <= at)
    return frozenset(role for roles in session.exec(query).all() for role in roles)


def actor_authority(
    *, session: Session, username: str, at: datetime | None = None
) -> tuple[list[str], int | None, list[tuple[str, list[str]]]] | None:
    """The user's roles, partner and active delegators ``(username, roles)``; None if unknown."""
    user = get_user_by_username(session=session, username=username)
    if user is None or not user.active or user.id is None:
        return None
    delegators = active_delegators(session=session, delegate_id=user.id, at=as_utc(at or utcnow()))
    return (
        list(user.roles),
        user.partner_id,
        [(d.username, list(d.roles)) for d in delegators],
    )
