"""People who sign in: users with roles, their API tokens and out-of-office delegations."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from parley.text import plain_name
from store.models.enums import APPROVER_ROLES, Role
from store.models.types import JSONDocument, UTCDateTime, utcnow

USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")


class UserBase(SQLModel):
    username: str = Field(min_length=2, max_length=64)
    display_name: str = Field(min_length=1, max_length=120)
    email: str | None = Field(default=None, max_length=320)
    partner_id: int | None = None
    active: bool = True

    _plain_names = field_validator("username", "display_name")(plain_name)


class UserCreate(UserBase):
    """A new user. ``password`` is hashed by the data layer and never stored as given."""

    password: str = Field(min_length=8, max_length=200)
    roles: list[Role] = Field(min_length=1)

    @field_validator("username")
    @classmethod
    def _plain_username(cls, value: str) -> str:
        if not USERNAME.fullmatch(value):
            raise ValueError("use lower-case letters, digits, '.', '_' or '-', starting alphanumeric")
        return value


class UserPublic(UserBase):
    id: int
    roles: list[str]


class User(UserBase, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    roles: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    partner_id: int | None = Field(default=None, foreign_key="partners.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Scope(StrEnum):
    """What an API token may be used for. A request may do only what both its user's roles and
    its token's scopes allow; ``SCOPE_ROLES`` says which roles may hold each scope."""

    PARTNER = "partner"  # a partner user acting for its own partner
    INTEGRATOR = "integrator"  # partner_ops/admin acting for partners' processes (CRM, portal)
    APPROVER = "approver"  # deciding and escalating tasks (approvers; direct sales' own tasks)
    PARTNER_OPS = "partner_ops"  # partner records and exits


SCOPE_ROLES: dict[Scope, frozenset[str]] = {
    Scope.PARTNER: frozenset({Role.PARTNER}),
    Scope.INTEGRATOR: frozenset({Role.PARTNER_OPS, Role.ADMIN}),
    Scope.APPROVER: frozenset({*APPROVER_ROLES, Role.DIRECT_SALES}),
    Scope.PARTNER_OPS: frozenset({Role.PARTNER_OPS, Role.ADMIN}),
}


def scopes_allowed(roles: Iterable[str], *, delegated: Iterable[str] = ()) -> list[Scope]:
    """The scopes a user with ``roles`` may give a token, in ``Scope`` order.

    ``delegated``: the roles of those who delegated their tasks to the user. A delegate acts on
    the delegator's tasks and nothing more, so a delegation allows the approver scope only (the
    caller passes the delegations that count at the moment)."""
    held = set(roles)
    acting = bool(set(delegated) & SCOPE_ROLES[Scope.APPROVER])
    return [scope for scope in Scope if SCOPE_ROLES[scope] & held or (scope is Scope.APPROVER and acting)]


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the plain token is shown once.

    ``scopes`` lists ``Scope`` values; ``expires_at`` None means the token does not expire."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    label: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    scopes: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DelegationCreate(SQLModel):
    user_id: int
    delegate_id: int
    starts_at: datetime
    ends_at: datetime


class Delegation(SQLModel, table=True):
    """While ``starts_at <= now < ends_at``, ``delegate`` may act on ``user``'s tasks."""

    __tablename__ = "delegations"
    __table_args__ = (Index(None, "delegate_id", "starts_at", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    delegate_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
